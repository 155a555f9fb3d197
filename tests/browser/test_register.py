"""A new volunteer registers in Chinese on a phone, logs out and logs in again."""

from __future__ import annotations

from playwright.sync_api import expect

from scheduler.communities import add_skill, create_community
from scheduler.extensions import db


def test_register_in_chinese_then_log_in(page, server):
    with server.app.app_context():
        community = create_community("demo", "滨河社区")
        add_skill(community, "baking", "烘焙")
        db.session.commit()

    page.goto("/")
    expect(page.locator("header")).to_contain_text("滨河社区")
    page.get_by_role("link", name="注册成为志愿者").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("注册成为志愿者")

    page.get_by_label("姓名").fill("林晓燕")
    page.get_by_label("手机号码").fill("1380013")  # too short: refused beside the field
    page.get_by_label("密码", exact=True).fill("xiaoyan-2026")
    page.get_by_label("再次输入密码").fill("xiaoyan-2026")
    page.get_by_label("大学生").check()
    page.get_by_label("烘焙").select_option(label="能授课")
    page.get_by_role("button", name="创建账号").click()

    expect(page.locator("#mobile-errors")).to_have_text("请输入以 1 开头的 11 位手机号码。")
    expect(page.get_by_label("姓名")).to_have_value("林晓燕")
    expect(page.get_by_label("大学生")).to_be_checked()
    expect(page.get_by_label("烘焙")).to_have_value("3")

    page.get_by_label("手机号码").fill("138 0013 8000")
    page.get_by_label("密码", exact=True).fill("xiaoyan-2026")
    page.get_by_label("再次输入密码").fill("xiaoyan-2026")
    page.get_by_role("button", name="创建账号").click()
    expect(page.locator(".flash-success")).to_contain_text("欢迎您，林晓燕")

    page.get_by_role("button", name="退出登录").click()
    expect(page.locator(".flash")).to_contain_text("您已退出登录")

    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("密码").fill("xiaoyan-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".flash-success")).to_contain_text("林晓燕，您好")
    expect(page.locator("header")).to_contain_text("林晓燕")


def test_the_language_switch_turns_the_page_english(page, server):
    with server.app.app_context():
        create_community("demo", "滨河社区")
        db.session.commit()
    page.goto("/auth/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page).to_have_url(f"{server.url}/auth/login")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
