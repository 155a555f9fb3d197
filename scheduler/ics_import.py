"""Importing busy times from a personal calendar export (an ``.ics`` file).

The file comes from a stranger's upload, so everything is bounded before it is trusted:
its size, the number of events, and the number of repetitions a recurrence may expand to
(a hostile ``FREQ=SECONDLY`` rule must not keep a worker busy). Anything that is not an
iCalendar file, or has an event whose dates cannot be read, is refused whole with a message
that says what is wrong; nothing is stored then.

Only times are kept (never titles, places or descriptions: they are private). Every time
is converted into the community's zone: ``TZID`` zones and UTC times are converted,
floating times are taken as the community's wall-clock, whole-day events block whole
local days. Free (``TRANSP:TRANSPARENT``) and cancelled events are skipped, as are those
outside the import window (from today to `IMPORT_DAYS` ahead). A new import replaces the
previous one.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator, Optional
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, vRecur
from icalendar.error import BrokenCalendarProperty

from scheduler.availability import Interval, merge_intervals, replace_busy_times
from scheduler.models import VolunteerProfile

log = logging.getLogger(__name__)

#: Largest accepted file (a year of a busy person's calendar is well under this).
MAX_BYTES = 1024 * 1024
#: Most events (VEVENT components) a file may hold.
MAX_EVENTS = 3000
#: Most occurrences all recurrences together may generate while being expanded.
MAX_EXPANSION_STEPS = 100_000
#: Most days all repetition rules together may span (dateutil's work grows with it).
MAX_RECURRENCE_DAYS = 600_000
#: Most busy intervals kept from one file.
MAX_BUSY_TIMES = 3000
#: How far ahead busy times are imported.
IMPORT_DAYS = 183
#: Recurrence frequencies refused outright: nobody is busy every hour, minute or second.
REFUSED_FREQUENCIES = {"SECONDLY", "MINUTELY", "HOURLY"}


class IcsImportError(ValueError):
    """A refused calendar file; `message` says why, in words for the volunteer."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: `busy_count` merged intervals from `event_count` events."""

    event_count: int
    busy_count: int
    skipped_free: int
    first: Optional[datetime]
    last: Optional[datetime]


def import_busy_times(
    volunteer: VolunteerProfile,
    data: bytes,
    *,
    filename: str = "",
    today: Optional[date] = None,
) -> ImportResult:
    """Replace the volunteer's busy times with the busy events of the calendar file `data`.

    `today` (the community's local date by default) starts the import window. Raises
    `IcsImportError` and stores nothing for a bad or hostile file. Flushes; the caller
    commits.
    """
    community = volunteer.community
    zone = community.zone
    today = today or community.local_now().date()
    window = (datetime.combine(today, time(0)), datetime.combine(today + timedelta(days=IMPORT_DAYS), time(0)))
    calendar = parse_calendar(data)
    intervals, event_count, skipped = busy_intervals(calendar, zone, window)
    merged = merge_intervals(intervals)
    if len(merged) > MAX_BUSY_TIMES:
        raise IcsImportError(
            _l("The calendar has more than %(count)d busy times in the coming months.", count=MAX_BUSY_TIMES)
        )
    stored = replace_busy_times(volunteer, merged, source=filename)
    log.info(
        "volunteer %s imported %d busy times from %d events (%d free skipped)",
        volunteer.id, stored, event_count, skipped,
    )
    return ImportResult(
        event_count=event_count,
        busy_count=stored,
        skipped_free=skipped,
        first=merged[0][0] if merged else None,
        last=merged[-1][1] if merged else None,
    )


def parse_calendar(data: bytes) -> Calendar:
    """The calendar in `data`, or `IcsImportError` when it is too big or not a calendar."""
    if len(data) > MAX_BYTES:
        raise IcsImportError(
            _l("The file is too big (more than %(size)d KB). Export a shorter period.", size=MAX_BYTES // 1024)
        )
    if not data.strip():
        raise IcsImportError(_l("The file is empty."))
    if b"\x00" in data:
        raise IcsImportError(_l("This is not a calendar file (.ics)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IcsImportError(_l("The file is not UTF-8 text; it is not a calendar file (.ics).")) from None
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise IcsImportError(_l("This is not a calendar file (.ics): it must start with BEGIN:VCALENDAR."))
    if "END:VCALENDAR" not in text.upper():
        raise IcsImportError(_l("The calendar file is damaged and cannot be read."))
    if text.upper().count("BEGIN:VEVENT") > MAX_EVENTS:
        raise IcsImportError(_l("The calendar has more than %(count)d events.", count=MAX_EVENTS))
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        log.info("calendar upload refused by the parser: %s", error)
        raise IcsImportError(_l("The calendar file is damaged and cannot be read.")) from None
    if len(calendars) != 1 or calendars[0].name != "VCALENDAR":
        raise IcsImportError(_l("The file must hold exactly one calendar."))
    return calendars[0]


def busy_intervals(
    calendar: Calendar, zone: ZoneInfo, window: Interval
) -> tuple[list[Interval], int, int]:
    """Busy intervals of `calendar` in `window` (local naive times in `zone`).

    Returns the intervals, the number of events read and the number skipped as free or
    cancelled. Raises `IcsImportError` for an event whose dates cannot be read or a
    recurrence that expands too far.
    """
    events = list(calendar.walk("VEVENT"))
    if len(events) > MAX_EVENTS:
        raise IcsImportError(_l("The calendar has more than %(count)d events.", count=MAX_EVENTS))
    overrides = _overridden_occurrences(events, zone)
    budget = _Budget(MAX_EXPANSION_STEPS)
    intervals: list[Interval] = []
    skipped = 0
    for number, event in enumerate(events, start=1):
        if _is_free(event):
            skipped += 1
            continue
        for start, end in _occurrences(event, number, zone, window, overrides, budget):
            if start < window[1] and window[0] < end:
                intervals.append((start, end))
    return intervals, len(events), skipped


# --------------------------------------------------------------------------- events


class _Budget:
    """Counts recurrence work across the whole file and refuses past the caps."""

    def __init__(self, steps: int, days: int = MAX_RECURRENCE_DAYS):
        self.left = steps
        self.days_left = days

    def spend_days(self, days: int) -> None:
        self.days_left -= days
        if self.days_left < 0:
            raise IcsImportError(
                _l("The calendar's repeating events reach too far back. Export only the coming months.")
            )

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise IcsImportError(
                _l("The calendar repeats events too often to import (more than %(count)d repetitions).",
                   count=MAX_EXPANSION_STEPS)
            )


def _is_free(event: Event) -> bool:
    transparency = str(event.get("TRANSP", "OPAQUE")).upper()
    status = str(event.get("STATUS", "")).upper()
    return transparency == "TRANSPARENT" or status == "CANCELLED"


def _bad_date(number: int):
    return IcsImportError(
        _l("Event number %(number)d has a date or time that cannot be read.", number=number)
    )


def _local(value: date | datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock datetime in `zone` (floating times are already local)."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0))
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _decoded(event: Event, name: str, number: int):
    """The decoded value of a date property, or `IcsImportError` if it is malformed."""
    try:
        prop = event.get(name)
        if prop is None:
            return None
        value = prop.dt
    except (BrokenCalendarProperty, ValueError, TypeError, AttributeError):
        raise _bad_date(number) from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            value.utcoffset()
        except Exception:  # a broken VTIMEZONE can fail here, whatever it raises
            raise _bad_date(number) from None
    return value


def _start_and_duration(event: Event, number: int) -> tuple[date | datetime, timedelta]:
    start = _decoded(event, "DTSTART", number)
    if start is None or not isinstance(start, (date, datetime)):
        raise _bad_date(number)
    end = _decoded(event, "DTEND", number)
    duration = _decoded(event, "DURATION", number)
    if end is not None:
        if not isinstance(end, (date, datetime)) or isinstance(end, datetime) != isinstance(start, datetime):
            raise _bad_date(number)
        try:
            length = end - start
        except TypeError:  # one aware, one floating
            raise _bad_date(number) from None
    elif duration is not None:
        if not isinstance(duration, timedelta):
            raise _bad_date(number)
        length = duration
    else:
        # RFC 5545: a whole-day event without an end lasts the day; a timed one, no time.
        length = timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)
    if length < timedelta(0):
        raise _bad_date(number)
    return start, length


def _interval(start: date | datetime, length: timedelta, zone: ZoneInfo) -> Optional[Interval]:
    """The local interval of one occurrence, or None for an instant (it blocks nothing)."""
    if isinstance(start, datetime) and start.tzinfo is not None:
        # Add the length on absolute time, so an event across a DST change keeps its length.
        begin_local = _local(start, zone)
        end_local = _local(start.astimezone(ZoneInfo("UTC")) + length, zone)
    else:
        begin_local = _local(start, zone)
        end_local = _local(start, zone) + length
    if end_local <= begin_local:
        return None
    return begin_local, end_local


def _recurrence_key(value: date | datetime, zone: ZoneInfo) -> datetime:
    return _local(value, zone)


def _overridden_occurrences(events: list[Event], zone: ZoneInfo) -> dict[str, set[datetime]]:
    """UID -> local starts of occurrences that a RECURRENCE-ID event replaces."""
    overrides: dict[str, set[datetime]] = {}
    for number, event in enumerate(events, start=1):
        if event.get("RECURRENCE-ID") is None:
            continue
        recurrence_id = _decoded(event, "RECURRENCE-ID", number)
        if not isinstance(recurrence_id, (date, datetime)):
            raise _bad_date(number)
        overrides.setdefault(str(event.get("UID", "")), set()).add(_recurrence_key(recurrence_id, zone))
    return overrides


def _occurrences(
    event: Event,
    number: int,
    zone: ZoneInfo,
    window: Interval,
    overrides: dict[str, set[datetime]],
    budget: _Budget,
) -> Iterator[Interval]:
    start, length = _start_and_duration(event, number)
    rules = event.get("RRULE")
    extra_dates = event.get("RDATE")
    if event.get("RECURRENCE-ID") is not None or (rules is None and extra_dates is None):
        budget.spend()
        interval = _interval(start, length, zone)
        if interval is not None:
            yield interval
        return
    replaced = overrides.get(str(event.get("UID", "")), set())
    for occurrence in _expand(event, number, start, window, zone, budget):
        if _recurrence_key(occurrence, zone) in replaced:
            continue
        interval = _interval(occurrence, length, zone)
        if interval is not None:
            yield interval


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _recurrence_error(number: int) -> IcsImportError:
    return IcsImportError(
        _l("Event number %(number)d has a repetition rule that cannot be read.", number=number)
    )


def _like_start(value: date | datetime, dtstart: datetime, zone: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """`value` as a datetime comparable with `dtstart` (both aware or both naive)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0))
    if dtstart.tzinfo is None:
        return _local(value, zone)
    if value.tzinfo is None:
        return value.replace(tzinfo=dtstart.tzinfo)
    return value


def _expand(
    event: Event,
    number: int,
    start: date | datetime,
    window: Interval,
    zone: ZoneInfo,
    budget: _Budget,
) -> Iterator[date | datetime]:
    """Starts of the occurrences of a recurring event up to the end of `window`.

    dateutil steps through every candidate day between DTSTART and UNTIL even when its
    filters reject them all (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`` would run to year 9999),
    so UNTIL is clamped to the window's end, COUNT is applied by slicing, and the days the
    rules span are charged to the file's budget before any stepping starts.
    """
    timed = isinstance(start, datetime)
    dtstart = start if timed else datetime.combine(start, time(0))
    window_end = _like_start(window[1], dtstart, zone)
    streams: list[Iterator[datetime]] = []
    excluded: set[datetime] = set()
    try:
        for rule in _as_list(event.get("RRULE")):
            frequency = str(rule.get("FREQ", [""])[0]).upper()
            if frequency in REFUSED_FREQUENCIES:
                raise IcsImportError(
                    _l("Event number %(number)d repeats more often than daily; such a calendar cannot be imported.",
                       number=number)
                )
            until = window_end
            if rule.get("UNTIL"):
                until = min(until, _like_start(rule["UNTIL"][0], dtstart, zone, end_of_day=True))
            count = int(rule["COUNT"][0]) if rule.get("COUNT") else None
            budget.spend_days(max(0, (_local(until, zone) - _local(dtstart, zone)).days))
            bare = vRecur({key: value for key, value in rule.items() if key not in ("UNTIL", "COUNT")})
            parsed = rrulestr(bare.to_ical().decode("ascii"), dtstart=dtstart, cache=False)
            if until < dtstart:
                continue
            streams.append(itertools.islice(iter(parsed.replace(until=until)), count))
        extra: list[datetime] = []
        for name, target in (("RDATE", extra), ("EXDATE", None)):
            for prop in _as_list(event.get(name)):
                for item in getattr(prop, "dts", []):
                    value = item.dt
                    if isinstance(value, tuple):  # an RDATE period: its start
                        value = value[0]
                    value = _like_start(value, dtstart, zone)
                    if target is None:
                        excluded.add(value)
                    else:
                        target.append(value)
        streams.append(iter(sorted(extra)))
    except IcsImportError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, BrokenCalendarProperty):
        raise _recurrence_error(number) from None

    previous: Optional[datetime] = None
    try:
        for occurrence in heapq.merge(*streams):
            budget.spend()
            if occurrence >= window_end:
                return
            if occurrence == previous or occurrence in excluded:
                continue
            previous = occurrence
            yield occurrence if timed else occurrence.date()
    except IcsImportError:
        raise
    except (ValueError, TypeError, OverflowError):
        raise _recurrence_error(number) from None
