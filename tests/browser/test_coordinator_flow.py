"""A coordinator plans a week in the browser, in Chinese, on a desktop-sized screen: generates
the shifts, runs the auto-scheduling and watches it finish, reads why a role stays unfilled,
pins an assignment, schedules again (the pin stays), publishes; then a volunteer withdraws
on their phone, and the re-plan moves only what it must before version 2 is published.

Screenshots of each step go to the test's tmp_path (the review page is ``3-review.png``).
"""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from scheduler.communities import create_community
from scheduler.extensions import db
from scheduler.planning_models import PlanVersion
from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.conftest import DEFAULT_PASSWORD, Factories
from tests.web.planning_fixtures import WEEK, build_small_week

DESKTOP = {"width": 1400, "height": 1000}
#: The engine's time limit typed into the form; the small week is solved in about a second.
TIME_LIMIT = "10"
#: How long to wait for a run to finish (time limit, start-up and a busy machine).
RUN_TIMEOUT_MS = 90_000


def log_in(page: Page, mobile: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("手机号码").fill(mobile)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()


def auto_schedule(page: Page, button: str) -> None:
    """Start a run with `button` and wait on its page until the outcome shows."""
    page.get_by_label("时间上限（秒）").fill(TIME_LIMIT)
    page.get_by_role("button", name=button).click()
    expect(page.locator("#run-progress, #run-outcome").first).to_be_visible()
    expect(page.locator("#run-outcome")).to_contain_text("已排出班表", timeout=RUN_TIMEOUT_MS)


def test_a_coordinator_plans_publishes_and_replans_a_week(browser, server, tmp_path):
    with server.app.app_context():
        community = create_community("river", "滨河社区")
        db.session.commit()
        week = build_small_week(Factories(), community, generate=False)
        coordinator_mobile = week.coordinator.mobile
        volunteers = {key: (user.mobile, user.display_name, user.profile.id) for key, user in week.volunteers.items()}

    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport=DESKTOP,
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    # The coordinator opens the week and generates its shifts.
    log_in(page, coordinator_mobile)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="每周排班").click()
    page.get_by_role("link", name=WEEK).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(WEEK)
    page.get_by_role("button", name="生成本周班次").click()
    expect(page.locator(".flash-success")).to_contain_text("本周共 5 个班次：新增 5 个")

    # Auto-scheduling: the progress page follows the run until it ends.
    auto_schedule(page, "自动排班")
    expect(page.locator("#run-outcome")).to_contain_text("已证明最优")
    page.screenshot(path=tmp_path / "2-run.png", full_page=True)
    page.get_by_role("link", name="查看草稿").click()
    expect(page.locator("#grid-title")).to_contain_text("1 个岗位未填补")
    expect(page.locator(".week-grid")).to_contain_text("王秀英")
    page.screenshot(path=tmp_path / "3-review.png", full_page=True)

    # Why the baking class has no instructor.
    page.locator(".unfilled-list").get_by_role("link", name="烘焙班").click()
    expect(page.locator("#unfilled-reasons")).to_contain_text("缺 1 人：原因")
    expect(page.locator("#unfilled-reasons")).to_contain_text("baking 2 级及以上")
    expect(page.locator("#unfilled-reasons")).to_contain_text("最高的是钱欣怡")
    page.screenshot(path=tmp_path / "4-reasons.png", full_page=True)

    # Pin Thursday's calligraphy assistant, whoever the engine chose.
    page.get_by_role("link", name="返回本周").click()
    thursday = page.locator(".week-grid tbody tr", has_text="书画班").locator("td").nth(3)
    thursday.get_by_role("link", name="助教").click()
    pinned_name = page.locator(".person-row .person-name").first.inner_text()
    page.locator(".person-row").first.get_by_role("button", name="固定").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已保存：{pinned_name}")
    expect(page.locator(".person-row").first).to_contain_text("已固定")

    # Scheduling again keeps the pin.
    page.get_by_role("link", name="返回本周").click()
    auto_schedule(page, "自动排班")
    page.get_by_role("link", name="查看草稿").click()
    thursday = page.locator(".week-grid tbody tr", has_text="书画班").locator("td").nth(3)
    expect(thursday.locator(".person.pinned")).to_contain_text(pinned_name)

    # Publish version 1.
    page.get_by_label("版本备注（可不填）").fill("第一版")
    page.get_by_role("button", name="发布草稿").click()
    expect(page.locator(".flash-success")).to_contain_text("第 1 版已发布")
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 1 版")
    page.screenshot(path=tmp_path / "5-version.png", full_page=True)
    log_out(page)

    # One of the Monday desk's volunteers withdraws on their phone.
    with server.app.app_context():
        version = db.session.scalar(select(PlanVersion))
        desk = next(a for a in version.assignments if a.shift.activity.code == "desk")
        leaving = next(v for v in volunteers.values() if v[2] == desk.volunteer_id)
    phone = browser.new_context(base_url=server.url, locale="zh-CN", viewport=PHONE, timezone_id="Asia/Shanghai")
    phone.set_default_timeout(TIMEOUT_MS)
    volunteer_page = phone.new_page()
    log_in(volunteer_page, leaving[0])
    volunteer_page.get_by_role("link", name="我的日程").first.click()
    card = volunteer_page.locator("article.mine", has_text="服务站值班")
    card.get_by_role("button", name="取消报名").click()
    expect(volunteer_page.locator("article.mine", has_text="服务站值班")).to_have_count(0)
    phone.close()

    # The coordinator re-plans: only the withdrawal and its replacement change.
    log_in(page, coordinator_mobile)
    page.goto(f"/planning/river/{WEEK}")
    expect(page.locator(".problems")).to_contain_text(leaving[1])  # the draft still has the withdrawal
    auto_schedule(page, "重新调整（尽量少调动人员）")
    page.get_by_role("link", name="查看草稿").click()
    changes = page.locator("table.changes tbody tr")
    expect(changes).to_have_count(2)
    expect(page.locator("tr.change-removed")).to_contain_text(leaving[1])
    expect(page.locator("tr.change-removed")).to_contain_text("服务站值班")
    expect(page.locator("tr.change-added")).to_contain_text("服务站值班")
    page.screenshot(path=tmp_path / "6-replan.png", full_page=True)
    page.get_by_role("button", name="发布草稿").click()
    expect(page.locator(".flash-success")).to_contain_text("第 2 版已发布：2 处变动")
    context.close()
