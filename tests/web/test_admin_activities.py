"""Coordinator pages for activities: recurrence, roles (need, max, skills, teams,
continuity), supervision rules, pausing; with validation beside each field."""

from __future__ import annotations

from datetime import date, time

import pytest

from scheduler.extensions import db
from scheduler.models import Activity, ActivityKind, ActivityRole, Shift, SupervisionRule
from tests.web.conftest import field_errors, page_text

english = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def coordinator(client, login, community, make_coordinator):
    user = make_coordinator(community)
    login(client, user)
    return user


def _activity_form(**overrides) -> dict:
    data = {
        "title": "书画班", "kind": "class", "description": "书法与国画入门", "venue": 0, "grid": 0,
        "weekdays": [1, 3], "start_time": "09:00", "end_time": "11:00",
        "valid_from": "2026-01-05", "valid_until": "", "code": "",
    }
    data.update(overrides)
    return data


def _team(community, code):
    return next(team for team in community.teams if team.code == code)


def test_add_an_activity_with_its_recurrence(client, coordinator, community, factories):
    venue = factories.venue(community, "reading-room")
    grid = factories.grid(community, "grid-1")
    db.session.commit()
    response = client.post("/admin/test/activities/new", data=_activity_form(
        venue=venue.id, grid=grid.id, valid_until="2026-06-30", code="calligraphy-class"
    ))
    assert response.status_code == 302, field_errors(response)
    activity = db.session.query(Activity).one()
    assert response.headers["Location"].endswith(f"/admin/test/activities/{activity.id}")
    assert (activity.code, activity.kind, activity.title, activity.description) == (
        "calligraphy-class", ActivityKind.CLASS, "书画班", "书法与国画入门")
    assert activity.weekdays == (1, 3)
    assert (activity.start_time, activity.end_time) == (time(9), time(11))
    assert (activity.valid_from, activity.valid_until) == (date(2026, 1, 5), date(2026, 6, 30))
    assert (activity.venue, activity.grid) == (venue, grid)
    page = page_text(client.get(f"/admin/test/activities/{activity.id}"))
    assert "每周二、周四" in page and "09:00–11:00" in page and "2026-01-05 至 2026-06-30" in page
    assert "该活动还没有岗位" in page


def test_a_night_duty_ends_the_next_day_and_an_event_series_has_no_weekdays(client, coordinator, community):
    client.post("/admin/test/activities/new", data=_activity_form(
        title="夜间巡逻", kind="duty", weekdays=[5], start_time="22:00", end_time="02:00"))
    client.post("/admin/test/activities/new", data=_activity_form(title="消防演练", kind="duty", weekdays=[]))
    night, drill = db.session.query(Activity).order_by(Activity.id).all()
    assert night.times_on(date(2026, 12, 12))[1].date() == date(2026, 12, 13)
    assert drill.weekdays == () and not drill.occurs_on(date(2026, 12, 7))
    listed = page_text(client.get("/admin/test/activities"))
    assert "22:00–02:00 (次日)" in listed and "仅单次活动" in listed


@english
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title."),
        ({"start_time": "9点"}, "start_time", "Enter a time such as 09:30."),
        ({"end_time": "09:00"}, "end_time", "The end must differ from the start."),
        ({"valid_from": "2026-13-01"}, "valid_from", "Enter a date such as 2026-12-07."),
        ({"valid_until": "2025-12-31"}, "valid_until", "The end date cannot be before the start date."),
        ({"code": "Not A Code"}, "code",
         "Use lower-case letters, digits, '-' and '_' (at most 40), starting with a letter or digit."),
        ({"code": "taken"}, "code", "This code is already used."),
        ({"weekdays": [7]}, "weekdays", "'7' is not a valid choice."),
    ],
)
def test_a_bad_activity_is_refused_beside_the_field_with_input_kept(
    client, coordinator, community, make_activity, overrides, field, message
):
    make_activity(community, code="taken")
    response = client.post("/admin/test/activities/new", data=_activity_form(**overrides))
    assert response.status_code == 400
    errors = field_errors(response)
    assert list(errors) == [field]
    if field != "weekdays":  # WTForms' own message for a forged choice
        assert errors[field] == [message]
    assert "书法与国画入门" in response.get_data(as_text=True)
    assert db.session.query(Activity).count() == 1


def test_edit_an_activity_changes_future_weeks_not_generated_shifts(client, coordinator, community, make_activity, make_shift):
    activity = make_activity(community, title="烘焙班", weekdays=(5,), start="14:00", end="16:00")
    shift = make_shift(activity, day=date(2026, 12, 12))
    form = client.get(f"/admin/test/activities/{activity.id}/edit").get_data(as_text=True)
    assert 'value="烘焙班"' in form and 'value="14:00"' in form
    response = client.post(f"/admin/test/activities/{activity.id}/edit", data=_activity_form(
        title="亲子烘焙班", kind="class", weekdays=[6], start_time="15:00", end_time="17:00", code=activity.code))
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert (activity.title, activity.weekdays, activity.start_time) == ("亲子烘焙班", (6,), time(15))
    shift = db.session.get(Shift, shift.id)
    assert (shift.title, shift.starts_at.hour) == ("烘焙班", 14)


def test_pause_and_resume(client, coordinator, community, make_activity):
    activity = make_activity(community)
    client.post(f"/admin/test/activities/{activity.id}/active", data={"value": "0"})
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).is_active is False
    client.post(f"/admin/test/activities/{activity.id}/active", data={"value": "1"})
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).is_active is True
    assert client.post(f"/admin/test/activities/{activity.id}/active", data={"value": "x"}).status_code == 400


# --------------------------------------------------------------------------- roles


def test_add_a_role_with_skills_teams_and_continuity(client, coordinator, community, make_activity, factories):
    activity = make_activity(community, roles=[{"name": "讲师", "need": 1}])
    calligraphy = factories.skill(community, "calligraphy")
    painting = factories.skill(community, "painting")
    db.session.commit()
    student, worker = _team(community, "student"), _team(community, "social_worker")
    response = client.post(f"/admin/test/activities/{activity.id}/roles/new", data={
        "name": "助教", "need": "1", "max": "3", f"skill_{calligraphy.id}": "2", f"skill_{painting.id}": "0",
        "teams": [student.id, worker.id], "continuity": "y",
    })
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    role = db.session.query(ActivityRole).filter_by(name="助教").one()
    assert (role.need, role.max, role.capacity, role.continuity, role.position) == (1, 3, 3, True, 1)
    assert {rs.skill.code: rs.min_level for rs in role.skills} == {"calligraphy": 2}
    assert [team.code for team in role.teams] == ["social_worker", "student"]
    page = page_text(client.get(f"/admin/test/activities/{activity.id}"))
    assert "需要 1 人，最多 3 人" in page and "calligraphy ≥ 2" in page and "每周同一人" in page


@english
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the role's name."),
        ({"name": "讲师"}, "name", "This activity already has a role with this name."),
        ({"need": ""}, "need", "Enter how many people are needed."),
        ({"need": "两"}, "need", "Enter a whole number."),
        ({"need": "-1"}, "need", "Enter a number from 0 to 99."),
        ({"need": "3", "max": "2"}, "max", "The maximum cannot be below the number needed."),
    ],
)
def test_a_bad_role_is_refused_beside_the_field(client, coordinator, community, make_activity, data, field, message):
    activity = make_activity(community, roles=[{"name": "讲师", "need": 1}])
    response = client.post(f"/admin/test/activities/{activity.id}/roles/new", data={"name": "助手", "need": "1", **data})
    assert response.status_code == 400
    assert field_errors(response) == {field: [message]}
    db.session.expire_all()
    assert [role.name for role in db.session.get(Activity, activity.id).roles] == ["讲师"]


def test_edit_and_delete_a_role(client, coordinator, community, make_activity, factories):
    activity = make_activity(community, roles=[
        {"name": "讲师", "need": 1, "skills": {"baking": 2}, "teams": ["party_member"]},
        {"name": "助手", "need": 2},
    ])
    baking = next(skill for skill in community.skills if skill.code == "baking")
    teacher, helper = activity.roles
    form = client.get(f"/admin/test/activities/{activity.id}/roles/{teacher.id}").get_data(as_text=True)
    assert 'value="讲师"' in form
    response = client.post(f"/admin/test/activities/{activity.id}/roles/{teacher.id}", data={
        "name": "主讲", "need": "1", "max": "", f"skill_{baking.id}": "3", "teams": [],
    })
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    teacher = db.session.get(ActivityRole, teacher.id)
    assert (teacher.name, teacher.teams, teacher.continuity) == ("主讲", [], False)
    assert {rs.skill.code: rs.min_level for rs in teacher.skills} == {"baking": 3}
    client.post(f"/admin/test/activities/{activity.id}/roles/{helper.id}/delete")
    db.session.expire_all()
    assert [role.name for role in db.session.get(Activity, activity.id).roles] == ["主讲"]


def test_a_role_of_another_activity_is_not_found(client, coordinator, community, make_activity):
    first, second = make_activity(community), make_activity(community)
    url = f"/admin/test/activities/{first.id}/roles/{second.roles[0].id}"
    assert client.get(url).status_code == 404
    assert client.post(url + "/delete").status_code == 404
    db.session.expire_all()
    assert len(db.session.get(Activity, second.id).roles) == 1


# --------------------------------------------------------------------------- supervision


def test_add_and_remove_a_supervision_rule(client, coordinator, community, make_activity):
    activity = make_activity(community)
    student, worker, cadre = (_team(community, code) for code in ("student", "social_worker", "retired_cadre"))
    response = client.post(f"/admin/test/activities/{activity.id}/supervision",
                           data={"team": student.id, "by_teams": [worker.id, cadre.id]})
    assert response.status_code == 302, field_errors(response)
    rule = db.session.query(SupervisionRule).one()
    assert (rule.team, sorted(team.code for team in rule.by_teams)) == (student, ["retired_cadre", "social_worker"])
    assert "大学生 参加时，须有 退休干部、社工 之一在场" in page_text(client.get(f"/admin/test/activities/{activity.id}"))
    client.post(f"/admin/test/activities/{activity.id}/supervision/{rule.id}/delete")
    assert db.session.query(SupervisionRule).count() == 0


@english
@pytest.mark.parametrize(
    ("by", "field", "message"),
    [
        ([], "by_teams", "Choose at least one supervising team."),
        (["student"], "by_teams", "A team cannot supervise itself."),
        (["party_member"], "team", "This team already has a supervision rule here."),
    ],
)
def test_a_bad_supervision_rule_is_refused(client, coordinator, community, make_activity, by, field, message):
    activity = make_activity(community, supervision={"student": ["social_worker"]})
    data = {"team": _team(community, "student").id, "by_teams": [_team(community, code).id for code in by]}
    response = client.post(f"/admin/test/activities/{activity.id}/supervision", data=data)
    assert response.status_code == 400
    assert field_errors(response) == {field: [message]}
    assert db.session.query(SupervisionRule).count() == 1
