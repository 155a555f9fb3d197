"""Weeks: ISO week keys, and generating a week's shifts from the recurring activities.

`generate_week` creates the occurrences of every active recurring activity in the week,
skips those on a holiday (`CancelledDate`) and cancels an existing occurrence that a holiday
declared since covers. One-off events (`add_one_off`) are shifts of their own, kept as they
are. Generating twice changes nothing: a shift is unique per (activity, start), and a
cancelled shift stays cancelled, so regenerating never revives it.

Like every service module, these add and flush but never commit.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityRole,
    ActivityRoleSkill,
    Community,
    Shift,
    ShiftStatus,
    iso_week_key,
    utcnow,
)
from scheduler.planning_models import CancelledDate

log = logging.getLogger(__name__)

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
#: Words accepted wherever a week is asked for, relative to the community's today.
RELATIVE_WEEKS = {"current": 0, "next": 1}


class WeekError(ValueError):
    """A week key that is not ``YYYY-Www`` or names no ISO week."""


def parse_week(text: str) -> str:
    """`text` as a normalised ISO week key (``2026-W50``); raises `WeekError`."""
    match = WEEK_PATTERN.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise WeekError(f"{text!r} is not a week like 2026-W50")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise WeekError(f"{text!r}: year {year} has no week {week}") from exc
    return iso_week_key(monday)


def resolve_week(community: Community, text: str) -> str:
    """A week key from `text`: ``2026-W50``, or ``current`` / ``next`` in the community's time."""
    if text in RELATIVE_WEEKS:
        today = community.local_now().date()
        return iso_week_key(today + timedelta(weeks=RELATIVE_WEEKS[text]))
    return parse_week(text)


def week_dates(week: str) -> list[date]:
    """Monday to Sunday of ISO week `week`."""
    year, number = (int(part) for part in parse_week(week).split("-W"))
    monday = date.fromisocalendar(year, number, 1)
    return [monday + timedelta(days=offset) for offset in range(7)]


def shift_week(week: str, weeks: int) -> str:
    """The week `weeks` weeks after `week` (before it when negative)."""
    return iso_week_key(week_dates(week)[0] + timedelta(weeks=weeks))


@dataclass
class WeekGeneration:
    """What generating a week did."""

    week: str
    created: list[Shift] = field(default_factory=list)
    cancelled: list[Shift] = field(default_factory=list)
    #: Occurrences not created because a holiday covers them.
    skipped_for_holidays: int = 0
    #: Active shifts of the week after generation (recurring and one-off).
    active: int = 0

    @property
    def changed_shift_ids(self) -> list[int]:
        """Shifts created or cancelled (for `scheduler.signals.schedule_changed`)."""
        return [shift.id for shift in (*self.created, *self.cancelled)]


def holidays_in(community: Community, first: date, last: date) -> list[CancelledDate]:
    """The community's cancelled dates that overlap ``first``..``last``."""
    return list(db.session.scalars(
        select(CancelledDate).where(
            CancelledDate.community_id == community.id,
            CancelledDate.start_date <= last,
            CancelledDate.end_date >= first,
        )
    ))


def generate_week(community: Community, week: str) -> WeekGeneration:
    """Create the week's shifts from the recurring activities, minus holidays; idempotent."""
    week = parse_week(week)
    days = week_dates(week)
    result = WeekGeneration(week)
    holidays = holidays_in(community, days[0], days[-1])
    existing = {
        (shift.activity_id, shift.starts_at): shift
        for shift in db.session.scalars(
            select(Shift).where(Shift.community_id == community.id, Shift.week == week)
        )
    }
    activities = db.session.scalars(
        select(Activity).where(Activity.community_id == community.id, Activity.is_active.is_(True))
        .options(selectinload(Activity.roles).selectinload(ActivityRole.skills).selectinload(ActivityRoleSkill.skill),
                 selectinload(Activity.roles).selectinload(ActivityRole.teams),
                 selectinload(Activity.venue), selectinload(Activity.grid))
        .order_by(Activity.id)
    ).all()
    # Everything the new shifts copy is loaded above; one flush at the end writes them all.
    with db.session.no_autoflush:
        for activity in activities:
            for day in days:
                if not activity.occurs_on(day):
                    continue
                on_holiday = any(h.covers(day, activity.id) for h in holidays)
                shift = existing.get((activity.id, activity.times_on(day)[0]))
                if shift is None and not on_holiday:
                    shift = Shift.from_activity(activity, day)
                    db.session.add(shift)
                    result.created.append(shift)
                elif shift is None:
                    result.skipped_for_holidays += 1
                elif on_holiday and not shift.is_one_off and not shift.is_cancelled:
                    cancel_shift(shift)
                    result.cancelled.append(shift)
    db.session.flush()
    result.active = len(active_shift_ids(community, week))
    log.info("generated %s for %s: %d created, %d cancelled, %d skipped for holidays",
             week, community.slug, len(result.created), len(result.cancelled),
             result.skipped_for_holidays)
    return result


def active_shift_ids(community: Community, week: str) -> list[int]:
    """Ids of the week's shifts that are not cancelled."""
    return list(db.session.scalars(
        select(Shift.id).where(
            Shift.community_id == community.id,
            Shift.week == week,
            Shift.status == ShiftStatus.ACTIVE,
        )
    ))


def cancel_shift(shift: Shift) -> None:
    """Mark `shift` cancelled (it stays, so regeneration does not bring it back)."""
    shift.status = ShiftStatus.CANCELLED
    shift.cancelled_at = utcnow()


def add_one_off(
    activity: Activity,
    day: date,
    *,
    start: Optional[time] = None,
    end: Optional[time] = None,
    title: Optional[str] = None,
) -> Shift:
    """A one-off event of `activity` on `day` (times default to the activity's).

    Refuses a second shift of the activity starting at the same moment (`ValueError`).
    """
    starts, ends = activity.times_on(day)
    if start is not None or end is not None:
        starts = datetime.combine(day, start or activity.start_time)
        ends = datetime.combine(day, end or activity.end_time)
        if ends <= starts:
            ends += timedelta(days=1)
    clash = db.session.scalar(
        select(Shift.id).where(Shift.activity_id == activity.id, Shift.starts_at == starts)
    )
    if clash is not None:
        raise ValueError(f"{activity.code} already has a shift starting at {starts:%Y-%m-%d %H:%M}")
    shift = Shift.from_activity(activity, day, one_off=True)
    shift.starts_at, shift.ends_at = starts, ends
    if title:
        shift.title = title
    db.session.add(shift)
    db.session.flush()
    return shift
