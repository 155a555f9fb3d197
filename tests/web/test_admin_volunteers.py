"""Coordinator pages for volunteers: list, search, filters, add, edit, deactivate, password."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.accounts import user_by_mobile
from scheduler.extensions import db
from scheduler.models import SignUp, SignUpStatus, User
from tests.conftest import DEFAULT_PASSWORD
from tests.web.conftest import field_errors, page_text


@pytest.fixture
def coordinator(client, login, community, make_coordinator):
    """A logged-in coordinator of the default community (slug ``test``)."""
    user = make_coordinator(community)
    login(client, user)
    return user


def _names_listed(response) -> list[str]:
    import re

    return re.findall(r'class="card-title" href="[^"]+">([^<]+)</a>', response.get_data(as_text=True))


def _form(**overrides) -> dict:
    data = {"name": "王秀英", "mobile": "13912345678", "teams": [], "grids": [], "notes": ""}
    data.update(overrides)
    return data


def test_list_is_paged_by_name(client, coordinator, community, make_volunteer):
    for number in range(30):
        make_volunteer(community, name=f"志愿者{number:02d}", mobile=f"1380000{number:04d}")
    first = client.get("/admin/test/volunteers")
    assert first.status_code == 200
    assert _names_listed(first) == [f"志愿者{number:02d}" for number in range(25)]
    assert "30" in page_text(first)
    second = client.get("/admin/test/volunteers?page=2")
    assert _names_listed(second) == [f"志愿者{number:02d}" for number in range(25, 30)]
    assert _names_listed(client.get("/admin/test/volunteers?page=9")) == []


def test_search_by_name_or_part_of_the_mobile_number(client, coordinator, community, make_volunteer):
    make_volunteer(community, name="王秀英", mobile="13911112222")
    make_volunteer(community, name="李建国", mobile="13933334444")
    make_volunteer(community, name="王建华", mobile="13955556666")
    assert _names_listed(client.get("/admin/test/volunteers?q=王")) == ["王建华", "王秀英"]
    assert _names_listed(client.get("/admin/test/volunteers?q=建")) == ["李建国", "王建华"]
    assert _names_listed(client.get("/admin/test/volunteers?q=3333")) == ["李建国"]
    assert _names_listed(client.get("/admin/test/volunteers?q=%25")) == []  # LIKE wildcards are literal


def test_filter_by_team_skill_and_status(client, coordinator, community, make_volunteer):
    make_volunteer(community, name="学生甲", teams=["student"], skills={"science": 2})
    make_volunteer(community, name="党员乙", teams=["party_member"], skills={"first_aid": 1})
    gone = make_volunteer(community, name="学生丙", teams=["student"], skills={"first_aid": 1})
    gone.is_active = False
    db.session.commit()
    student = next(team for team in community.teams if team.code == "student")
    first_aid = next(skill for skill in community.skills if skill.code == "first_aid")
    assert _names_listed(client.get(f"/admin/test/volunteers?team={student.id}")) == ["学生甲"]
    assert _names_listed(client.get(f"/admin/test/volunteers?skill={first_aid.id}")) == ["党员乙"]
    assert _names_listed(client.get(f"/admin/test/volunteers?skill={first_aid.id}&status=all")) == ["党员乙", "学生丙"]
    assert _names_listed(client.get(f"/admin/test/volunteers?team={student.id}&status=inactive")) == ["学生丙"]


def test_a_team_of_another_community_in_the_url_filters_nothing(
    client, coordinator, community, make_community, make_volunteer
):
    make_volunteer(community, name="本社区")
    other = make_community(slug="other")
    make_volunteer(other, name="外社区")
    foreign_team = other.teams[0]
    listed = _names_listed(client.get(f"/admin/test/volunteers?team={foreign_team.id}"))
    assert listed == ["本社区"]


def test_add_a_volunteer_with_teams_skills_grids_and_limits(client, coordinator, community, factories):
    calligraphy = factories.skill(community, "calligraphy")
    grid = factories.grid(community, "grid-1")
    db.session.commit()
    cadre = next(team for team in community.teams if team.code == "retired_cadre")
    response = client.post("/admin/test/volunteers/new", data=_form(
        mobile="139 1234 5678",
        teams=[cadre.id],
        grids=[grid.id],
        **{f"skill_{calligraphy.id}": 3},
        max_hours_per_week="7.5",
        max_shifts_per_week="3",
        max_shifts_per_day="1",
        min_rest_minutes="60",
        max_consecutive_days="2",
        notes="腿脚不便，安排室内",
    ))
    assert response.status_code == 302, field_errors(response)
    user = user_by_mobile("13912345678")
    profile = user.profile
    assert (user.display_name, user.community_id) == ("王秀英", community.id)
    assert [team.code for team in profile.teams] == ["retired_cadre"]
    assert [g.code for g in profile.grids] == ["grid-1"]
    assert profile.skill_levels() == {"calligraphy": 3}
    assert (profile.max_minutes_per_week, profile.max_shifts_per_week, profile.max_shifts_per_day) == (450, 3, 1)
    assert (profile.min_rest_minutes, profile.max_consecutive_days) == (60, 2)
    assert profile.notes == "腿脚不便，安排室内"
    # Without a password the new account cannot log in yet.
    assert client.post("/auth/logout").status_code == 302
    refused = client.post("/auth/login", data={"mobile": "13912345678", "password": ""})
    assert refused.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the volunteer's name."),
        ({"mobile": "12345"}, "mobile", "Enter an 11-digit mobile number starting with 1."),
        ({"mobile": "13600000001"}, "mobile", "This mobile number belongs to another account."),
        ({"max_hours_per_week": "seven"}, "max_hours_per_week", "Enter a number of hours, such as 6 or 7.5."),
        ({"max_hours_per_week": "200"}, "max_hours_per_week", "Enter a number from 0 to 168."),
        ({"max_shifts_per_day": "-1"}, "max_shifts_per_day", "Enter a number from 0 to 24."),
        ({"max_shifts_per_week": "2.5"}, "max_shifts_per_week", "Enter a whole number."),
        ({"password": "short"}, "password", "Use at least 8 characters."),
    ],
)
@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_a_bad_new_volunteer_is_refused_beside_the_field_with_input_kept(
    client, community, make_coordinator, login, overrides, field, message
):
    login(client, make_coordinator(community, mobile="13600000001"))
    response = client.post("/admin/test/volunteers/new", data=_form(notes="保留我", **overrides))
    assert response.status_code == 200
    assert field_errors(response) == {field: [message]}
    html = response.get_data(as_text=True)
    assert "保留我" in html and ('value="王秀英"' in html or overrides.get("name") == "")
    assert db.session.query(User).filter(User.display_name == "王秀英").count() == 0


def test_errors_are_in_chinese_by_default(client, coordinator):
    response = client.post("/admin/test/volunteers/new", data=_form(name="", max_shifts_per_day="x"))
    assert field_errors(response) == {"name": ["请填写志愿者姓名。"], "max_shifts_per_day": ["请输入整数。"]}
    assert "每天最多班次" in page_text(response)


def test_edit_a_volunteer(client, coordinator, community, make_volunteer, factories):
    user = make_volunteer(community, name="李建国", teams=["student"], skills={"science": 1}, max_shifts_per_week=2)
    science = next(skill for skill in community.skills if skill.code == "science")
    first_aid = factories.skill(community, "first_aid")
    db.session.commit()
    page = client.get(f"/admin/test/volunteers/{user.profile.id}")
    assert page.status_code == 200
    assert 'value="李建国"' in page.get_data(as_text=True)
    party = next(team for team in community.teams if team.code == "party_member")
    response = client.post(f"/admin/test/volunteers/{user.profile.id}", data=_form(
        name="李建国（老李）", mobile=user.mobile, teams=[party.id],
        **{f"skill_{science.id}": 0, f"skill_{first_aid.id}": 2}, max_shifts_per_week="",
    ))
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    profile = db.session.get(User, user.id).profile
    assert profile.name == "李建国（老李）"
    assert profile.team_codes() == {"party_member"}
    assert profile.skill_levels() == {"first_aid": 2}
    assert profile.max_shifts_per_week is None


def test_editing_to_a_taken_mobile_number_is_refused(client, coordinator, community, make_volunteer):
    first = make_volunteer(community, mobile="13911110000")
    second = make_volunteer(community, name="第二位", mobile="13922220000")
    response = client.post(f"/admin/test/volunteers/{second.profile.id}", data=_form(name="第二位", mobile=first.mobile))
    assert response.status_code == 200
    assert "mobile" in field_errors(response)
    db.session.expire_all()
    assert db.session.get(User, second.id).mobile == "13922220000"


def test_deactivate_and_reactivate(client, login, logout, community, make_coordinator, make_volunteer, make_shift):
    coordinator = make_coordinator(community)
    volunteer = make_volunteer(community, name="赵丽华")
    shift = make_shift(day=date(2099, 1, 5))
    db.session.add(SignUp(volunteer=volunteer.profile, shift_role=shift.roles[0], status=SignUpStatus.CONFIRMED))
    db.session.commit()
    login(client, coordinator)
    response = client.post(f"/admin/test/volunteers/{volunteer.profile.id}/active", data={"value": "0"}, follow_redirects=True)
    text = page_text(response)
    assert "赵丽华" in text and "1" in text  # the warning names the upcoming confirmed shift
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).is_active is False
    assert "赵丽华" not in _names_listed(client.get("/admin/test/volunteers"))
    logout(client)
    refused = client.post("/auth/login", data={"mobile": volunteer.mobile, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200
    login(client, coordinator)
    client.post(f"/admin/test/volunteers/{volunteer.profile.id}/active", data={"value": "1"})
    logout(client)
    login(client, volunteer)


def test_a_coordinator_sets_a_password_so_the_volunteer_can_log_in(client, coordinator, logout, login, community):
    client.post("/admin/test/volunteers/new", data=_form(mobile="13977778888"))
    profile = user_by_mobile("13977778888").profile
    too_short = client.post(f"/admin/test/volunteers/{profile.id}/password", data={"password": "abc"})
    assert too_short.status_code == 400 and "password" in field_errors(too_short)
    response = client.post(f"/admin/test/volunteers/{profile.id}/password", data={"password": "new-password-1"})
    assert response.status_code == 302
    logout(client)
    login(client, user_by_mobile("13977778888"), password="new-password-1")


def test_a_volunteer_of_another_community_cannot_be_edited(client, coordinator, make_community, make_volunteer):
    other = make_volunteer(make_community(slug="other"), name="外人")
    assert client.get(f"/admin/test/volunteers/{other.profile.id}").status_code == 404
    response = client.post(f"/admin/test/volunteers/{other.profile.id}", data=_form(name="改名"))
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, other.id).display_name == "外人"
