"""iCalendar (RFC 5545, RFC 7986) serialisation of feeds, built with the icalendar package.

A feed is `calendar_head` (the calendar's properties and the ``VTIMEZONE`` of its zone),
then one `event_ical` per event, then `CALENDAR_END`. Events are serialised one by one so
that `scheduler.feeds` can cache each event's bytes in the ledger and only serialise again
what changed.

* Event times carry the community's ``TZID`` (never floating, never UTC-only), and the
  ``VTIMEZONE`` that defines it is always in the feed. ``DTSTAMP``, ``CREATED`` and
  ``LAST-MODIFIED`` are UTC, as RFC 5545 requires, and come from the ledger, not the clock.
* The calendar has ``NAME`` and ``X-WR-CALNAME``, ``REFRESH-INTERVAL;VALUE=DURATION`` and
  ``X-PUBLISHED-TTL``, ``SOURCE`` and ``URL``.
* Lines are folded at 75 octets by icalendar, between characters, so a Chinese character
  (three octets in UTF-8) is never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Optional, Sequence
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vDuration

from scheduler.feed_content import EventContent, EventTexts

PRODID = "-//Community Volunteer Service//Calendar Feeds 1.0//ZH"
CALENDAR_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class CalendarInfo:
    """The calendar's own properties."""

    name: str
    description: str
    timezone: str
    refresh: timedelta
    source_url: str
    page_url: str


@dataclass(frozen=True)
class EventStamp:
    """The ledger's bookkeeping of one event."""

    uid: str
    sequence: int
    cancelled: bool
    created: datetime
    last_modified: datetime


@dataclass(frozen=True)
class Reminder:
    """A ``VALARM``: shown `before` the start; `key` makes its UID."""

    key: str
    before: timedelta
    description: str


@lru_cache(maxsize=32)
def vtimezone(tzid: str) -> bytes:
    """The ``VTIMEZONE`` of an IANA zone (built once per process).

    icalendar lists a zone's transitions as one ``RDATE`` with many values; ICAL.js (and so
    Thunderbird) reads only the first value of each ``RDATE`` and would put summer events an
    hour off, so every transition gets an ``RDATE`` line of its own.
    """
    timezone = Timezone.from_tzid(tzid)
    for observance in timezone.subcomponents:
        rdates = observance.pop("RDATE", None)
        if rdates is None:
            continue
        for value in rdates if isinstance(rdates, list) else [rdates]:
            for moment in value.dts:
                observance.add("RDATE", moment.dt)
    return timezone.to_ical()


@lru_cache(maxsize=1024)
def calendar_head(info: CalendarInfo) -> bytes:
    """``BEGIN:VCALENDAR``, the calendar's properties and its ``VTIMEZONE`` (no end line);
    the same `info` gives the same bytes, so they are kept per process."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", info.name)
    calendar.add("x-wr-calname", info.name)
    calendar.add("description", info.description)
    calendar.add("x-wr-caldesc", info.description)
    calendar.add("x-wr-timezone", info.timezone)
    calendar.add("refresh-interval", info.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(info.refresh))
    calendar.add("source", info.source_url, parameters={"VALUE": "URI"})
    calendar.add("url", info.page_url, parameters={"VALUE": "URI"})
    whole = calendar.to_ical()
    assert whole.endswith(CALENDAR_END)
    return whole[: -len(CALENDAR_END)] + vtimezone(info.timezone)


def event_ical(
    content: EventContent,
    texts: EventTexts,
    stamp: EventStamp,
    *,
    url: str,
    reminders: Sequence[Reminder] = (),
) -> bytes:
    """One ``VEVENT``, with its ``VALARM`` reminders unless it is cancelled."""
    zone = ZoneInfo(content.timezone)
    event = Event()
    event.add("uid", stamp.uid)
    event.add("dtstamp", stamp.last_modified.astimezone(UTC))
    event.add("created", stamp.created.astimezone(UTC))
    event.add("last-modified", stamp.last_modified.astimezone(UTC))
    event.add("sequence", stamp.sequence)
    event.add("dtstart", content.starts_at.replace(tzinfo=zone))
    event.add("dtend", content.ends_at.replace(tzinfo=zone))
    event.add("summary", texts.summary)
    if texts.location:
        event.add("location", texts.location)
    event.add("description", texts.description)
    event.add("url", url, parameters={"VALUE": "URI"})
    if texts.categories:
        event.add("categories", list(texts.categories))
    event.add("status", "CANCELLED" if stamp.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if content.public or stamp.cancelled else "OPAQUE")
    event.add("class", "PUBLIC" if content.public else "PRIVATE")
    if not stamp.cancelled:
        local_uid = stamp.uid.split("@", 1)[0]
        for reminder in reminders:
            alarm = Alarm()
            alarm.add("uid", f"{local_uid}-{reminder.key}")
            alarm.add("action", "DISPLAY")
            alarm.add("description", reminder.description)
            alarm.add("trigger", -reminder.before)
            event.add_component(alarm)
    return event.to_ical()


def reminder_offsets(
    start: datetime,
    zone: ZoneInfo,
    *,
    evening_before: Optional[time],
    minutes_before: Optional[int],
) -> list[tuple[str, timedelta]]:
    """``(key, before)`` of the reminders of an event starting at local `start`.

    The evening reminder is at `evening_before` on the day before the start, measured on
    absolute time (so a DST change in between is counted); duplicates are dropped.
    """
    offsets: list[tuple[str, timedelta]] = []
    absolute_start = start.replace(tzinfo=zone).astimezone(UTC)
    if evening_before is not None:
        evening = datetime.combine(start.date() - timedelta(days=1), evening_before, tzinfo=zone)
        before = absolute_start - evening.astimezone(UTC)
        if before > timedelta(0):
            offsets.append(("evening", before))
    if minutes_before:
        before = timedelta(minutes=minutes_before)
        if all(before != existing for _key, existing in offsets):
            offsets.append((f"before-{minutes_before}", before))
    return offsets
