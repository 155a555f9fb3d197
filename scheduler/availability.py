"""When a volunteer can serve: the weekly pattern, leave dates and imported busy times.

Three kinds of rows say it (see `scheduler.models`): `Availability` (weekly windows; none
means available at any time), `LeaveDate` (whole days off) and `BusyTime` (intervals from
an imported calendar). All are wall-clock local times of the community, as shifts are.

`VolunteerTimes` is an in-memory snapshot of the three that answers "can this volunteer
serve from `start` to `end`?" without touching the database, so a page can check hundreds of
shifts at once. `available_intervals` turns the weekly pattern into dated intervals, the
document's ``available`` list.

A window that ends at 23:59 stands for "until midnight", so an evening window joins the
next morning's window that starts at 00:00 (a night shift can then lie inside their union).

Verbs here add, change and flush; the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, Mapping, Optional, Sequence

from flask_babel import lazy_gettext as _l

from scheduler.extensions import db
from scheduler.models import AVAILABILITY_PRESETS, Availability, BusyTime, LeaveDate, VolunteerProfile

log = logging.getLogger(__name__)

Window = tuple[time, time]
Interval = tuple[datetime, datetime]

#: An end time at or after this minute means midnight (``time`` has no 24:00).
END_OF_DAY = time(23, 59)

#: The longest leave one entry may cover (a typo like 2062 for 2026 is refused).
MAX_LEAVE_DAYS = 366


class AvailabilityError(ValueError):
    """A refused change of availability or leave; `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(str(message))
        self.field = field
        self.message = message


# --------------------------------------------------------------------------- weekly pattern


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Sorted windows with overlapping or touching ones joined."""
    merged: list[list[time]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def weekly_windows(volunteer: VolunteerProfile) -> dict[int, list[Window]]:
    """Weekday (0 = Monday) -> the volunteer's merged windows; empty dict: any time."""
    days: dict[int, list[Window]] = {}
    for row in volunteer.availability:
        days.setdefault(row.weekday, []).append((row.start_time, row.end_time))
    return {day: merge_windows(windows) for day, windows in sorted(days.items())}


def set_weekly_availability(
    volunteer: VolunteerProfile, windows: Optional[Mapping[int, Iterable[Window]]]
) -> None:
    """Replace the weekly pattern; None means "available at any time" (no rows).

    An empty mapping (or one whose days are all empty) is refused: it would read as "never",
    which is what leave dates are for.
    """
    if windows is None:
        volunteer.availability = []
        db.session.flush()
        log.info("volunteer %s: available any time", volunteer.id)
        return
    rows: list[Availability] = []
    for weekday, day_windows in sorted(windows.items()):
        if not 0 <= weekday <= 6:
            raise AvailabilityError("weekly", f"weekday {weekday} is not within 0..6")
        for start, end in merge_windows(day_windows):
            if end <= start:
                raise AvailabilityError("weekly", f"window {start}-{end} ends before it starts")
            rows.append(Availability(weekday=weekday, start_time=start, end_time=end))
    if not rows:
        raise AvailabilityError("weekly", _l("Choose at least one time, or choose 'any time'."))
    volunteer.availability = rows
    db.session.flush()
    log.info("volunteer %s: %d weekly availability windows", volunteer.id, len(rows))


def preset_of(window: Window) -> Optional[str]:
    """The name of the preset (morning, afternoon, evening) equal to `window`, or None."""
    for name, preset in AVAILABILITY_PRESETS.items():
        if preset == window:
            return name
    return None


def _day_intervals(day: date, windows: Sequence[Window]) -> list[Interval]:
    intervals = []
    for start, end in windows:
        end_at = (
            datetime.combine(day + timedelta(days=1), time(0))
            if end >= END_OF_DAY
            else datetime.combine(day, end)
        )
        intervals.append((datetime.combine(day, start), end_at))
    return intervals


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted intervals with overlapping or touching ones joined."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def available_intervals(
    weekly: Mapping[int, Sequence[Window]], first: date, last: date
) -> list[Interval]:
    """The weekly pattern as merged dated intervals from `first` to `last` inclusive."""
    intervals: list[Interval] = []
    day = first
    while day <= last:
        intervals.extend(_day_intervals(day, weekly.get(day.weekday(), ())))
        day += timedelta(days=1)
    return merge_intervals(intervals)


# --------------------------------------------------------------------------- leave


def add_leave(volunteer: VolunteerProfile, start: date, end: date, reason: str = "") -> LeaveDate:
    """Add days off from `start` to `end` inclusive."""
    if end < start:
        raise AvailabilityError("end_date", _l("The last day cannot be before the first day."))
    if (end - start).days + 1 > MAX_LEAVE_DAYS:
        raise AvailabilityError(
            "end_date", _l("One leave can last at most %(days)d days.", days=MAX_LEAVE_DAYS)
        )
    leave = LeaveDate(start_date=start, end_date=end, reason=reason.strip()[:200])
    volunteer.leave_dates.append(leave)
    db.session.flush()
    log.info("volunteer %s: leave %s..%s", volunteer.id, start, end)
    return leave


def remove_leave(volunteer: VolunteerProfile, leave_id: int) -> bool:
    """Remove one of the volunteer's leave entries; False when it is not theirs."""
    for leave in volunteer.leave_dates:
        if leave.id == leave_id:
            volunteer.leave_dates.remove(leave)
            db.session.flush()
            return True
    return False


# --------------------------------------------------------------------------- busy times


def replace_busy_times(
    volunteer: VolunteerProfile, intervals: Iterable[Interval], *, source: str = ""
) -> int:
    """Replace every imported busy time of the volunteer; returns how many were stored."""
    merged = merge_intervals(intervals)
    volunteer.busy_times = [
        BusyTime(starts_at=start, ends_at=end, source=source[:200]) for start, end in merged
    ]
    db.session.flush()
    log.info("volunteer %s: %d busy times imported", volunteer.id, len(merged))
    return len(merged)


def clear_busy_times(volunteer: VolunteerProfile) -> int:
    """Forget every imported busy time; returns how many there were."""
    count = len(volunteer.busy_times)
    volunteer.busy_times = []
    db.session.flush()
    return count


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class VolunteerTimes:
    """A snapshot of when a volunteer can serve, checked in memory.

    `weekly` None means no weekly pattern (available at any time).
    """

    weekly: Optional[dict[int, list[Window]]]
    leave: tuple[tuple[date, date], ...]
    busy: tuple[Interval, ...]

    @classmethod
    def of(cls, volunteer: VolunteerProfile) -> VolunteerTimes:
        """The snapshot of `volunteer`'s current rows."""
        weekly = weekly_windows(volunteer) or None
        leave = tuple((row.start_date, row.end_date) for row in volunteer.leave_dates)
        busy = tuple((row.starts_at, row.ends_at) for row in volunteer.busy_times)
        return cls(weekly=weekly, leave=leave, busy=busy)

    def within_weekly(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) lies inside the union of the weekly windows."""
        if self.weekly is None:
            return True
        first = start.date() - timedelta(days=1)
        for window_start, window_end in available_intervals(self.weekly, first, end.date()):
            if window_start <= start and end <= window_end:
                return True
        return False

    def leave_on(self, day: date) -> Optional[tuple[date, date]]:
        """The leave that covers `day`, or None."""
        for first, last in self.leave:
            if first <= day <= last:
                return first, last
        return None

    def busy_during(self, start: datetime, end: datetime) -> Optional[Interval]:
        """The first imported busy time overlapping [start, end) by a positive length."""
        for busy_start, busy_end in self.busy:
            if busy_start < end and start < busy_end:
                return busy_start, busy_end
        return None
