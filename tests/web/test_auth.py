"""Accounts: registering, logging in and out, throttling, cookies, CSRF and access control."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from scheduler.accounts import AccountError, authenticate, register_volunteer
from scheduler.extensions import db
from scheduler.models import LoginAttempt, Role, User
from tests.conftest import DEFAULT_PASSWORD
from tests.web.conftest import field_errors, page_text
from web.auth.decorators import community_object_or_404, coordinator_required

VALID_FORM = {
    "name": "王秀英",
    "mobile": "13800138000",
    "password": "secret-pass-1",
    "confirm": "secret-pass-1",
}


def register_form(community, **changes):
    """A registration form for `community`: two teams, the first skill at level 2."""
    form = dict(VALID_FORM, teams=[str(community.teams[0].id), str(community.teams[3].id)])
    for skill in community.skills:
        form[f"skill_{skill.id}"] = "0"
    if community.skills:
        form[f"skill_{community.skills[0].id}"] = "2"
    form.update(changes)
    return form


@pytest.fixture
def demo(make_community, factories):
    """A community with slug ``demo`` (the default one) and two skills."""
    community = make_community(slug="demo", name="滨河社区")
    factories.skill(community, "baking")
    factories.skill(community, "calligraphy")
    db.session.commit()
    return community


def test_registering_creates_a_volunteer_and_logs_in(client, demo):
    response = client.post("/auth/register/demo", data=register_form(demo))
    assert response.status_code == 302

    user = db.session.scalar(select(User).where(User.mobile == "13800138000"))
    assert user.role == Role.VOLUNTEER and user.display_name == "王秀英"
    assert user.password_hash.startswith("$argon2id$") and "secret-pass-1" not in user.password_hash
    assert user.profile.team_codes() == {"retired_cadre", "party_member"}
    assert user.profile.skill_levels() == {"baking": 2}
    home = client.get("/")
    assert "王秀英" in page_text(home) and "退出登录" in page_text(home)


def test_the_register_page_is_chinese_and_lists_the_communitys_teams_and_skills(client, demo):
    text = page_text(client.get("/auth/register/demo"))
    for expected in ("注册成为志愿者", "滨河社区", "手机号码", "退休干部", "大学生", "baking", "能授课"):
        assert expected in text


def test_register_without_a_community_goes_to_the_default_one(client, demo):
    response = client.get("/auth/register")
    assert response.status_code == 302 and response.location.endswith("/auth/register/demo")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mobile": "12345678901"}, "mobile", "请输入以 1 开头的 11 位手机号码。"),
        ({"mobile": "1380013800"}, "mobile", "请输入以 1 开头的 11 位手机号码。"),
        ({"mobile": "10800138000"}, "mobile", "请输入以 1 开头的 11 位手机号码。"),
        ({"mobile": ""}, "mobile", "请输入手机号码。"),
        ({"password": "short", "confirm": "short"}, "password", "密码至少需要 8 个字符。"),
        ({"confirm": "something-else"}, "confirm", "两次输入的密码不一致。"),
        ({"name": "  "}, "name", "请输入您的姓名。"),
    ],
)
def test_a_bad_field_is_named_beside_it_and_the_input_is_kept(client, demo, changes, field, message):
    form = register_form(demo, **changes)
    response = client.post("/auth/register/demo", data=form)
    assert response.status_code == 200
    assert field_errors(response)[field] == [message]
    html = response.get_data(as_text=True)
    if field != "name":
        assert 'value="王秀英"' in html
    assert re.search(rf'value="{demo.teams[3].id}"[^>]*checked|checked[^>]*value="{demo.teams[3].id}"', html)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_registered_mobile_number_is_refused(client, demo, make_volunteer):
    make_volunteer(demo, mobile="13800138000")
    response = client.post("/auth/register/demo", data=register_form(demo))
    assert field_errors(response)["mobile"] == ["该手机号码已注册。"]


def test_mobile_numbers_are_normalised(client, demo):
    client.post("/auth/register/demo", data=register_form(demo, mobile="+86 138-0013-8000"))
    assert db.session.scalar(select(User.mobile)) == "13800138000"


def test_register_volunteer_refuses_teams_of_another_community(make_community):
    home, other = make_community(), make_community()
    with pytest.raises(AccountError) as refused:
        register_volunteer(home, name="张三", mobile="13900139000", password="long-enough", teams=[other.teams[0]])
    assert refused.value.field == "teams"


def test_log_in_and_out(client, make_volunteer, login, logout):
    user = make_volunteer(name="李建国")
    login(client, user)
    assert "李建国" in page_text(client.get("/"))
    logout(client)
    assert "李建国" not in page_text(client.get("/"))


def test_logging_out_needs_a_post(client, make_volunteer, login):
    login(client, make_volunteer())
    assert client.get("/auth/logout").status_code == 405


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_volunteer):
    user = make_volunteer()
    response = client.post("/auth/login", data={"mobile": user.mobile, "password": "wrong-password"})
    assert response.status_code == 200
    assert field_errors(response)["password"] == ["手机号码或密码不正确。"]
    unknown = client.post("/auth/login", data={"mobile": "13999999999", "password": "wrong-password"})
    assert field_errors(unknown)["password"] == ["手机号码或密码不正确。"]


def test_a_deactivated_account_cannot_log_in_and_loses_its_session(client, make_volunteer, login):
    user = make_volunteer()
    login(client, user)
    user.is_active = False
    db.session.commit()
    assert client.get("/").status_code == 200
    assert user.display_name not in page_text(client.get("/"))
    response = client.post("/auth/login", data={"mobile": user.mobile, "password": DEFAULT_PASSWORD})
    assert field_errors(response)["password"] == ["手机号码或密码不正确。"]


def test_next_goes_back_to_a_page_of_this_site_only(client, make_volunteer):
    user = make_volunteer()
    data = {"mobile": user.mobile, "password": DEFAULT_PASSWORD}
    inside = client.post("/auth/login?next=/some/page", data=data)
    assert inside.location == "/some/page"
    client.post("/auth/logout")
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post("/auth/login", query_string={"next": hostile}, data=data)
        assert response.status_code == 302
        assert response.location.startswith("/") and "evil" not in response.location, hostile
        assert not response.location.startswith(("//", "/\\")), hostile
        client.post("/auth/logout")


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, make_volunteer):
    user = make_volunteer()
    for _ in range(3):
        client.post("/auth/login", data={"mobile": user.mobile, "password": "guess-guess"})
    response = client.post("/auth/login", data={"mobile": user.mobile, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in page_text(response)


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_ADDRESS=4)
def test_repeated_failures_from_one_address_are_throttled(client, make_volunteer):
    users = [make_volunteer() for _ in range(5)]
    for user in users[:4]:
        client.post("/auth/login", data={"mobile": user.mobile, "password": "guess-guess"})
    response = client.post("/auth/login", data={"mobile": users[4].mobile, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    other_address = client.post(
        "/auth/login",
        data={"mobile": users[4].mobile, "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_address.status_code == 302


@pytest.mark.app_config(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURE_WINDOW_SECONDS=60)
def test_failures_expire_after_the_window(app, make_volunteer):
    user = make_volunteer()
    for _ in range(3):
        with app.test_request_context():
            assert authenticate(user.mobile, "guess-guess", address="10.0.0.1") is None
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.created_at = attempt.created_at.replace(year=2020)
    db.session.commit()
    with app.test_request_context():
        assert authenticate(user.mobile, DEFAULT_PASSWORD, address="10.0.0.1").id == user.id
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_a_successful_log_in_clears_the_accounts_failures(client, make_volunteer, login):
    user = make_volunteer()
    client.post("/auth/login", data={"mobile": user.mobile, "password": "guess-guess"})
    login(client, user)
    keys = db.session.scalars(select(LoginAttempt.key)).all()
    assert keys == ["address:127.0.0.1"]


def test_session_cookie_is_http_only_and_same_site_lax(client, make_volunteer, login):
    cookie = login(client, make_volunteer()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.app_config(HTTPS=True)
def test_session_cookie_is_secure_over_https(client, make_volunteer, login):
    cookie = login(client, make_volunteer()).headers["Set-Cookie"]
    assert "Secure" in cookie


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_forms_need_the_csrf_token(client, make_volunteer):
    user = make_volunteer()
    data = {"mobile": user.mobile, "password": DEFAULT_PASSWORD}
    assert client.post("/auth/login", data=data).status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/login", data={**data, "csrf_token": token}).status_code == 302
    assert client.post("/language/en", data={"next": "/"}).status_code == 400


# --------------------------------------------------------------------------- language


def test_chinese_is_the_default_and_english_can_be_chosen(client, app):
    assert "为社区做志愿者" in page_text(client.get("/"))
    response = client.post("/language/en", data={"next": "/auth/login"})
    assert response.status_code == 302 and response.location == "/auth/login"
    text = page_text(client.get("/auth/login"))
    assert "Mobile number" in text and "手机号码" not in text
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_the_language_choice_is_kept_on_the_account(app, client, make_volunteer, login):
    user = make_volunteer()
    login(client, user)
    client.post("/language/en", data={"next": "/"})
    db.session.refresh(user)
    assert user.locale == "en"
    other_phone = app.test_client()
    login(other_phone, user)
    assert "Thank you for serving your community." in page_text(other_phone.get("/"))


def test_an_unknown_language_is_404_and_a_foreign_next_is_ignored(client):
    assert client.post("/language/fr", data={"next": "/"}).status_code == 404
    assert client.post("/language/en", data={"next": "https://evil.example/"}).location == "/"


# --------------------------------------------------------------------------- access


@pytest.fixture
def protected(app: Flask, make_community):
    """A coordinator-only view at /_test/<community>/ and an object lookup at /_test/grid/<id>."""
    from scheduler.models import Grid

    @coordinator_required
    def community_page(community):
        return f"{community.slug} ok"

    @coordinator_required
    def grid_page(grid_id: int):
        return community_object_or_404(Grid, grid_id).code

    app.add_url_rule("/_test/<community>/", view_func=community_page)
    app.add_url_rule("/_test/grid/<int:grid_id>", view_func=grid_page)
    return app


def test_coordinator_pages_admit_their_communitys_coordinators_only(
    protected, client, make_community, make_coordinator, make_volunteer, login, factories
):
    home, other = make_community(slug="home"), make_community(slug="other")
    other_grid = factories.grid(other, "g-other")
    home_grid = factories.grid(home, "g-home")
    db.session.commit()

    assert client.get("/_test/home/").status_code == 302  # to the log-in page

    login(client, make_volunteer(home))
    assert client.get("/_test/home/").status_code == 403
    client.post("/auth/logout")

    login(client, make_coordinator(other))
    assert client.get("/_test/home/").status_code == 403
    assert client.get("/_test/nowhere/").status_code == 403
    client.post("/auth/logout")

    login(client, make_coordinator(home))
    response = client.get("/_test/home/")
    assert response.status_code == 200 and response.get_data(as_text=True) == "home ok"
    assert client.get(f"/_test/grid/{home_grid.id}").get_data(as_text=True) == "g-home"
    assert client.get(f"/_test/grid/{other_grid.id}").status_code == 404


def test_error_pages_use_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in page_text(response) and "返回首页" in page_text(response)
