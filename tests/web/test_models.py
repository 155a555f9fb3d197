"""The data model: constraints the database enforces and helpers the services build on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from scheduler import SQLITE_BEGIN_IMMEDIATE
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    Availability,
    Community,
    LoginAttempt,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    VolunteerSkill,
    iso_week_key,
    shifts_of_week,
    volunteers_of,
)


def test_one_open_sign_up_per_volunteer_and_shift(make_volunteer, make_shift):
    volunteer = make_volunteer().profile
    shift = make_shift(roles=[{"name": "讲师"}, {"name": "助手", "need": 2}])
    db.session.add(SignUp(volunteer=volunteer, shift_role=shift.roles[0], status=SignUpStatus.CONFIRMED))
    db.session.commit()

    db.session.add(SignUp(volunteer=volunteer, shift_role=shift.roles[1], status=SignUpStatus.WAITLISTED))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_withdrawn_sign_up_does_not_block_signing_up_again(make_volunteer, make_shift):
    volunteer = make_volunteer().profile
    shift = make_shift()
    first = SignUp(volunteer=volunteer, shift_role=shift.roles[0], status=SignUpStatus.CONFIRMED)
    db.session.add(first)
    db.session.commit()
    first.status, first.withdrawn_at = SignUpStatus.WITHDRAWN, datetime.now(UTC)
    db.session.commit()

    again = SignUp(volunteer=volunteer, shift_role=shift.roles[0], status=SignUpStatus.CONFIRMED)
    db.session.add(again)
    db.session.commit()

    statuses = db.session.scalars(select(SignUp.status).where(SignUp.volunteer_id == volunteer.id)).all()
    assert sorted(statuses) == [SignUpStatus.CONFIRMED, SignUpStatus.WITHDRAWN]
    assert again.shift_id == shift.id  # copied from the role


def test_generating_the_same_occurrence_twice_is_refused(make_activity):
    activity = make_activity(weekdays=(0,))
    db.session.add(Shift.from_activity(activity, date(2026, 12, 7)))
    db.session.commit()
    db.session.add(Shift.from_activity(activity, date(2026, 12, 7)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_shift_copies_its_activity(make_activity):
    activity = make_activity(
        title="烘焙班",
        venue="centre",
        grid="grid-1",
        start="14:00",
        end="16:00",
        roles=[
            {"name": "讲师", "need": 1, "skills": {"baking": 2}, "continuity": True},
            {"name": "助手", "need": 1, "max": 3, "teams": ["student", "social_worker"]},
        ],
        supervision={"student": ["social_worker", "retired_cadre"]},
    )
    shift = Shift.from_activity(activity, date(2026, 12, 12))
    db.session.add(shift)
    db.session.commit()

    assert (shift.starts_at, shift.ends_at) == (datetime(2026, 12, 12, 14), datetime(2026, 12, 12, 16))
    assert shift.week == "2026-W50" and shift.status == ShiftStatus.ACTIVE
    assert (shift.title, shift.venue.code, shift.grid.code) == ("烘焙班", "centre", "grid-1")
    teacher, helper = shift.roles
    assert (teacher.name, teacher.need, teacher.capacity, teacher.continuity) == ("讲师", 1, 1, True)
    assert teacher.required_skills() == {"baking": 2}
    assert (helper.capacity, [team.code for team in helper.teams]) == (3, ["social_worker", "student"])
    rule = activity.supervision_rules[0]
    assert (rule.team.code, {team.code for team in rule.by_teams}) == (
        "student", {"social_worker", "retired_cadre"},
    )
    # Editing the activity later leaves the shift's copy alone.
    activity.roles[0].need = 5
    db.session.commit()
    assert shift.roles[0].need == 1


def test_an_occurrence_ending_at_or_before_its_start_ends_the_next_day(make_activity):
    patrol = make_activity(weekdays=(4,), start="22:00", end="01:30")
    shift = Shift.from_activity(patrol, date(2026, 12, 11))
    db.session.add(shift)
    db.session.commit()
    assert shift.ends_at == datetime(2026, 12, 12, 1, 30)
    assert shift.minutes() == 210
    assert shift.week == "2026-W50"


def test_shift_minutes_follow_the_community_zone_across_dst(make_community, make_activity):
    berlin = make_community(timezone="Europe/Berlin")
    night = make_activity(berlin, weekdays=(5,), start="22:00", end="06:00")
    shift = Shift.from_activity(night, date(2026, 3, 28))  # clocks jump 02:00 -> 03:00
    db.session.add(shift)
    db.session.commit()
    assert shift.minutes() == 7 * 60


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 7), True),  # a Monday in range
        (date(2026, 12, 8), False),  # a Tuesday
        (date(2025, 12, 29), False),  # a Monday before valid_from
        (date(2027, 1, 4), False),  # a Monday after valid_until
    ],
)
def test_recurrence(make_activity, day, expected):
    activity = make_activity(weekdays=(0, 2), valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    assert activity.occurs_on(day) is expected


def test_weekdays_are_validated_and_sorted(make_activity):
    activity = make_activity(weekdays=(4, 0, 2, 0))
    assert activity.weekdays == (0, 2, 4)
    with pytest.raises(ValueError, match="0..6"):
        activity.weekdays = (7,)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).weekdays == (0, 2, 4)


def test_iso_week_key_at_year_boundaries():
    assert iso_week_key(date(2026, 12, 31)) == "2026-W53"
    assert iso_week_key(date(2027, 1, 4)) == "2027-W01"
    assert iso_week_key(date(2025, 12, 29)) == "2026-W01"


def test_bookkeeping_times_come_back_aware_in_utc(app):
    moment = datetime(2026, 12, 7, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    attempt = LoginAttempt(key="account:x", created_at=moment)
    db.session.add(attempt)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(LoginAttempt, attempt.id).created_at
    assert loaded.tzinfo is not None and loaded.utcoffset() == timedelta(0)
    assert loaded == moment


def test_naive_bookkeeping_times_are_refused(app):
    db.session.add(LoginAttempt(key="account:x", created_at=datetime(2026, 12, 7, 9, 30)))
    with pytest.raises(StatementError, match="timezone-aware"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    "breaks_rule",
    [
        lambda factories, volunteer, shift: VolunteerSkill(
            volunteer=volunteer, skill=factories.skill(volunteer.community, "x"), level=0
        ),
        lambda factories, volunteer, shift: Availability(
            volunteer=volunteer, weekday=7, start_time=time(8), end_time=time(9)
        ),
        lambda factories, volunteer, shift: Availability(
            volunteer=volunteer, weekday=1, start_time=time(9), end_time=time(8)
        ),
    ],
    ids=["skill level 0", "weekday 7", "availability ending before it starts"],
)
def test_check_constraints(factories, make_volunteer, make_shift, breaks_rule):
    volunteer = make_volunteer().profile
    shift = make_shift()
    db.session.add(breaks_rule(factories, volunteer, shift))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_role_max_below_need_is_refused(make_shift):
    shift = make_shift(roles=[{"name": "助手", "need": 2}])
    shift.roles[0].max = 1
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_are_enforced(app):
    db.session.add(Availability(volunteer_id=999, weekday=1, start_time=time(8), end_time=time(9)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_volunteers_of_lists_only_that_communitys_volunteers(make_community, make_volunteer, make_coordinator):
    home, other = make_community(), make_community()
    ours = [make_volunteer(home, name="乙"), make_volunteer(home, name="甲")]
    make_volunteer(other)
    make_coordinator(home)
    listed = db.session.scalars(volunteers_of(home)).all()
    assert sorted(profile.id for profile in listed) == sorted(user.profile.id for user in ours)


def test_shifts_of_week(make_activity):
    activity = make_activity(weekdays=(0,))
    for day in (date(2026, 12, 7), date(2026, 12, 14)):
        db.session.add(Shift.from_activity(activity, day))
    db.session.commit()
    week = db.session.scalars(shifts_of_week(activity.community, "2026-W50")).all()
    assert [shift.starts_at.date() for shift in week] == [date(2026, 12, 7)]


def test_profile_maps_to_the_document_terms(make_volunteer):
    user = make_volunteer(teams=("student", "party_member"), skills={"science": 2, "first_aid": 1})
    profile = user.profile
    assert profile.doc_id == f"v{profile.id}"
    assert profile.team_codes() == {"student", "party_member"}
    assert profile.skill_levels() == {"science": 2, "first_aid": 1}
    assert isinstance(profile.community, Community)


def test_sqlite_immediate_transactions_take_the_write_lock_at_begin(app, database, make_volunteer):
    if database.backend != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    make_volunteer()
    db.session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
    with db.engine.connect() as other:
        # Set on the driver connection: a statement through SQLAlchemy would BEGIN already.
        other.connection.driver_connection.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(OperationalError, match="locked"):
            other.execution_options(**{SQLITE_BEGIN_IMMEDIATE: True}).execute(text("SELECT 1"))
    db.session.rollback()
