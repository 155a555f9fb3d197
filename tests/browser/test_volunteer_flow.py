"""A new volunteer, on a phone and in Chinese: registers, sets the weekly availability,
signs up for a shift, is refused with a reason for an overlapping one and sees why a
skilled role is closed, looks at "my schedule", withdraws.

Screenshots of the main pages are saved under the test's temporary directory (and under
``$SCREENSHOT_DIR`` when set) so their look on a phone can be checked by eye.
"""

from __future__ import annotations

import os
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scheduler.communities import add_skill, create_community
from scheduler.extensions import db
from scheduler.models import Activity, ActivityKind, ActivityRole, ActivityRoleSkill, Shift

WEEKDAYS_ZH = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]


def _activity(community, code, title, start, end, roles, skills=None) -> Activity:
    activity = Activity(
        community=community, code=code, kind=ActivityKind.CLASS, title=title,
        start_time=start, end_time=end, valid_from=date(2026, 1, 1),
    )
    for position, (name, need, skill) in enumerate(roles):
        role = ActivityRole(name=name, position=position, need=need)
        if skill is not None:
            role.skills = [ActivityRoleSkill(skill=skill, min_level=2)]
        activity.roles.append(role)
    db.session.add(activity)
    return activity


@pytest.fixture
def shift_day(server) -> date:
    """Three days from now in the community's zone, with a calligraphy class, an
    overlapping patrol and a law lecture needing a skill."""
    with server.app.app_context():
        community = create_community("demo", "滨河社区", contact="社区党群服务站 027-8888 6666")
        law = add_skill(community, "law", "法律咨询")
        day = community.local_now().date() + timedelta(days=3)
        activities = [
            _activity(community, "calligraphy", "书法班", time(9), time(11), [("助教", 2, None)]),
            _activity(community, "patrol", "网格巡逻", time(10), time(12), [("巡逻员", 2, None)]),
            _activity(community, "law-lecture", "法律讲座", time(14), time(16), [("讲师", 1, law)]),
        ]
        db.session.flush()
        db.session.add_all(Shift.from_activity(activity, day, one_off=True) for activity in activities)
        db.session.commit()
    return day


def snap(page, tmp_path: Path, name: str) -> None:
    """Save a full-page screenshot (the tests do not compare them; people look at them)."""
    directories = [tmp_path] + ([Path(os.environ["SCREENSHOT_DIR"])] if os.environ.get("SCREENSHOT_DIR") else [])
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def test_new_volunteer_signs_up_is_refused_and_withdraws(page, server, shift_day, tmp_path):
    # Register.
    page.goto("/auth/register")
    page.get_by_label("姓名").fill("陈思远")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("密码", exact=True).fill("siyuan-2026")
    page.get_by_label("再次输入密码").fill("siyuan-2026")
    page.get_by_label("大学生").check()
    page.get_by_role("button", name="创建账号").click()
    expect(page.locator(".flash-success")).to_contain_text("欢迎您，陈思远")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的日程")

    # Weekly availability: only the morning and afternoon of the shifts' weekday.
    page.locator("header").get_by_role("link", name="我的资料").click()
    page.get_by_role("link", name="修改每周时间").click()
    page.get_by_label("只在下面选择的时间").check()
    day = page.locator("fieldset.day", has_text=WEEKDAYS_ZH[shift_day.weekday()])
    day.get_by_label("具体时间").fill("9:00-10:00，25:00-26:00")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field-errors")).to_have_text("“25:00-26:00”不是有效的时间。")
    expect(day.get_by_label("具体时间")).to_have_value("9:00-10:00，25:00-26:00")  # kept as typed
    day.get_by_label("具体时间").fill("")
    day.get_by_label("上午 08:00-12:00").check()
    day.get_by_label("下午 13:00-17:30").check()
    snap(page, tmp_path, "availability")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("每周空闲时间已保存")
    expect(page.locator("main")).to_contain_text(f"{WEEKDAYS_ZH[shift_day.weekday()]}: 08:00–12:00, 13:00–17:30")

    # Open shifts: the lecture needs a skill, so only the class and the patrol are offered.
    page.locator("header").get_by_role("link", name="可报名的班次").click()
    cards = page.locator("article.card")
    expect(cards).to_have_count(2)
    expect(page.locator("main")).not_to_contain_text("法律讲座")
    snap(page, tmp_path, "open-shifts")

    # A second tab keeps the patrol's page open, with its button, from before signing up.
    patrol_tab = page.context.new_page()
    patrol_tab.goto(page.url)
    patrol_tab.get_by_role("link", name="网格巡逻").click()
    expect(patrol_tab.get_by_role("button", name="报名")).to_be_visible()

    # Sign up for the class.
    cards.filter(has_text="书法班").get_by_role("button", name="报名").click()
    expect(page.locator(".flash-success")).to_contain_text("您已报名“书法班”（助教）")

    # The patrol overlaps it: pressing its old button is refused with the reason.
    patrol_tab.get_by_role("button", name="报名").click()
    expect(patrol_tab.locator(".flash-error").first).to_contain_text("您不能报名“网格巡逻”（巡逻员）")
    expect(patrol_tab.locator(".flash-error").nth(1)).to_contain_text("与您已报名的“书法班”")
    expect(patrol_tab.locator(".flash-error").nth(1)).to_contain_text("时间冲突")
    snap(patrol_tab, tmp_path, "refused")
    patrol_tab.close()

    # Showing all shifts explains why the lecture is closed too.
    page.get_by_role("link", name="显示全部班次").click()
    lecture = page.locator("article.card", has_text="法律讲座")
    expect(lecture.locator(".reasons")).to_contain_text("需要技能“法律咨询”（2级），您还没有填写这项技能。")
    expect(lecture.get_by_role("button")).to_have_count(0)

    # My schedule shows the class; withdraw from it.
    page.locator("header").get_by_role("link", name="我的日程").click()
    mine = page.locator("article.card.mine")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("书法班 · 助教")
    expect(mine).to_contain_text("前可以取消报名")
    snap(page, tmp_path, "my-schedule")
    mine.get_by_role("button", name="取消报名").click()
    expect(page.locator(".flash-success")).to_contain_text("您已取消报名“书法班”")
    expect(page.locator("main")).to_contain_text("您没有即将到来的班次。")
