"""The sign-up service: one test per refusal reason, then waitlist, promotion, withdrawal.

Times are given explicitly (`NOW`), so the tests do not depend on the clock. The default
shift of the factories is on Monday 2026-12-07, 09:00-11:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from scheduler import signup
from scheduler.availability import add_leave, replace_busy_times
from scheduler.extensions import db
from scheduler.models import ShiftStatus, SignUp, SignUpSource, SignUpStatus
from scheduler.signals import schedule_changed

NOW = datetime(2026, 12, 1, 8, 0)
MONDAY = date(2026, 12, 7)


def codes(reasons) -> set[str]:
    return {reason.code for reason in reasons}


def do_sign_up(user, role, now=NOW):
    return signup.in_write_transaction(lambda: signup.sign_up(user.profile, role, now=now))


def do_withdraw(sign_up, now=NOW):
    return signup.in_write_transaction(lambda: signup.withdraw(sign_up, now=now))


@pytest.fixture
def shift(make_shift):
    """A Monday 09:00-11:00 shift with one role "志愿者" for 2 people."""
    return make_shift(roles=[{"name": "志愿者", "need": 1, "max": 2}])


def test_eligible_volunteer_has_no_reasons(make_volunteer, shift):
    volunteer = make_volunteer()
    assert signup.eligibility(volunteer.profile, shift.roles[0], now=NOW) == []


def test_lacking_skill_is_refused_with_level(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "讲师", "skills": {"calligraphy": 2}}])
    novice = make_volunteer(skills={"calligraphy": 1})
    stranger = make_volunteer()
    expert = make_volunteer(skills={"calligraphy": 3})
    role = shift.roles[0]
    novice_reasons = signup.eligibility(novice.profile, role, now=NOW)
    assert codes(novice_reasons) == {"skill"}
    assert "2" in str(novice_reasons[0]) and "1" in str(novice_reasons[0])
    assert codes(signup.eligibility(stranger.profile, role, now=NOW)) == {"skill"}
    assert signup.eligibility(expert.profile, role, now=NOW) == []


def test_team_restriction(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "助教", "teams": ["social_worker", "retired_cadre"]}])
    student = make_volunteer(teams=["student"])
    worker = make_volunteer(teams=["social_worker"])
    assert codes(signup.eligibility(student.profile, shift.roles[0], now=NOW)) == {"team"}
    assert signup.eligibility(worker.profile, shift.roles[0], now=NOW) == []


def test_grid_restriction(make_volunteer, make_shift):
    shift = make_shift(grid="grid-1")
    elsewhere = make_volunteer(grids=["grid-2"])
    local = make_volunteer(grids=["grid-1"])
    anywhere = make_volunteer()
    assert codes(signup.eligibility(elsewhere.profile, shift.roles[0], now=NOW)) == {"grid"}
    assert signup.eligibility(local.profile, shift.roles[0], now=NOW) == []
    assert signup.eligibility(anywhere.profile, shift.roles[0], now=NOW) == []


def test_weekly_availability(make_volunteer, shift):
    afternoons = make_volunteer(availability=[(0, "13:00", "17:30")])
    mornings = make_volunteer(availability=[(0, "08:00", "12:00")])
    split = make_volunteer(availability=[(0, "08:00", "10:00"), (0, "10:00", "12:00")])
    assert codes(signup.eligibility(afternoons.profile, shift.roles[0], now=NOW)) == {"unavailable"}
    assert signup.eligibility(mornings.profile, shift.roles[0], now=NOW) == []
    assert signup.eligibility(split.profile, shift.roles[0], now=NOW) == [], "touching windows join"


def test_night_shift_inside_windows_across_midnight(make_volunteer, make_shift):
    night = make_shift(start="22:00", end="02:00")
    owl = make_volunteer(availability=[(0, "20:00", "23:59"), (1, "00:00", "03:00")])
    early = make_volunteer(availability=[(0, "20:00", "23:59")])
    assert signup.eligibility(owl.profile, night.roles[0], now=NOW) == []
    assert codes(signup.eligibility(early.profile, night.roles[0], now=NOW)) == {"unavailable"}


def test_leave_day(make_volunteer, shift):
    volunteer = make_volunteer()
    add_leave(volunteer.profile, MONDAY - timedelta(days=1), MONDAY)
    db.session.commit()
    assert codes(signup.eligibility(volunteer.profile, shift.roles[0], now=NOW)) == {"leave"}


def test_imported_busy_time(make_volunteer, shift):
    volunteer = make_volunteer()
    replace_busy_times(volunteer.profile, [(datetime(2026, 12, 7, 10, 30), datetime(2026, 12, 7, 12, 0))])
    db.session.commit()
    assert codes(signup.eligibility(volunteer.profile, shift.roles[0], now=NOW)) == {"busy"}
    # A busy time that only touches the shift does not block it.
    replace_busy_times(volunteer.profile, [(datetime(2026, 12, 7, 11, 0), datetime(2026, 12, 7, 12, 0))])
    db.session.commit()
    assert signup.eligibility(volunteer.profile, shift.roles[0], now=NOW) == []


def test_overlapping_confirmed_shift(make_volunteer, make_shift, shift):
    other = make_shift(start="10:00", end="12:00", title="另一个活动")
    volunteer = make_volunteer()
    do_sign_up(volunteer, shift.roles[0])
    reasons = signup.eligibility(volunteer.profile, other.roles[0], now=NOW)
    assert codes(reasons) == {"overlap"}
    assert shift.title in str(reasons[0])


def test_waitlisted_shift_does_not_block_an_overlap(make_volunteer, make_shift):
    full = make_shift(roles=[{"name": "志愿者", "need": 1}])
    other = make_shift(start="10:00", end="12:00")
    taker, queued = make_volunteer(), make_volunteer()
    do_sign_up(taker, full.roles[0])
    assert do_sign_up(queued, full.roles[0]).sign_up.status == SignUpStatus.WAITLISTED
    assert signup.eligibility(queued.profile, other.roles[0], now=NOW) == []


def test_limit_shifts_per_day(make_volunteer, make_shift, shift):
    afternoon = make_shift(start="14:00", end="16:00")
    volunteer = make_volunteer(max_shifts_per_day=1)
    do_sign_up(volunteer, shift.roles[0])
    assert codes(signup.eligibility(volunteer.profile, afternoon.roles[0], now=NOW)) == {"max_shifts_per_day"}


def test_limit_shifts_per_week(make_volunteer, make_activity, make_shift):
    activity = make_activity(weekdays=(0, 2, 4))
    monday, wednesday = make_shift(activity, day=MONDAY), make_shift(activity, day=MONDAY + timedelta(days=2))
    next_monday = make_shift(activity, day=MONDAY + timedelta(days=7))
    volunteer = make_volunteer(max_shifts_per_week=1)
    do_sign_up(volunteer, monday.roles[0])
    assert codes(signup.eligibility(volunteer.profile, wednesday.roles[0], now=NOW)) == {"max_shifts_per_week"}
    assert signup.eligibility(volunteer.profile, next_monday.roles[0], now=NOW) == [], "another ISO week"


def test_limit_minutes_per_week(make_volunteer, make_shift, shift):
    tuesday = make_shift(day=MONDAY + timedelta(days=1), start="09:00", end="12:00")
    volunteer = make_volunteer(max_minutes_per_week=240)
    do_sign_up(volunteer, shift.roles[0])  # 120 minutes
    reasons = signup.eligibility(volunteer.profile, tuesday.roles[0], now=NOW)  # +180 = 300
    assert codes(reasons) == {"max_minutes_per_week"}
    assert "300" in str(reasons[0])


def test_limit_min_rest(make_volunteer, make_shift, shift):
    soon_after = make_shift(start="11:30", end="12:30")
    later = make_shift(start="12:00", end="13:00")
    volunteer = make_volunteer(min_rest_minutes=60)
    do_sign_up(volunteer, shift.roles[0])  # ends 11:00
    assert codes(signup.eligibility(volunteer.profile, soon_after.roles[0], now=NOW)) == {"min_rest"}
    assert signup.eligibility(volunteer.profile, later.roles[0], now=NOW) == []


def test_limit_consecutive_days(make_volunteer, make_activity, make_shift):
    activity = make_activity(weekdays=(0, 1, 2))
    days = [make_shift(activity, day=MONDAY + timedelta(days=offset)) for offset in range(3)]
    volunteer = make_volunteer(max_consecutive_days=2)
    do_sign_up(volunteer, days[0].roles[0])
    do_sign_up(volunteer, days[1].roles[0])
    assert codes(signup.eligibility(volunteer.profile, days[2].roles[0], now=NOW)) == {"max_consecutive_days"}


def test_started_and_cancelled_shifts(make_volunteer, make_shift, shift):
    volunteer = make_volunteer()
    assert codes(signup.eligibility(volunteer.profile, shift.roles[0], now=datetime(2026, 12, 7, 9, 0))) == {"started"}
    cancelled = make_shift(start="14:00", end="15:00")
    cancelled.status = ShiftStatus.CANCELLED
    db.session.commit()
    assert codes(signup.eligibility(volunteer.profile, cancelled.roles[0], now=NOW)) == {"cancelled"}


def test_other_community_is_refused(make_volunteer, make_community, make_shift):
    elsewhere = make_community(slug="elsewhere")
    volunteer = make_volunteer(elsewhere)
    shift = make_shift()
    with pytest.raises(signup.SignUpRefused) as refused:
        do_sign_up(volunteer, shift.roles[0])
    assert codes(refused.value.reasons) == {"other_community"}


def test_refusal_lists_every_reason_and_stores_nothing(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "讲师", "skills": {"law": 2}, "teams": ["social_worker"]}])
    volunteer = make_volunteer(teams=["student"], availability=[(5, "08:00", "12:00")])
    with pytest.raises(signup.SignUpRefused) as refused:
        do_sign_up(volunteer, shift.roles[0])
    assert codes(refused.value.reasons) == {"skill", "team", "unavailable"}
    assert db.session.query(SignUp).count() == 0


# --------------------------------------------------------------------------- places


def test_sign_up_confirms_until_full_then_waitlists(make_volunteer, shift):
    role = shift.roles[0]  # max 2
    outcomes = [do_sign_up(make_volunteer(), role) for _ in range(4)]
    assert [o.sign_up.status for o in outcomes] == [
        SignUpStatus.CONFIRMED, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.WAITLISTED,
    ]
    assert all(o.created and o.sign_up.source == SignUpSource.SELF for o in outcomes)
    assert [signup.waitlist_position(o.sign_up) for o in outcomes] == [None, None, 1, 2]
    assert signup.confirmed_count(role) == 2


def test_second_click_returns_the_same_sign_up(make_volunteer, shift):
    volunteer = make_volunteer()
    first = do_sign_up(volunteer, shift.roles[0])
    second = do_sign_up(volunteer, shift.roles[0])
    assert first.created and not second.created
    assert second.sign_up.id == first.sign_up.id
    assert db.session.query(SignUp).count() == 1


def test_one_role_per_shift(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "甲"}, {"name": "乙"}])
    volunteer = make_volunteer()
    do_sign_up(volunteer, shift.roles[0])
    with pytest.raises(signup.SignUpRefused) as refused:
        do_sign_up(volunteer, shift.roles[1])
    assert codes(refused.value.reasons) == {"already_signed_up"}


def test_places_taken_by_the_published_plan_count(make_volunteer, shift):
    role = shift.roles[0]
    for volunteer in (make_volunteer(), make_volunteer()):
        db.session.add(SignUp(shift_role=role, volunteer=volunteer.profile,
                              status=SignUpStatus.CONFIRMED, source=SignUpSource.SCHEDULER))
    db.session.commit()
    assert do_sign_up(make_volunteer(), role).sign_up.status == SignUpStatus.WAITLISTED


# --------------------------------------------------------------------------- withdrawing


def test_withdraw_promotes_first_come_who_still_qualifies(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "志愿者", "need": 1}])
    other = make_shift(start="10:00", end="12:00")
    role = shift.roles[0]
    holder, first, second = make_volunteer(), make_volunteer(), make_volunteer()
    held = do_sign_up(holder, role).sign_up
    first_wait = do_sign_up(first, role).sign_up
    second_wait = do_sign_up(second, role).sign_up
    # The first in line took an overlapping shift meanwhile: no longer free.
    do_sign_up(first, other.roles[0])
    promoted = do_withdraw(held)
    assert [s.id for s in promoted] == [second_wait.id]
    db.session.expire_all()
    assert held.status == SignUpStatus.WITHDRAWN and held.withdrawn_at is not None
    assert second_wait.status == SignUpStatus.CONFIRMED
    assert first_wait.status == SignUpStatus.WAITLISTED
    assert signup.waitlist_position(first_wait) == 1


def test_withdraw_after_cutoff_is_refused_with_contact(make_volunteer, shift):
    community = shift.community
    community.contact = "社区服务站 027-1234"
    db.session.commit()
    held = do_sign_up(make_volunteer(), shift.roles[0]).sign_up
    late = datetime(2026, 12, 6, 9, 30)  # 23.5 h before the start, default cutoff 24 h
    with pytest.raises(signup.WithdrawRefused) as refused:
        do_withdraw(held, now=late)
    assert refused.value.contact == "社区服务站 027-1234"
    db.session.expire_all()
    assert held.status == SignUpStatus.CONFIRMED
    assert do_withdraw(held, now=datetime(2026, 12, 6, 9, 0)) == []  # exactly 24 h: allowed


def test_cutoff_is_per_community_and_contact_falls_back_to_coordinators(make_volunteer, make_coordinator, shift):
    community = shift.community
    community.withdraw_cutoff_hours = 48
    db.session.commit()
    coordinator = make_coordinator(name="周丽华")
    held = do_sign_up(make_volunteer(), shift.roles[0]).sign_up
    with pytest.raises(signup.WithdrawRefused) as refused:
        do_withdraw(held, now=datetime(2026, 12, 5, 10, 0))
    assert "周丽华" in refused.value.contact and coordinator.mobile in refused.value.contact


def test_waitlisted_may_leave_until_start(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "志愿者", "need": 1}])
    do_sign_up(make_volunteer(), shift.roles[0])
    queued = do_sign_up(make_volunteer(), shift.roles[0]).sign_up
    assert do_withdraw(queued, now=datetime(2026, 12, 7, 8, 0)) == []
    db.session.expire_all()
    assert queued.status == SignUpStatus.WITHDRAWN


def test_withdrawn_volunteer_may_sign_up_again(make_volunteer, shift):
    volunteer = make_volunteer()
    held = do_sign_up(volunteer, shift.roles[0]).sign_up
    do_withdraw(held)
    again = do_sign_up(volunteer, shift.roles[0])
    assert again.created and again.sign_up.id != held.id and again.confirmed


def test_promote_waitlist_after_capacity_raised(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "志愿者", "need": 1}])
    role = shift.roles[0]
    do_sign_up(make_volunteer(), role)
    queued = do_sign_up(make_volunteer(), role).sign_up
    role.max = 2
    db.session.commit()
    promoted = signup.in_write_transaction(lambda: signup.promote_waitlist(role, now=NOW))
    assert [s.id for s in promoted] == [queued.id]


# --------------------------------------------------------------------------- signals


def test_changes_are_announced_after_commit(make_volunteer, make_shift):
    shift = make_shift(roles=[{"name": "志愿者", "need": 1}])
    role = shift.roles[0]
    received: list[tuple[int, list[int]]] = []

    def listener(sender, shift_ids):
        # Sent after the commit: a fresh session sees the change.
        received.append((sender, shift_ids, signup.confirmed_count(role)))

    schedule_changed.connect(listener)
    try:
        held = do_sign_up(make_volunteer(), role).sign_up
        assert received == [(shift.community_id, [shift.id], 1)]
        do_sign_up(make_volunteer(), role)  # waitlisted: nobody's schedule changed
        assert len(received) == 1
        do_withdraw(held)  # withdrawal and promotion, one announcement
        assert received[1] == (shift.community_id, [shift.id], 1)
        with pytest.raises(signup.SignUpRefused):
            do_sign_up(make_volunteer(teams=["student"], availability=[(5, "08:00", "09:00")]), role)
        assert len(received) == 2, "a refused sign-up announces nothing"
    finally:
        schedule_changed.disconnect(listener)


def test_in_write_transaction_refuses_pending_changes(make_volunteer, shift):
    volunteer = make_volunteer()
    volunteer.display_name = "改名"
    with pytest.raises(RuntimeError):
        signup.in_write_transaction(lambda: None)
    db.session.rollback()


# --------------------------------------------------------------------------- pages


def test_role_offers_filter_and_reasons(make_volunteer, make_shift):
    open_shift = make_shift(roles=[{"name": "志愿者"}])
    skilled = make_shift(start="14:00", end="16:00", roles=[{"name": "讲师", "skills": {"law": 1}}])
    volunteer = make_volunteer()
    shifts = [open_shift, skilled]
    eligible = signup.role_offers(volunteer.profile, shifts, now=NOW)
    assert [offer.role.id for offer in eligible] == [open_shift.roles[0].id]
    everything = signup.role_offers(volunteer.profile, shifts, now=NOW, include_ineligible=True)
    assert [codes(offer.reasons) for offer in everything] == [set(), {"skill"}]
    do_sign_up(volunteer, open_shift.roles[0])
    mine = signup.role_offers(volunteer.profile, shifts, now=NOW)
    assert mine[0].my_sign_up is not None and mine[0].confirmed == 1 and not mine[0].can_sign_up


def test_my_schedule_sections(make_volunteer, make_activity, make_shift):
    activity = make_activity(weekdays=(0,), roles=[{"name": "志愿者", "need": 1}])
    past = make_shift(activity, day=MONDAY - timedelta(days=7))
    coming = make_shift(activity, day=MONDAY)
    later = make_shift(activity, day=MONDAY + timedelta(days=7))
    volunteer = make_volunteer()
    do_sign_up(volunteer, past.roles[0], now=datetime(2026, 11, 25))
    do_sign_up(volunteer, coming.roles[0])
    do_sign_up(make_volunteer(), later.roles[0])
    do_sign_up(volunteer, later.roles[0])
    schedule = signup.my_schedule(volunteer.profile, now=NOW)
    assert [e.shift.id for e in schedule.upcoming] == [coming.id]
    assert [(e.shift.id, e.position) for e in schedule.waitlisted] == [(later.id, 1)]
    assert [e.shift.id for e in schedule.past] == [past.id]
    assert schedule.upcoming[0].can_withdraw
    assert schedule.upcoming[0].deadline == datetime(2026, 12, 6, 9, 0)
