"""The volunteer's shift pages over HTTP: browse, sign up, refusal with reasons, waitlist,
withdraw up to the cutoff, "my schedule", access control and CSRF.

Shifts are placed relative to the real clock (the views use the community's "now").
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler.extensions import db
from scheduler.models import SignUp, SignUpStatus
from tests.web.conftest import page_text

SOON = date.today() + timedelta(days=3)


def sign_ups_of(user) -> list[tuple[int, SignUpStatus]]:
    db.session.expire_all()
    return sorted((row.shift_role_id, row.status) for row in db.session.query(SignUp).filter_by(volunteer_id=user.profile.id))


@pytest.fixture
def lecture(make_shift):
    """A shift in three days with a skilled role and an open role for two."""
    return make_shift(day=SOON, title="法律讲座", roles=[
        {"name": "讲师", "skills": {"law": 2}},
        {"name": "助手", "need": 1, "max": 2},
    ])


def test_browse_shows_what_i_can_take_and_the_reasons_for_the_rest(client, login, make_volunteer, lecture):
    volunteer = make_volunteer()
    login(client, volunteer)
    text = page_text(client.get("/volunteer/shifts"))
    assert "助手" in text and "讲师" not in text
    text = page_text(client.get("/volunteer/shifts?all=1"))
    assert "讲师" in text
    assert "需要技能“law”（2级）" in text  # the reason names the skill and level


def test_browse_is_in_chinese_by_default(client, login, make_volunteer, lecture):
    login(client, make_volunteer())
    text = page_text(client.get("/volunteer/shifts"))
    assert "报名" in text and "可报名的班次" in text


def test_sign_up_and_see_it_in_my_schedule(client, login, make_volunteer, lecture):
    volunteer = make_volunteer()
    login(client, volunteer)
    role = lecture.roles[1]
    response = client.post(f"/volunteer/roles/{role.id}/sign-up", data={"next": "/volunteer/shifts"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/volunteer/shifts")
    assert sign_ups_of(volunteer) == [(role.id, SignUpStatus.CONFIRMED)]
    schedule = page_text(client.get("/volunteer/"))
    assert "法律讲座" in schedule and "助手" in schedule and "取消报名" in schedule


def test_refused_sign_up_shows_the_reason(client, login, make_volunteer, lecture):
    volunteer = make_volunteer(skills={"law": 1})
    login(client, volunteer)
    response = client.post(f"/volunteer/roles/{lecture.roles[0].id}/sign-up", follow_redirects=True)
    text = page_text(response)
    assert response.request.path == f"/volunteer/shifts/{lecture.id}"
    assert "需要“law”达到2级，您是1级。" in text
    assert sign_ups_of(volunteer) == []


def test_overlap_is_refused_with_the_other_shift_named(client, login, make_volunteer, make_shift, lecture):
    other = make_shift(day=SOON, start="10:00", end="12:00", title="书法班")
    volunteer = make_volunteer()
    login(client, volunteer)
    client.post(f"/volunteer/roles/{lecture.roles[1].id}/sign-up")
    text = page_text(client.post(f"/volunteer/roles/{other.roles[0].id}/sign-up", follow_redirects=True))
    assert "与您已报名的“法律讲座”" in text and "时间冲突" in text
    assert sign_ups_of(volunteer) == [(lecture.roles[1].id, SignUpStatus.CONFIRMED)]


def test_full_role_puts_me_on_the_waitlist_with_my_position(client, login, logout, make_volunteer, lecture):
    role = lecture.roles[1]  # max 2
    people = [make_volunteer() for _ in range(4)]
    for person in people:
        login(client, person)
        client.post(f"/volunteer/roles/{role.id}/sign-up")
        logout(client)
    assert [sign_ups_of(p)[0][1] for p in people] == [SignUpStatus.CONFIRMED] * 2 + [SignUpStatus.WAITLISTED] * 2
    login(client, people[3])
    text = page_text(client.get("/volunteer/"))
    assert "候补第2位" in text


def test_withdraw_frees_the_place_for_the_waitlist(client, login, logout, make_volunteer, make_shift):
    shift = make_shift(day=SOON, roles=[{"name": "志愿者", "need": 1}])
    role = shift.roles[0]
    holder, queued = make_volunteer(), make_volunteer()
    for person in (holder, queued):
        login(client, person)
        client.post(f"/volunteer/roles/{role.id}/sign-up")
        logout(client)
    login(client, holder)
    [sign_up_id] = [row.id for row in db.session.query(SignUp).filter_by(volunteer_id=holder.profile.id)]
    response = client.post(f"/volunteer/sign-ups/{sign_up_id}/withdraw", follow_redirects=True)
    assert response.status_code == 200
    assert sign_ups_of(holder) == [(role.id, SignUpStatus.WITHDRAWN)]
    assert sign_ups_of(queued) == [(role.id, SignUpStatus.CONFIRMED)]
    assert "您没有即将到来的班次" in page_text(response)


def test_withdraw_after_cutoff_says_whom_to_contact(client, login, make_volunteer, make_shift, community):
    community.contact = "滨河社区服务站 027-8888 6666"
    db.session.commit()
    start = community.local_now() + timedelta(hours=3)
    shift = make_shift(day=start.date(), start=f"{start:%H:%M}", end=f"{(start + timedelta(hours=1)):%H:%M}")
    volunteer = make_volunteer()
    login(client, volunteer)
    client.post(f"/volunteer/roles/{shift.roles[0].id}/sign-up")
    schedule = page_text(client.get("/volunteer/"))
    assert "027-8888 6666" in schedule  # the page says whom to call instead of a button
    [sign_up_id] = [row.id for row in db.session.query(SignUp).filter_by(volunteer_id=volunteer.profile.id)]
    text = page_text(client.post(f"/volunteer/sign-ups/{sign_up_id}/withdraw", follow_redirects=True))
    assert "027-8888 6666" in text
    assert sign_ups_of(volunteer) == [(shift.roles[0].id, SignUpStatus.CONFIRMED)]


def test_double_submit_creates_one_sign_up(client, login, make_volunteer, lecture):
    volunteer = make_volunteer()
    login(client, volunteer)
    for _ in range(3):
        assert client.post(f"/volunteer/roles/{lecture.roles[1].id}/sign-up").status_code == 302
    assert sign_ups_of(volunteer) == [(lecture.roles[1].id, SignUpStatus.CONFIRMED)]


def test_other_peoples_sign_ups_and_communities_are_404(client, login, make_volunteer, make_community, make_shift, lecture):
    owner, intruder = make_volunteer(), make_volunteer()
    login(client, owner)
    client.post(f"/volunteer/roles/{lecture.roles[1].id}/sign-up")
    [sign_up_id] = [row.id for row in db.session.query(SignUp).filter_by(volunteer_id=owner.profile.id)]
    client.post("/auth/logout")
    login(client, intruder)
    assert client.post(f"/volunteer/sign-ups/{sign_up_id}/withdraw").status_code == 404
    elsewhere = make_shift(community=make_community(slug="far"), day=SOON)
    assert client.get(f"/volunteer/shifts/{elsewhere.id}").status_code == 404
    assert client.post(f"/volunteer/roles/{elsewhere.roles[0].id}/sign-up").status_code == 404
    assert sign_ups_of(owner) == [(lecture.roles[1].id, SignUpStatus.CONFIRMED)]


def test_pages_need_a_volunteer(client, login, make_coordinator):
    assert client.get("/volunteer/shifts").status_code == 302  # to the log-in page
    login(client, make_coordinator())
    assert client.get("/volunteer/shifts").status_code == 403


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_sign_up_without_csrf_token_is_refused(client, make_volunteer, lecture):
    volunteer = make_volunteer()
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/auth/login", data={"mobile": volunteer.mobile, "password": "correct-horse-9", "csrf_token": token})
    assert client.post(f"/volunteer/roles/{lecture.roles[1].id}/sign-up").status_code == 400
    assert sign_ups_of(volunteer) == []


def test_english_pages(client, login, make_volunteer, lecture):
    volunteer = make_volunteer()
    login(client, volunteer)
    client.post("/language/en", data={"next": "/volunteer/shifts"})
    text = page_text(client.get("/volunteer/shifts?all=1"))
    assert "Open shifts" in text and "Needs the skill law (level 2)" in text
