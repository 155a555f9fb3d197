"""A coordinator sets up their community on a phone: a venue, an activity with a role, and
the volunteers from a spreadsheet whose one bad row is reported, fixed and imported."""

from __future__ import annotations

from playwright.sync_api import expect

from scheduler.accounts import create_coordinator, user_by_mobile
from scheduler.communities import add_skill, create_community
from scheduler.extensions import db
from scheduler.models import Activity, Venue

COORDINATOR_MOBILE = "13800000001"
COORDINATOR_PASSWORD = "coordinator-2026"
ROSTER = "姓名,手机号,队伍,技能(等级),每周最多小时\r\n{rows}"
GOOD_ROW = "王秀英,13911112222,退休干部,书法(3),6\r\n"


def _roster(*rows: str) -> dict:
    return {"name": "志愿者名单.csv", "mimeType": "text/csv", "buffer": ROSTER.format(rows="".join(rows)).encode("utf-8-sig")}


def test_a_coordinator_adds_a_venue_an_activity_with_a_role_and_imports_volunteers(page, server, tmp_path):
    with server.app.app_context():
        community = create_community("demo", "滨河社区")
        add_skill(community, "calligraphy", "书法")
        create_coordinator(community, name="陈主任", mobile=COORDINATOR_MOBILE, password=COORDINATOR_PASSWORD)
        db.session.commit()

    page.goto("/auth/login")
    page.get_by_label("手机号码").fill(COORDINATOR_MOBILE)
    page.get_by_label("密码").fill(COORDINATOR_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="社区管理").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("社区管理")
    page.screenshot(path=tmp_path / "1-dashboard.png", full_page=True)

    # A venue.
    page.locator(".admin-nav").get_by_role("link", name="场地", exact=True).click()
    page.get_by_label("名称").fill("党群服务站")
    page.get_by_label("地址").fill("滨河路18号")
    page.get_by_role("button", name="添加").click()
    expect(page.locator(".flash-success")).to_contain_text("已添加 党群服务站。")

    # An activity, first with a mistake that is shown beside its field.
    page.locator(".admin-nav").get_by_role("link", name="活动", exact=True).click()
    page.get_by_role("link", name="添加活动").click()
    page.get_by_label("名称").fill("书画班")
    page.get_by_label("类型").select_option(label="课程")
    page.get_by_label("场地").select_option(label="党群服务站")
    page.get_by_label("周二").check()
    page.get_by_label("周四").check()
    page.get_by_label("开始时间").fill("09:00")
    page.get_by_label("结束时间").fill("09:00")
    page.get_by_label("开始日期").fill("2026-01-05")
    page.get_by_role("button", name="添加活动").click()
    expect(page.locator("#end_time-errors")).to_have_text("结束时间不能与开始时间相同。")
    expect(page.get_by_label("名称")).to_have_value("书画班")
    expect(page.get_by_label("周四")).to_be_checked()
    page.screenshot(path=tmp_path / "2-activity-error.png", full_page=True)
    page.get_by_label("结束时间").fill("11:00")
    page.get_by_role("button", name="添加活动").click()
    expect(page.locator(".flash-success")).to_contain_text("已添加书画班")
    expect(page.locator(".facts")).to_contain_text("每周二、周四")

    # A role that needs calligraphy at level 2.
    page.get_by_role("link", name="添加岗位").click()
    page.get_by_label("岗位").fill("讲师")
    page.get_by_label("需要人数").fill("1")
    page.get_by_label("书法").select_option("2")
    page.get_by_label("每周尽量由同一人担任").check()
    page.get_by_role("button", name="添加岗位").click()
    expect(page.locator(".flash-success")).to_contain_text("已添加岗位 讲师。")
    expect(page.locator(".cards")).to_contain_text("书法 ≥ 2")
    page.screenshot(path=tmp_path / "2-activity.png", full_page=True)

    # The roster, with one bad mobile number: nothing is imported and the row is named.
    page.locator(".admin-nav").get_by_role("link", name="志愿者", exact=True).click()
    page.get_by_role("link", name="导入").click()
    page.get_by_label("表格文件").set_input_files(_roster(GOOD_ROW, "李建国,1393333,党员,,\r\n"))
    page.get_by_role("button", name="导入").click()
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text("未导入任何数据：有 1 处问题需要改正")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td")).to_have_text(["3", "手机号", "“1393333”不是以 1 开头的 11 位手机号码。"])
    page.screenshot(path=tmp_path / "3-import-errors.png", full_page=True)
    with server.app.app_context():
        assert user_by_mobile("13911112222") is None

    page.get_by_label("表格文件").set_input_files(_roster(GOOD_ROW, "李建国,13933334444,党员,,\r\n"))
    page.get_by_role("button", name="导入").click()
    expect(page.locator(".flash-success")).to_contain_text("已导入 2 位志愿者：新增 2 位，更新 0 位。")
    expect(page.locator(".cards")).to_contain_text("王秀英")
    expect(page.locator(".cards")).to_contain_text("书法(3)")
    page.screenshot(path=tmp_path / "4-volunteers.png", full_page=True)
    page.get_by_role("link", name="王秀英").click()
    expect(page.get_by_label("姓名")).to_have_value("王秀英")
    expect(page.get_by_label("退休干部")).to_be_checked()
    expect(page.get_by_label("书法")).to_have_value("3")
    expect(page.get_by_label("每周最多小时")).to_have_value("6")
    page.screenshot(path=tmp_path / "5-volunteer.png", full_page=True)

    with server.app.app_context():
        activity = db.session.query(Activity).one()
        assert (activity.title, activity.weekdays, activity.venue.name) == ("书画班", (1, 3), "党群服务站")
        assert [(role.name, role.continuity, {rs.skill.code: rs.min_level for rs in role.skills})
                for role in activity.roles] == [("讲师", True, {"calligraphy": 2})]
        assert db.session.query(Venue).one().address == "滨河路18号"
        profile = user_by_mobile("13911112222").profile
        assert (profile.name, profile.skill_levels(), profile.max_minutes_per_week) == ("王秀英", {"calligraphy": 3}, 360)
