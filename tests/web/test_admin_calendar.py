"""Coordinator pages for the calendar's exceptions: one-off events and cancelled dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scheduler.extensions import db
from scheduler.models import Shift, ShiftStatus, SignUp, SignUpStatus
from scheduler.planning_models import CancelledDate
from scheduler.signals import schedule_changed
from tests.web.conftest import field_errors, page_text

english = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
FUTURE = date(2099, 5, 1)  # a Friday; pages list events from a week ago on


@pytest.fixture
def coordinator(client, login, community, make_coordinator):
    user = make_coordinator(community)
    login(client, user)
    return user


def test_add_a_one_off_event_with_the_activitys_roles_and_venue(client, coordinator, community, make_activity):
    activity = make_activity(community, title="防火宣传", weekdays=(), venue="square", start="09:00", end="11:00",
                             roles=[{"name": "讲解员", "need": 2, "skills": {"first_aid": 1}}])
    response = client.post("/admin/test/events", data={
        "activity": activity.id, "day": FUTURE.isoformat(), "start_time": "14:00", "end_time": "", "title": "五一消防演练",
    })
    assert response.status_code == 302, field_errors(response)
    shift = db.session.query(Shift).one()
    assert shift.is_one_off and shift.status == ShiftStatus.ACTIVE
    assert (shift.starts_at, shift.ends_at) == (datetime(2099, 5, 1, 14), datetime(2099, 5, 1, 11).replace(day=2))
    assert (shift.title, shift.venue.code, shift.week) == ("五一消防演练", "square", "2099-W18")
    assert [(role.name, role.need, role.required_skills()) for role in shift.roles] == [("讲解员", 2, {"first_aid": 1})]
    assert "五一消防演练" in page_text(client.get("/admin/test/events"))


def test_one_off_times_default_to_the_activitys(client, coordinator, community, make_activity):
    activity = make_activity(community, weekdays=(0,), start="19:00", end="21:00")
    client.post("/admin/test/events", data={"activity": activity.id, "day": FUTURE.isoformat()})
    shift = db.session.query(Shift).one()
    assert (shift.starts_at.hour, shift.ends_at.hour, shift.title) == (19, 21, activity.title)


@english
def test_a_duplicate_one_off_event_is_refused(client, coordinator, community, make_activity):
    activity = make_activity(community, start="09:00", end="10:00")
    data = {"activity": activity.id, "day": FUTURE.isoformat()}
    assert client.post("/admin/test/events", data=data).status_code == 302
    response = client.post("/admin/test/events", data=data)
    assert response.status_code == 400
    assert field_errors(response) == {"day": ["This activity already has a shift starting at that time."]}
    assert db.session.query(Shift).count() == 1


@english
def test_an_activity_without_roles_cannot_have_an_event(client, coordinator, community, make_activity):
    activity = make_activity(community)
    activity.roles.clear()
    db.session.commit()
    response = client.post("/admin/test/events", data={"activity": activity.id, "day": FUTURE.isoformat()})
    assert field_errors(response) == {"activity": ["Give the activity at least one role first."]}
    assert db.session.query(Shift).count() == 0


def test_an_activity_of_another_community_is_not_offered(client, coordinator, community, make_community, make_activity):
    make_activity(community)
    foreign = make_activity(make_community(slug="other"))
    response = client.post("/admin/test/events", data={"activity": foreign.id, "day": FUTURE.isoformat()})
    assert response.status_code == 400 and "activity" in field_errors(response)
    assert db.session.query(Shift).count() == 0


def test_cancel_an_event_nobody_signed_up_for_deletes_it(client, coordinator, community, make_activity):
    activity = make_activity(community, weekdays=())
    client.post("/admin/test/events", data={"activity": activity.id, "day": FUTURE.isoformat()})
    shift = db.session.query(Shift).one()
    sent = []
    with schedule_changed.connected_to(lambda sender, **kw: sent.append((sender, kw)), community.id):
        client.post(f"/admin/test/events/{shift.id}/cancel")
    assert db.session.query(Shift).count() == 0
    assert sent == []


def test_cancel_an_event_with_sign_ups_keeps_it_cancelled_and_tells_the_feeds(
    client, coordinator, community, make_activity, make_volunteer
):
    activity = make_activity(community, weekdays=())
    client.post("/admin/test/events", data={"activity": activity.id, "day": FUTURE.isoformat()})
    shift = db.session.query(Shift).one()
    volunteer = make_volunteer(community)
    db.session.add(SignUp(volunteer=volunteer.profile, shift_role=shift.roles[0], status=SignUpStatus.CONFIRMED))
    db.session.commit()
    sent = []
    with schedule_changed.connected_to(lambda sender, **kw: sent.append((sender, kw)), community.id):
        response = client.post(f"/admin/test/events/{shift.id}/cancel", follow_redirects=True)
    assert "已取消" in page_text(response)
    db.session.expire_all()
    shift = db.session.get(Shift, shift.id)
    assert shift.status == ShiftStatus.CANCELLED and shift.cancelled_at is not None
    assert sent == [(community.id, {"shift_ids": [shift.id]})]


def test_a_regular_shift_cannot_be_removed_as_an_event(client, coordinator, community, make_shift):
    shift = make_shift(day=date(2026, 12, 7))  # a Monday, on the activity's recurrence
    assert not shift.is_one_off
    client.post(f"/admin/test/events/{shift.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).status == ShiftStatus.ACTIVE


# --------------------------------------------------------------------------- cancelled dates


def test_cancel_dates_for_everyone_and_for_one_activity(client, coordinator, community, make_activity):
    activity = make_activity(community, title="书画班")
    response = client.post("/admin/test/holidays", data={
        "start_date": "2099-10-01", "end_date": "2099-10-07", "activity": 0, "reason": "国庆节"})
    assert response.status_code == 302, field_errors(response)
    response = client.post("/admin/test/holidays", data={
        "start_date": "2099-10-08", "end_date": "", "activity": activity.id, "reason": "老师外出"})
    assert response.status_code == 302, field_errors(response)
    rows = db.session.query(CancelledDate).order_by(CancelledDate.start_date).all()
    assert [(r.start_date, r.end_date, r.activity, r.reason) for r in rows] == [
        (date(2099, 10, 1), date(2099, 10, 7), None, "国庆节"),
        (date(2099, 10, 8), date(2099, 10, 8), activity, "老师外出"),
    ]
    assert rows[0].covers(date(2099, 10, 3), activity.id) and not rows[1].covers(date(2099, 10, 8), activity.id + 1)
    page = page_text(client.get("/admin/test/holidays"))
    assert "2099-10-01 – 2099-10-07 全部活动 · 国庆节" in page and "书画班 · 老师外出" in page


@english
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start_date": ""}, "start_date", "Enter the first day."),
        ({"start_date": "10月1日"}, "start_date", "Enter a date such as 2026-12-07."),
        ({"start_date": "2099-10-05", "end_date": "2099-10-01"}, "end_date",
         "The end date cannot be before the start date."),
        ({"start_date": "2099-01-01", "end_date": "2101-01-01"}, "end_date", "Cancel at most 366 days at once."),
        ({"start_date": "2099-10-06", "end_date": "2099-10-09"}, "start_date",
         "These dates overlap dates already cancelled."),
    ],
)
def test_bad_cancelled_dates_are_refused(client, coordinator, community, data, field, message):
    db.session.add(CancelledDate(community=community, start_date=date(2099, 10, 1), end_date=date(2099, 10, 7)))
    db.session.commit()
    response = client.post("/admin/test/holidays", data={"activity": 0, "reason": "", **data})
    assert response.status_code == 400
    assert field_errors(response) == {field: [message]}
    assert db.session.query(CancelledDate).count() == 1


def test_the_same_dates_may_be_cancelled_for_one_activity_and_for_all(client, coordinator, community, make_activity):
    activity = make_activity(community)
    db.session.add(CancelledDate(community=community, activity=activity, start_date=date(2099, 10, 1),
                                 end_date=date(2099, 10, 1)))
    db.session.commit()
    response = client.post("/admin/test/holidays", data={"start_date": "2099-10-01", "activity": 0})
    assert response.status_code == 302


def test_take_back_cancelled_dates(client, coordinator, community):
    holiday = CancelledDate(community=community, start_date=date(2099, 10, 1), end_date=date(2099, 10, 7))
    db.session.add(holiday)
    db.session.commit()
    client.post(f"/admin/test/holidays/{holiday.id}/delete")
    assert db.session.query(CancelledDate).count() == 0
