"""Reading a feed the way calendar apps do: with the icalendar package and with ICAL.js.

`read_feed` parses the same bytes with both, checks that they agree on every event (UID,
status, sequence, summary, description, location, start and end as absolute instants,
zone, reminders) and returns the events as `FeedEventView`s for the tests to inspect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

import icalendar

from tests.feeds.icaljs import parse_with_icaljs


@dataclass(frozen=True)
class FeedEventView:
    """One event as both parsers read it."""

    uid: str
    summary: str
    description: str
    location: Optional[str]
    status: str
    sequence: int
    start_local: str
    end_local: str
    tzid: str
    start_utc: datetime
    end_utc: datetime
    dtstamp: datetime
    last_modified: datetime
    url: str
    categories: tuple[str, ...]
    alarm_seconds: tuple[int, ...]

    @property
    def cancelled(self) -> bool:
        return self.status == "CANCELLED"


@dataclass(frozen=True)
class FeedView:
    """A whole feed: calendar properties and events in feed order."""

    raw: bytes
    calendar: icalendar.Calendar
    icaljs: dict
    events: list[FeedEventView]

    def by_summary(self, text: str) -> list[FeedEventView]:
        """Events whose summary contains `text`."""
        return [event for event in self.events if text in event.summary]

    def one(self, text: str) -> FeedEventView:
        """The single event whose summary contains `text`."""
        found = self.by_summary(text)
        assert len(found) == 1, f"expected one event with {text!r}, got {[e.summary for e in self.events]}"
        return found[0]

    def by_uid(self) -> dict[str, FeedEventView]:
        return {event.uid: event for event in self.events}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def read_feed(data: bytes) -> FeedView:
    """Parse `data` with both parsers, insist that they agree, and return the events."""
    calendar = icalendar.Calendar.from_ical(data)
    js = parse_with_icaljs(data)
    python_events = calendar.walk("VEVENT")
    assert len(python_events) == len(js["events"]), "the parsers see different numbers of events"
    views = []
    for py, js_event in zip(python_events, js["events"]):
        start, end = py.decoded("dtstart"), py.decoded("dtend")
        assert start.tzinfo is not None and end.tzinfo is not None, "floating time"
        tzid = py["dtstart"].params.get("TZID")
        assert tzid and py["dtend"].params.get("TZID") == tzid, "event times must carry the feed's TZID"
        alarms = tuple(int(alarm.decoded("trigger").total_seconds()) for alarm in py.walk("VALARM"))
        view = FeedEventView(
            uid=str(py["uid"]),
            summary=str(py["summary"]),
            description=str(py.get("description", "")),
            location=str(py["location"]) if "location" in py else None,
            status=str(py["status"]),
            sequence=int(py["sequence"]),
            start_local=start.replace(tzinfo=None).isoformat(timespec="minutes"),
            end_local=end.replace(tzinfo=None).isoformat(timespec="minutes"),
            tzid=tzid,
            start_utc=start.astimezone(UTC),
            end_utc=end.astimezone(UTC),
            dtstamp=py.decoded("dtstamp").astimezone(UTC),
            last_modified=py.decoded("last-modified").astimezone(UTC),
            url=str(py["url"]),
            categories=_categories(py),
            alarm_seconds=alarms,
        )
        _agree(view, js_event)
        views.append(view)
    return FeedView(data, calendar, js, views)


def _categories(event) -> tuple[str, ...]:
    if "categories" not in event:
        return ()
    decoded = event.decoded("categories")
    values = decoded if isinstance(decoded, list) else [decoded]
    return tuple(str(item) for value in values for item in getattr(value, "cats", [value]))


def _agree(view: FeedEventView, js: dict) -> None:
    """ICAL.js must read the event exactly as icalendar does."""
    assert js["uid"] == view.uid
    assert js["summary"] == view.summary
    assert (js["description"] or "") == view.description
    assert js["location"] == view.location
    assert js["status"] == view.status
    assert js["sequence"] == view.sequence
    assert js["dtstart_tzid"] == view.tzid and js["start"]["tzid"] == view.tzid, "ICAL.js did not resolve the zone"
    assert _utc(js["start"]["utc"]) == view.start_utc, "ICAL.js puts the start at another instant"
    assert _utc(js["end"]["utc"]) == view.end_utc, "ICAL.js puts the end at another instant"
    assert js["start"]["local"].startswith(view.start_local)
    assert _stamp(js["dtstamp"]) == view.dtstamp
    assert _stamp(js["last_modified"]) == view.last_modified
    assert js["url"] == view.url
    assert tuple(js["categories"]) == view.categories
    assert tuple(alarm["trigger_seconds"] for alarm in js["alarms"]) == view.alarm_seconds


PHONE_LIKE = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{7,})(?![0-9])")


def unfolded_text(data: bytes) -> str:
    """The feed's text with folded lines joined (so a number split by folding is found)."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
