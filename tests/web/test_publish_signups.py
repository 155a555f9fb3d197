"""Publishing and the sign-up table: a place the plan frees goes to the waitlist, and a
publish never leaves more confirmed sign-ups in a role than its ``max`` (not even against a
volunteer signing up at the same moment).

The role used is the calligraphy class's 助教 on Tuesday (need 1, max 2) of the small week;
the drafts are made by hand (`planning.assign`), so no engine runs here. Times are given
explicitly (`NOW`), so the tests do not depend on the clock.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from scheduler import planning, signup
from scheduler.availability import add_leave
from scheduler.extensions import db
from scheduler.models import ShiftRole, SignUp, SignUpSource, SignUpStatus, User
from scheduler.planning_models import PlanVersion
from scheduler.signals import schedule_changed
from tests.web.planning_fixtures import WEEK, small_week  # noqa: F401

NOW = datetime(2026, 12, 1, 8, 0)  # the week before the small week


@pytest.fixture
def assistant(small_week) -> ShiftRole:
    """The Tuesday calligraphy class's 助教 role (max 2)."""
    role = next(r for r in small_week.shift("calligraphy", 1).roles if r.name == "助教")
    assert role.capacity == 2
    return role


def publish(community):
    """Publish as the planning page does: in a write transaction."""
    return signup.in_write_transaction(lambda: planning.publish(community, WEEK, now=NOW))


def sign_up(user, role):
    return signup.in_write_transaction(lambda: signup.sign_up(user.profile, role, now=NOW))


def status_of(user, role) -> dict[int, SignUpStatus]:
    db.session.expire_all()
    rows = db.session.scalars(select(SignUp).where(SignUp.volunteer_id == user.profile.id,
                                                   SignUp.shift_role_id == role.id)).all()
    return {row.id: row.status for row in rows}


def confirmed(role) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(SignUp.volunteer_id).where(
        SignUp.shift_role_id == role.id, SignUp.status == SignUpStatus.CONFIRMED)))


def test_a_place_the_published_plan_frees_goes_to_the_first_waitlisted_who_qualifies(small_week, assistant):
    community, v = small_week.community, small_week.volunteers
    li, zhou, wang = v["li"], v["zhou"], v["wang"]
    for volunteer in (li, zhou):
        planning.assign(community, WEEK, assistant, volunteer.profile)
    db.session.commit()
    publish(community)
    assert confirmed(assistant) == {li.profile.id, zhou.profile.id}
    waiting = sign_up(wang, assistant).sign_up
    assert waiting.status == SignUpStatus.WAITLISTED  # the plan filled the role

    seen: list[list[int]] = []
    receiver = lambda sender, shift_ids: seen.append(shift_ids)  # noqa: E731
    schedule_changed.connect(receiver)
    try:
        planning.unassign(community, WEEK, assistant.shift, zhou.profile)
        db.session.commit()
        result = publish(community)
        planning.notify(community, result.changed_shift_ids)
    finally:
        schedule_changed.disconnect(receiver)

    assert set(status_of(zhou, assistant).values()) == {SignUpStatus.REMOVED}
    assert status_of(wang, assistant) == {waiting.id: SignUpStatus.CONFIRMED}  # promoted, same row
    assert db.session.get(SignUp, waiting.id).source == SignUpSource.SELF
    assert confirmed(assistant) == {li.profile.id, wang.profile.id}
    assert assistant.shift_id in result.changed_shift_ids
    assert any(assistant.shift_id in ids for ids in seen)


def test_the_freed_place_skips_a_waitlisted_volunteer_who_no_longer_qualifies(small_week, assistant, factories):
    community, v = small_week.community, small_week.volunteers
    li, zhou, wang = v["li"], v["zhou"], v["wang"]
    liu = factories.make_volunteer(community, name="刘洋", teams=("party_member",), skills={"calligraphy": 1})
    for volunteer in (li, zhou):
        planning.assign(community, WEEK, assistant, volunteer.profile)
    db.session.commit()
    publish(community)
    first, second = sign_up(wang, assistant).sign_up, sign_up(liu, assistant).sign_up
    assert (first.status, second.status) == (SignUpStatus.WAITLISTED, SignUpStatus.WAITLISTED)
    # 王秀英, first in line, takes Tuesday off; the plan then frees a place.
    tuesday = assistant.shift.starts_at.date()
    add_leave(wang.profile, tuesday, tuesday, reason="看病")
    db.session.commit()
    planning.unassign(community, WEEK, assistant.shift, zhou.profile)
    db.session.commit()
    publish(community)
    assert status_of(wang, assistant) == {first.id: SignUpStatus.WAITLISTED}
    assert status_of(liu, assistant) == {second.id: SignUpStatus.CONFIRMED}
    assert confirmed(assistant) == {li.profile.id, liu.profile.id}


def test_publish_never_confirms_more_people_than_the_role_takes(small_week, assistant):
    community, v = small_week.community, small_week.volunteers
    li, zhou, wang = v["li"], v["zhou"], v["wang"]
    for volunteer in (li, zhou):
        planning.assign(community, WEEK, assistant, volunteer.profile)
    db.session.commit()
    # 王秀英 signs up after the draft was made: the draft cannot be published over her.
    assert sign_up(wang, assistant).sign_up.status == SignUpStatus.CONFIRMED
    with pytest.raises(planning.PlanningError, match="不在草稿中"):
        publish(community)
    assert confirmed(assistant) == {wang.profile.id}
    assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 0

    # Putting her in the draft as well would make three in a role for two: refused too.
    planning.assign(community, WEEK, assistant, wang.profile)
    db.session.commit()
    with pytest.raises(planning.PlanningError, match="最多 2 人"):
        publish(community)
    assert confirmed(assistant) == {wang.profile.id}

    planning.unassign(community, WEEK, assistant.shift, zhou.profile)
    db.session.commit()
    publish(community)
    assert confirmed(assistant) == {li.profile.id, wang.profile.id}
    assert status_of(zhou, assistant) == {}  # never confirmed, so nothing to remove
    # The published plan fills the role: the next volunteer waits.
    assert sign_up(zhou, assistant).sign_up.status == SignUpStatus.WAITLISTED
    assert confirmed(assistant) == {li.profile.id, wang.profile.id}


def test_a_sign_up_racing_a_publish_waits_for_it_and_joins_the_waitlist(app, small_week, assistant):
    community, v = small_week.community, small_week.volunteers
    li, zhou, wang = v["li"], v["zhou"], v["wang"]
    for volunteer in (li, zhou):
        planning.assign(community, WEEK, assistant, volunteer.profile)
    db.session.commit()
    role_id, wang_id = assistant.id, wang.id
    started = threading.Event()
    outcome: list[SignUpStatus] = []

    def racer() -> None:
        with app.app_context():
            try:
                role, user = db.session.get(ShiftRole, role_id), db.session.get(User, wang_id)
                started.set()
                outcome.append(sign_up(user, role).sign_up.status)
            finally:
                db.session.remove()

    thread = threading.Thread(target=racer)

    def publish_while_a_volunteer_signs_up():
        result = planning.publish(community, WEEK, now=NOW)
        # The publish holds the role (and has not committed) while the volunteer tries to
        # count its places: had she not waited, she would have seen none taken and been
        # confirmed, three in a role for two.
        thread.start()
        started.wait(10)
        time.sleep(0.5)
        return result

    signup.in_write_transaction(publish_while_a_volunteer_signs_up)
    thread.join(60)
    assert outcome == [SignUpStatus.WAITLISTED]
    assert confirmed(assistant) == {li.profile.id, zhou.profile.id}
