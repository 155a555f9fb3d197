"""Calendar pages in Chinese on a phone: a volunteer makes their private calendar link and
sees the webcal button, the QR code and the link to copy; a resident opens the public
calendar page and a class timetable's QR code. Screenshots go to ``$FEEDS_SCREENSHOTS``
(default: the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from scheduler.extensions import db
from tests.conftest import DEFAULT_PASSWORD, Factories
from tests.feeds.scenario import build_scenario, publish_plan


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FEEDS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def seed(server):
    with server.app.app_context():
        scenario = build_scenario(Factories())
        publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang),
                                (scenario.patrol_shift, "巡逻员", scenario.wang)])
        db.session.commit()
        return scenario.wang.mobile


def test_a_volunteer_subscribes_to_their_calendar(page, server, tmp_path):
    mobile = seed(server)
    page.goto("/auth/login")
    page.get_by_label("手机号码").fill(mobile)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="我的日历").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的日历")
    page.get_by_role("button", name="生成我的日历链接").click()
    expect(page.locator(".flash-success")).to_contain_text("这是您的日历链接")

    subscribe = page.get_by_role("link", name="添加到我的日历")
    expect(subscribe).to_be_visible()
    webcal = subscribe.get_attribute("href")
    assert webcal.startswith("webcal://127.0.0.1:") and webcal.endswith(".ics")
    expect(page.get_by_role("img", name="您的日历链接二维码")).to_be_visible()
    https = page.locator("#https-link").input_value()
    assert https == "http://" + webcal.removeprefix("webcal://")
    expect(page.get_by_role("button", name="复制")).to_be_visible()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "subscribe.png"), full_page=True)

    feed = page.request.get(https)
    assert feed.status == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "书法班（讲师）" in feed.text() and "夜间巡逻（巡逻员）" in feed.text()

    page.get_by_label("前一天晚上提醒我").uncheck()
    page.get_by_label("开始前提醒").select_option(label="提前30分钟")
    page.get_by_role("button", name="保存提醒设置").click()
    expect(page.locator(".flash-success")).to_contain_text("提醒设置已保存")
    assert "TRIGGER:-PT30M" in page.request.get(https).text()


def test_a_resident_finds_the_class_timetable(page, server, tmp_path):
    seed(server)
    page.goto("/calendar/riverside/")
    expect(page.get_by_role("heading", level=1)).to_have_text("河畔社区日历订阅")
    classes = page.locator("#activity-calligraphy")
    expect(classes).to_contain_text("书法班")
    webcal = classes.get_by_role("link", name="订阅").get_attribute("href")
    assert webcal.endswith("/feeds/community/riverside/activity/calligraphy.ics")
    classes.get_by_text("复制链接、二维码").click()
    qr = classes.get_by_role("img", name="日历二维码")
    expect(qr).to_be_visible()
    # Loaded lazily once the details open: wait until the browser has decoded it.
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=qr.element_handle())
    page.screenshot(path=str(screenshot_dir(tmp_path) / "calendar.png"), full_page=True)

    timetable = page.request.get("http://" + webcal.removeprefix("webcal://"))
    assert timetable.status == 200 and "BEGIN:VEVENT" in timetable.text()
    assert "王老师" in timetable.text() and "13800138000" not in timetable.text()
