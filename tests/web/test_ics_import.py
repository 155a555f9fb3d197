"""Importing busy times from an .ics file: zones, recurrences, replacement, hostile files.

The service is tested directly with a fixed `TODAY`; the upload page is tested at the end.
Messages come out in Chinese, the default language.
"""

from __future__ import annotations

import io
import time as clock
from datetime import date, datetime, timedelta

import pytest

from scheduler import ics_import
from scheduler.extensions import db
from scheduler.ics_import import IcsImportError, import_busy_times
from scheduler.models import BusyTime
from tests.web.conftest import field_errors, page_text

TODAY = date(2026, 12, 1)


def calendar(*events: str, extra: str = "") -> bytes:
    """A VCALENDAR around `events` (each the lines inside one VEVENT)."""
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}@test\r\nDTSTAMP:20261101T000000Z\r\n{e.strip()}\r\nEND:VEVENT\r\n"
                   for n, e in enumerate(events))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n{extra}{body}END:VCALENDAR\r\n").encode()


def lines(*items: str) -> str:
    return "\r\n".join(items)


def busy(volunteer) -> list[tuple[datetime, datetime]]:
    db.session.expire_all()
    return [(row.starts_at, row.ends_at) for row in volunteer.profile.busy_times]


@pytest.fixture
def volunteer(make_volunteer):
    return make_volunteer()


def test_zones_are_converted_into_the_communitys(volunteer):
    data = calendar(
        lines("DTSTART;TZID=Europe/Berlin:20261207T090000", "DTEND;TZID=Europe/Berlin:20261207T100000"),
        lines("DTSTART:20261208T010000Z", "DTEND:20261208T020000Z"),
        lines("DTSTART:20261209T140000", "DURATION:PT90M"),  # floating: community wall-clock
    )
    result = import_busy_times(volunteer.profile, data, filename="mine.ics", today=TODAY)
    db.session.commit()
    assert result.event_count == 3 and result.busy_count == 3
    assert busy(volunteer) == [
        (datetime(2026, 12, 7, 16, 0), datetime(2026, 12, 7, 17, 0)),  # Berlin +1 -> Shanghai +8
        (datetime(2026, 12, 8, 9, 0), datetime(2026, 12, 8, 10, 0)),
        (datetime(2026, 12, 9, 14, 0), datetime(2026, 12, 9, 15, 30)),
    ]


def test_community_zone_is_used(make_community, make_volunteer):
    london = make_community(slug="london", timezone="Europe/London")
    volunteer = make_volunteer(london)
    import_busy_times(volunteer.profile, calendar(lines("DTSTART:20260701T090000Z", "DTEND:20260701T100000Z")),
                      today=date(2026, 6, 1))
    db.session.commit()
    assert busy(volunteer) == [(datetime(2026, 7, 1, 10, 0), datetime(2026, 7, 1, 11, 0))]  # BST


def test_custom_vtimezone(volunteer):
    zone = lines(
        "BEGIN:VTIMEZONE", "TZID:My Office Time", "BEGIN:STANDARD", "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500", "END:STANDARD", "END:VTIMEZONE",
    ) + "\r\n"
    data = calendar(lines("DTSTART;TZID=My Office Time:20261207T090000", "DURATION:PT1H"), extra=zone)
    import_busy_times(volunteer.profile, data, today=TODAY)
    db.session.commit()
    assert busy(volunteer) == [(datetime(2026, 12, 7, 12, 0), datetime(2026, 12, 7, 13, 0))]


def test_all_day_events_block_whole_days(volunteer):
    data = calendar(
        lines("DTSTART;VALUE=DATE:20261210", "DTEND;VALUE=DATE:20261212"),
        lines("DTSTART;VALUE=DATE:20261220"),
    )
    import_busy_times(volunteer.profile, data, today=TODAY)
    db.session.commit()
    assert busy(volunteer) == [
        (datetime(2026, 12, 10), datetime(2026, 12, 12)),
        (datetime(2026, 12, 20), datetime(2026, 12, 21)),
    ]


def test_recurrence_with_exdate_override_and_count(volunteer):
    data = calendar(
        lines(
            "DTSTART;TZID=Asia/Shanghai:20261207T190000", "DTEND;TZID=Asia/Shanghai:20261207T200000",
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4", "EXDATE;TZID=Asia/Shanghai:20261214T190000",
        ),
        # The third Monday moved to Tuesday (same UID as event 0 would be needed): own UID here.
    )
    import_busy_times(volunteer.profile, data, today=TODAY)
    db.session.commit()
    starts = [start for start, _ in busy(volunteer)]
    assert starts == [datetime(2026, 12, 7, 19), datetime(2026, 12, 21, 19), datetime(2026, 12, 28, 19)]


def test_recurrence_id_replaces_one_occurrence(volunteer):
    body = (
        "BEGIN:VEVENT\r\nUID:series@test\r\nDTSTART:20261207T100000\r\nDTEND:20261207T110000\r\n"
        "RRULE:FREQ=DAILY;UNTIL=20261209T235959\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:series@test\r\nRECURRENCE-ID:20261208T100000\r\n"
        "DTSTART:20261208T150000\r\nDTEND:20261208T160000\r\nEND:VEVENT\r\n"
    )
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n".encode()
    import_busy_times(volunteer.profile, data, today=TODAY)
    db.session.commit()
    assert [start for start, _ in busy(volunteer)] == [
        datetime(2026, 12, 7, 10), datetime(2026, 12, 8, 15), datetime(2026, 12, 9, 10),
    ]


def test_recurrence_keeps_local_time_across_dst(make_community, make_volunteer):
    berlin = make_community(slug="berlin", timezone="Europe/Berlin")
    volunteer = make_volunteer(berlin)
    data = calendar(lines("DTSTART;TZID=Europe/Berlin:20270322T090000", "DURATION:PT1H",
                          "RRULE:FREQ=WEEKLY;COUNT=3"))
    import_busy_times(volunteer.profile, data, today=date(2027, 3, 1))
    db.session.commit()
    assert [start.hour for start, _ in busy(volunteer)] == [9, 9, 9]  # 2027-03-28 is the DST change


def test_open_ended_recurrence_stops_at_the_import_window(volunteer):
    data = calendar(lines("DTSTART:20200106T090000", "DTEND:20200106T100000", "RRULE:FREQ=WEEKLY"))
    result = import_busy_times(volunteer.profile, data, today=TODAY)
    assert result.first >= datetime(2026, 12, 1)
    assert result.last <= datetime.combine(TODAY + timedelta(days=ics_import.IMPORT_DAYS), datetime.min.time())
    assert 25 <= result.busy_count <= 27  # about half a year of Mondays


def test_free_cancelled_and_past_events_are_skipped(volunteer):
    data = calendar(
        lines("DTSTART:20261207T090000", "DTEND:20261207T100000", "TRANSP:TRANSPARENT"),
        lines("DTSTART:20261207T110000", "DTEND:20261207T120000", "STATUS:CANCELLED"),
        lines("DTSTART:20250101T090000", "DTEND:20250101T100000"),
        lines("DTSTART:20261207T130000", "DTEND:20261207T140000"),
    )
    result = import_busy_times(volunteer.profile, data, today=TODAY)
    assert result.skipped_free == 2
    assert busy(volunteer) == [(datetime(2026, 12, 7, 13), datetime(2026, 12, 7, 14))]


def test_overlapping_events_are_merged(volunteer):
    data = calendar(
        lines("DTSTART:20261207T090000", "DTEND:20261207T110000"),
        lines("DTSTART:20261207T100000", "DTEND:20261207T120000"),
    )
    import_busy_times(volunteer.profile, data, today=TODAY)
    assert busy(volunteer) == [(datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 12))]


def test_reimport_replaces_the_previous_import(volunteer):
    import_busy_times(volunteer.profile, calendar(lines("DTSTART:20261207T090000", "DURATION:PT1H")), today=TODAY)
    db.session.commit()
    import_busy_times(volunteer.profile, calendar(lines("DTSTART:20261208T090000", "DURATION:PT1H")), today=TODAY)
    db.session.commit()
    assert busy(volunteer) == [(datetime(2026, 12, 8, 9), datetime(2026, 12, 8, 10))]
    assert db.session.query(BusyTime).count() == 1


# --------------------------------------------------------------------------- refused files

HOSTILE = {
    "empty": (b"", "文件是空的"),
    "not a calendar": (b"<html><body>hello</body></html>", "BEGIN:VCALENDAR"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "不是日历文件"),
    "latin-1": ("BEGIN:VCALENDAR\r\nX-NAME:caf\xe9\r\nEND:VCALENDAR\r\n".encode("latin-1"), "UTF-8"),
    "bad month": (calendar(lines("DTSTART:20261309T010000", "DURATION:PT1H")), "第 1 个日程"),
    "end before start": (calendar(lines("DTSTART:20261207T100000", "DTEND:20261207T090000")), "第 1 个日程"),
    "no start": (calendar(lines("SUMMARY:nothing")), "第 1 个日程"),
    "date and time mixed": (calendar(lines("DTSTART;VALUE=DATE:20261207", "DTEND:20261207T090000")), "第 1 个日程"),
    "every second": (calendar(lines("DTSTART:20261207T100000", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")),
                     "高于每天一次"),
    "bad rule": (calendar(lines("DTSTART:20261207T100000", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;BYDAY=XX")),
                 "重复规则"),
    "two calendars": (calendar(lines("DTSTART:20261207T100000")) * 2, "正好有一个日历"),
    "unterminated": (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20261207T100000\r\n", "已损坏"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE), ids=str)
def test_bad_files_are_refused_and_keep_the_old_import(volunteer, case):
    import_busy_times(volunteer.profile, calendar(lines("DTSTART:20261207T090000", "DURATION:PT1H")), today=TODAY)
    db.session.commit()
    data, expected = HOSTILE[case]
    with pytest.raises(IcsImportError) as refused:
        import_busy_times(volunteer.profile, data, today=TODAY)
    db.session.rollback()
    assert expected in str(refused.value)
    assert busy(volunteer) == [(datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 10))]


def test_size_cap(volunteer):
    padding = "X-PAD:" + "a" * 70 + "\r\n"
    data = calendar(lines("DTSTART:20261207T090000", "DURATION:PT1H"),
                    extra=padding * (ics_import.MAX_BYTES // len(padding) + 1))
    with pytest.raises(IcsImportError, match="文件太大"):
        import_busy_times(volunteer.profile, data, today=TODAY)


def test_event_count_cap(volunteer):
    events = [lines(f"DTSTART:2026120{1 + n % 9}T0{n % 10}0000", "DURATION:PT1M")
              for n in range(ics_import.MAX_EVENTS + 1)]
    with pytest.raises(IcsImportError, match="超过 3000 个"):
        import_busy_times(volunteer.profile, calendar(*events), today=TODAY)


def test_recurrence_expansion_is_capped(volunteer, monkeypatch):
    monkeypatch.setattr(ics_import, "MAX_EXPANSION_STEPS", 50)
    data = calendar(lines("DTSTART:20261201T090000", "DURATION:PT1H", "RRULE:FREQ=DAILY"))
    with pytest.raises(IcsImportError, match="重复的日程太多"):
        import_busy_times(volunteer.profile, data, today=TODAY)


def test_impossible_rules_reaching_far_back_are_refused_quickly(volunteer):
    # dateutil would step through every day to year 9999 looking for a 30 February.
    hostile = [lines(f"DTSTART:0{100 + n}0101T090000", "DURATION:PT1H", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
               for n in range(5)]
    started = clock.perf_counter()
    with pytest.raises(IcsImportError, match="开始得太早"):
        import_busy_times(volunteer.profile, calendar(*hostile), today=TODAY)
    # Not a timing assertion on speed, only a guard that the cap applied before stepping.
    assert clock.perf_counter() - started < 30


def test_impossible_rule_within_the_window_yields_nothing(volunteer):
    data = calendar(lines("DTSTART:20261201T090000", "DURATION:PT1H", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"))
    assert import_busy_times(volunteer.profile, data, today=TODAY).busy_count == 0


# --------------------------------------------------------------------------- the page


def test_upload_page_imports_and_clears(client, login, volunteer):
    login(client, volunteer)
    data = calendar(lines("DTSTART:20991207T090000", "DURATION:PT1H"),
                    lines(f"DTSTART:{(date.today() + timedelta(days=3)):%Y%m%d}T090000", "DURATION:PT1H"))
    response = client.post("/volunteer/calendar-import", data={"file": (io.BytesIO(data), "mine.ics")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert len(busy(volunteer)) == 1  # 2099 is beyond the import window
    assert "已从 2 个日程导入 1 段忙碌时间" in page_text(response)
    response = client.post("/volunteer/calendar-import/clear", follow_redirects=True)
    assert response.status_code == 200 and busy(volunteer) == []


def test_upload_page_shows_the_fault_beside_the_field(client, login, volunteer):
    login(client, volunteer)
    response = client.post("/volunteer/calendar-import",
                           data={"file": (io.BytesIO(b"hello world"), "notes.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    errors = field_errors(response)["file"]
    assert errors and ("ics" in " ".join(errors).lower())
    response = client.post("/volunteer/calendar-import", data={}, content_type="multipart/form-data")
    assert field_errors(response)["file"]
