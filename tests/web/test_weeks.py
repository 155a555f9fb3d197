"""Generating a week's shifts: recurrences, holidays, one-off events, idempotence."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from scheduler.extensions import db
from scheduler.models import Shift, ShiftStatus
from scheduler.planning_models import CancelledDate
from scheduler.weeks import (
    WeekError,
    add_one_off,
    generate_week,
    parse_week,
    resolve_week,
    shift_week,
    week_dates,
)

WEEK = "2026-W50"


def shift_rows(community):
    return list(db.session.scalars(
        select(Shift).where(Shift.community_id == community.id).order_by(Shift.starts_at, Shift.id)))


@pytest.mark.parametrize("text, expected", [("2026-W50", "2026-W50"), (" 2026-W01 ", "2026-W01"),
                                            ("2020-W53", "2020-W53")])
def test_parse_week_accepts_iso_weeks(text, expected):
    assert parse_week(text) == expected


@pytest.mark.parametrize("text", ["2026-50", "2026-W5", "W50", "2026-W54", "2026-W00", "2021-W53", ""])
def test_parse_week_refuses_what_is_not_a_week(text):
    with pytest.raises(WeekError):
        parse_week(text)


def test_week_dates_run_monday_to_sunday_across_a_year_end():
    assert week_dates("2026-W53") == [date(2026, 12, 28 + i) for i in range(4)] + [date(2027, 1, i) for i in (1, 2, 3)]
    assert shift_week("2026-W53", 1) == "2027-W01"
    assert shift_week("2027-W01", -1) == "2026-W53"


def test_relative_weeks_follow_the_community_clock(community):
    current = resolve_week(community, "current")
    assert resolve_week(community, "next") == shift_week(current, 1)
    today = community.local_now().date()
    assert today in week_dates(current)


def test_generation_creates_each_occurrence_with_roles_copied(community, make_activity):
    class_ = make_activity(code="calligraphy", weekdays=(1, 3), start="09:00", end="11:00",
                           roles=[{"name": "讲师", "need": 1, "skills": {"calligraphy": 3}},
                                  {"name": "助教", "need": 1, "max": 2}])
    patrol = make_activity(code="patrol", weekdays=(6,), start="22:00", end="02:00")
    result = generate_week(community, WEEK)
    db.session.commit()
    shifts = shift_rows(community)
    assert [(s.activity.code, s.starts_at, s.ends_at) for s in shifts] == [
        ("calligraphy", datetime(2026, 12, 8, 9), datetime(2026, 12, 8, 11)),
        ("calligraphy", datetime(2026, 12, 10, 9), datetime(2026, 12, 10, 11)),
        ("patrol", datetime(2026, 12, 13, 22), datetime(2026, 12, 14, 2)),  # ends the next day
    ]
    assert {s.week for s in shifts} == {WEEK}
    assert [(r.name, r.need, r.capacity, r.required_skills()) for r in shifts[0].roles] == [
        ("讲师", 1, 1, {"calligraphy": 3}), ("助教", 1, 2, {})]
    assert len(result.created) == 3 and result.active == 3 and not result.cancelled
    assert class_.id and patrol.id


def test_generating_twice_changes_nothing(community, make_activity):
    make_activity(weekdays=(0, 2, 4))
    first = generate_week(community, WEEK)
    db.session.commit()
    before = [(s.id, s.starts_at, s.status, s.updated_at) for s in shift_rows(community)]
    second = generate_week(community, WEEK)
    db.session.commit()
    after = [(s.id, s.starts_at, s.status, s.updated_at) for s in shift_rows(community)]
    assert len(first.created) == 3
    assert second.created == [] and second.cancelled == [] and second.active == 3
    assert before == after


def test_recurrence_window_and_inactive_activities_are_respected(community, make_activity):
    make_activity(code="ends", weekdays=(0, 1, 2), valid_until=date(2026, 12, 8))
    make_activity(code="starts", weekdays=(3, 4), valid_from=date(2026, 12, 11))
    paused = make_activity(code="paused", weekdays=(0,))
    paused.is_active = False
    db.session.commit()
    generate_week(community, WEEK)
    assert [(s.activity.code, s.starts_at.date()) for s in shift_rows(community)] == [
        ("ends", date(2026, 12, 7)), ("ends", date(2026, 12, 8)), ("starts", date(2026, 12, 11))]


def test_a_community_holiday_skips_every_recurring_occurrence(community, make_activity):
    make_activity(code="a", weekdays=(0, 1, 2))
    make_activity(code="b", weekdays=(1,))
    db.session.add(CancelledDate(community=community, start_date=date(2026, 12, 8), end_date=date(2026, 12, 9),
                                 reason="节日"))
    db.session.commit()
    result = generate_week(community, WEEK)
    assert [(s.activity.code, s.starts_at.date()) for s in shift_rows(community)] == [("a", date(2026, 12, 7))]
    assert result.skipped_for_holidays == 3


def test_a_holiday_of_one_activity_leaves_the_others(community, make_activity):
    a = make_activity(code="a", weekdays=(1,))
    make_activity(code="b", weekdays=(1,))
    db.session.add(CancelledDate(community=community, activity=a, start_date=date(2026, 12, 8),
                                 end_date=date(2026, 12, 8)))
    db.session.commit()
    generate_week(community, WEEK)
    assert [s.activity.code for s in shift_rows(community)] == ["b"]


def test_a_holiday_declared_later_cancels_the_generated_shift_and_regeneration_keeps_it_cancelled(
        community, make_activity):
    make_activity(code="a", weekdays=(0, 1))
    generate_week(community, WEEK)
    db.session.commit()
    holiday = CancelledDate(community=community, start_date=date(2026, 12, 8), end_date=date(2026, 12, 8))
    db.session.add(holiday)
    db.session.commit()
    result = generate_week(community, WEEK)
    db.session.commit()
    assert [(s.starts_at.date(), s.status) for s in shift_rows(community)] == [
        (date(2026, 12, 7), ShiftStatus.ACTIVE), (date(2026, 12, 8), ShiftStatus.CANCELLED)]
    assert result.changed_shift_ids == [result.cancelled[0].id]
    assert result.cancelled[0].cancelled_at is not None
    # Taking the holiday back does not revive a cancelled shift (sign-ups were told it is off).
    db.session.delete(holiday)
    db.session.commit()
    again = generate_week(community, WEEK)
    assert again.created == [] and again.active == 1


def test_one_off_events_are_kept_and_not_cancelled_by_holidays(community, make_activity):
    fair = make_activity(code="fair", weekdays=())
    event = add_one_off(fair, date(2026, 12, 12), start=time(10, 0), end=time(12, 0), title="社区义卖")
    db.session.add(CancelledDate(community=community, start_date=date(2026, 12, 12), end_date=date(2026, 12, 12)))
    db.session.commit()
    result = generate_week(community, WEEK)
    shifts = shift_rows(community)
    assert [(s.id, s.title, s.is_one_off, s.status) for s in shifts] == [
        (event.id, "社区义卖", True, ShiftStatus.ACTIVE)]
    assert result.active == 1 and result.created == []
    with pytest.raises(ValueError):
        add_one_off(fair, date(2026, 12, 12), start=time(10, 0), end=time(11, 0))


def test_weeks_of_two_communities_stay_apart(community, make_community, make_activity):
    other = make_community(slug="other")
    make_activity(community, weekdays=(0,))
    make_activity(other, weekdays=(0, 1))
    generate_week(community, WEEK)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Shift).where(Shift.community_id == other.id)) == 0
    assert generate_week(other, WEEK).active == 2
