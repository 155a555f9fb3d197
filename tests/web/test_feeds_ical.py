"""The iCalendar writer on its own: Chinese text round trips, folding at 75 octets, time
zones with daylight saving, reminders, and the privacy helpers of the event content."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.feed_content import EventContent, EventTexts, redact_phone_numbers, surname_of
from scheduler.ical import CALENDAR_END, CalendarInfo, EventStamp, Reminder, calendar_head, event_ical, reminder_offsets
from tests.feeds.icaljs import parse_with_icaljs

STAMP = datetime(2026, 11, 20, 8, 30, 5, tzinfo=UTC)

#: Chinese text with what iCalendar must escape: commas, semicolons, backslashes, newlines.
CHINESE = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from(list("，。、；：！？“”（）《》【】 ,;:\\\n\"'abc0123456789")),
        st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # four-byte ideographs
    ),
    min_size=1,
    max_size=300,
).filter(lambda text: text.strip() == text and text.strip())


def content(title: str = "书法班", *, start: str = "2026-12-07T09:00", end: str = "2026-12-07T11:00",
            zone: str = "Asia/Shanghai", about: str = "") -> EventContent:
    return EventContent(
        public=False, title=title, start=start, end=end, timezone=zone, venue="活动室", address="幸福路18号",
        activity_kind="class", activity_title=title, about=about, path="/volunteer/shifts/1",
        names_mode="full", role="讲师",
    )


def calendar_of(*events: bytes, zone: str = "Asia/Shanghai") -> bytes:
    info = CalendarInfo(
        name="我的志愿服务", description="测试", timezone=zone, refresh=timedelta(hours=1),
        source_url="https://example.org/feeds/x.ics", page_url="https://example.org/my/calendar",
    )
    return calendar_head(info) + b"".join(events) + CALENDAR_END


def one_event(summary: str, description: str, *, uid: str = "e1@example.org", **kwargs) -> bytes:
    texts = EventTexts(summary=summary, description=description, location="活动室，幸福路18号",
                       categories=("课程", summary[:20]))
    stamp = EventStamp(uid=uid, sequence=3, cancelled=False, created=STAMP, last_modified=STAMP)
    return event_ical(content(summary, **kwargs), texts, stamp, url="https://example.org/s/1",
                      reminders=[Reminder("before-60", timedelta(hours=1), summary)])


def assert_folded(data: bytes) -> None:
    """Every physical line is at most 75 octets and whole UTF-8 (no character split)."""
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # raises if a character was cut in two
    assert b"\n" not in data.replace(b"\r\n", b""), "bare newline in the feed"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summary=CHINESE, description=CHINESE)
def test_chinese_text_round_trips_through_icalendar_and_folds_at_75_octets(summary, description):
    data = calendar_of(one_event(summary, description))
    assert_folded(data)
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["summary"]) == summary
    assert str(event["description"]) == description
    assert event["sequence"] == 3


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.tuples(CHINESE, CHINESE), min_size=1, max_size=8))
def test_chinese_text_round_trips_through_icaljs(texts):
    events = [one_event(summary, description, uid=f"e{index}@example.org")
              for index, (summary, description) in enumerate(texts)]
    data = calendar_of(*events)
    assert_folded(data)
    parsed = parse_with_icaljs(data)
    assert [(event["summary"], event["description"]) for event in parsed["events"]] == texts


def test_a_long_chinese_line_is_folded_between_characters():
    summary = "社区志愿服务" * 30
    data = calendar_of(one_event(summary, "说明"))
    summary_lines = re.search(rb"SUMMARY:.*?\r\n(?! )", data, re.S).group(0).split(b"\r\n")[:-1]
    assert len(summary_lines) > 3
    assert all(len(line) <= 75 for line in summary_lines)
    assert all(line.startswith(b" ") for line in summary_lines[1:])
    assert max(len(line) for line in summary_lines) >= 73, "folding should use the room it has"


@pytest.mark.parametrize("zone, local, offset_hours", [
    ("Asia/Shanghai", "2026-12-07T09:00", 8),
    ("Europe/Berlin", "2026-07-06T09:00", 2),   # summer time
    ("Europe/Berlin", "2026-12-07T09:00", 1),   # winter time
    ("America/New_York", "2026-11-02T09:00", -5),  # the day after DST ended
])
def test_times_are_in_the_zone_for_both_parsers(zone, local, offset_hours):
    end = (datetime.fromisoformat(local) + timedelta(hours=2)).isoformat(timespec="minutes")
    data = calendar_of(one_event("讲座", "说明", start=local, end=end, zone=zone), zone=zone)
    expected = datetime.fromisoformat(local).replace(tzinfo=UTC) - timedelta(hours=offset_hours)
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert event["dtstart"].params["TZID"] == zone
    assert event.decoded("dtstart").astimezone(UTC) == expected
    assert event.decoded("dtstamp") == STAMP  # DTSTAMP is UTC, as RFC 5545 requires
    [js] = parse_with_icaljs(data)["events"]
    assert js["start"]["tzid"] == zone
    assert datetime.fromisoformat(js["start"]["utc"].replace("Z", "+00:00")) == expected
    assert data.count(b"BEGIN:VTIMEZONE") == 1 and f"TZID:{zone}".encode() in data


def test_calendar_properties():
    data = calendar_of()
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["version"] == "2.0" and calendar["prodid"].startswith("-//")
    assert calendar["name"] == calendar["x-wr-calname"] == "我的志愿服务"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in data
    parsed = parse_with_icaljs(data)
    assert parsed["refresh_value_type"] == "duration" and parsed["x_published_ttl"] == "PT1H"


# --------------------------------------------------------------------------- reminders


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("start, evening, minutes, expected", [
    ("2026-12-07T09:00", time(20, 0), 60, [("evening", 13 * 3600), ("before-60", 3600)]),
    ("2026-12-08T21:00", time(20, 0), 60, [("evening", 25 * 3600), ("before-60", 3600)]),
    ("2026-12-08T00:30", time(20, 0), None, [("evening", 4.5 * 3600)]),
    ("2026-12-07T09:00", None, 30, [("before-30", 1800)]),
    ("2026-12-07T20:00", time(20, 0), 1440, [("evening", 86400)]),  # the same moment once
    ("2026-12-07T09:00", None, None, []),
])
def test_reminder_offsets(start, evening, minutes, expected):
    offsets = reminder_offsets(datetime.fromisoformat(start), SHANGHAI, evening_before=evening, minutes_before=minutes)
    assert [(key, before.total_seconds()) for key, before in offsets] == expected


def test_the_evening_reminder_counts_a_daylight_saving_change():
    # Europe/Berlin moves the clocks forward at 02:00 on 2026-03-29: 20:00 the evening
    # before a 09:00 start is 12 hours before it, not 13.
    offsets = reminder_offsets(datetime(2026, 3, 29, 9, 0), ZoneInfo("Europe/Berlin"),
                               evening_before=time(20, 0), minutes_before=None)
    assert offsets == [("evening", timedelta(hours=12))]


def test_a_cancelled_event_has_no_reminders():
    texts = EventTexts(summary="【已取消】书法班", description="此活动已取消。", location="")
    stamp = EventStamp(uid="x@example.org", sequence=1, cancelled=True, created=STAMP, last_modified=STAMP)
    data = event_ical(content(), texts, stamp, url="https://example.org/s/1",
                      reminders=[Reminder("before-60", timedelta(hours=1), "x")])
    assert b"BEGIN:VALARM" not in data and b"STATUS:CANCELLED" in data


# --------------------------------------------------------------------------- privacy helpers


@pytest.mark.parametrize("text, expected", [
    ("咨询电话 13800138000", "咨询电话 ***"),
    ("手机：138 0013 8000。", "手机：***。"),
    ("+86 138-0013-8000", "***"),
    ("座机 010-62345678 转 8", "座机 *** 转 8"),
    ("0755 8765432", "***"),
    ("客服 400-810-8888", "客服 ***"),
    ("总机 62345678", "总机 ***"),
    ("幸福路18号3栋201室", "幸福路18号3栋201室"),
    ("2026年12月7日 9:00-11:00", "2026年12月7日 9:00-11:00"),
    ("限20人", "限20人"),
])
def test_redact_phone_numbers(text, expected):
    assert redact_phone_numbers(text) == expected


@pytest.mark.parametrize("name, surname", [
    ("王秀英", "王"),
    ("欧阳娜娜", "欧阳"),
    ("欧阳", "欧"),  # a two-character name is surname + given name
    ("司马光", "司马"),
    ("Wang Xiuying", "Wang"),
    ("  李明 ", "李"),
    ("", ""),
])
def test_surname_of(name, surname):
    assert surname_of(name) == surname
