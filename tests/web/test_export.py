"""Exporting a week to the schedule document: valid for the engine's parser and exact.

Every document here goes through `solver.parse.parse_problem`; the fields are compared with
what the rows say (fixed / forbidden / previous / history_minutes / availability ...).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest

from scheduler.export import (
    as_assignments,
    database_id,
    draft_assignments,
    export_week,
    history_minutes,
    shift_doc_id,
    volunteer_doc_id,
    write_draft,
)
from scheduler.extensions import db
from scheduler.models import (
    ActivityPreference,
    Availability,
    BusyTime,
    LeaveDate,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpSource,
    SignUpStatus,
)
from scheduler.planning_models import DraftAssignment, DraftExclusion, PlanAssignment, PlanVersion
from scheduler.weeks import generate_week
from solver.domain import Assignment
from solver.parse import parse_problem
from tests.web.planning_fixtures import WEEK, small_week  # noqa: F401

pytestmark = pytest.mark.usefixtures("small_week")


def sign_up(user, shift, role_name, status=SignUpStatus.CONFIRMED, source=SignUpSource.SELF):
    role = next(r for r in shift.roles if r.name == role_name)
    row = SignUp(volunteer=user.profile, shift_role=role, status=status, source=source)
    db.session.add(row)
    db.session.commit()
    return row


def entry(document, section, doc_id):
    return next(item for item in document[section] if item["id"] == doc_id)


def pairs(items):
    return {(item["volunteer"], item["shift"], item.get("role")) for item in items}


def test_document_is_valid_and_maps_every_row(small_week):
    export = export_week(small_week.community, WEEK)
    document = export.document
    problem = parse_problem(json.loads(json.dumps(document)))  # valid after a JSON round trip too
    assert problem == export.problem
    assert document["format"] == "volunteer-schedule/1"
    assert document["timezone"] == "Asia/Shanghai"
    assert document["horizon"] == {"start": "2026-12-07", "end": "2026-12-13"}
    assert len(document["volunteers"]) == len(small_week.volunteers)  # not the coordinator
    assert len(document["shifts"]) == len(small_week.shifts()) == 5
    assert (document["fixed"], document["forbidden"], document["previous"]) == ([], [], [])

    wang = small_week.volunteers["wang"].profile
    assert entry(document, "volunteers", volunteer_doc_id(wang.id)) == {
        "id": f"v{wang.id}", "name": "王秀英", "groups": ["retired_cadre"],
        "skills": {"calligraphy": 3, "reception": 1},
        # Monday to Friday mornings, and the Monday after the week (shifts may end after it).
        "available": [[f"2026-12-{d:02d}T08:00", f"2026-12-{d:02d}T12:00"] for d in (7, 8, 9, 10, 11, 14)],
        "limits": {"max_shifts_per_day": 1, "max_minutes": 480},
    }
    sun = small_week.volunteers["sun"].profile
    assert entry(document, "volunteers", f"v{sun.id}") == {  # no availability rows: any time
        "id": f"v{sun.id}", "name": "孙伟", "groups": ["party_member"], "skills": {"reception": 1}}

    tuesday = small_week.shift("calligraphy", 1)
    assert entry(document, "shifts", shift_doc_id(tuesday.id)) == {
        "id": f"s{tuesday.id}", "activity": "calligraphy", "title": "书画班", "venue": "reading-room",
        "start": "2026-12-08T09:00", "end": "2026-12-08T11:00",
        "roles": [{"role": "讲师", "need": 1, "skills": {"calligraphy": 3}, "continuity": True},
                  {"role": "助教", "need": 1, "max": 2, "skills": {"calligraphy": 1}}],
    }
    museum = small_week.shift("museum")
    assert entry(document, "shifts", f"s{museum.id}")["supervision"] == [
        {"group": "student", "by": ["party_member", "retired_cadre", "social_worker"]}]
    assert entry(document, "shifts", f"s{museum.id}")["roles"][1] == {
        "role": "值班负责人", "need": 1, "groups": ["party_member", "retired_cadre", "social_worker"]}


def test_fixed_are_confirmed_sign_ups_by_the_volunteer_or_a_coordinator(small_week):
    v = small_week.volunteers
    tuesday, thursday = small_week.shift("calligraphy", 1), small_week.shift("calligraphy", 3)
    desk, museum = small_week.shift("desk"), small_week.shift("museum")
    sign_up(v["wang"], tuesday, "讲师")
    sign_up(v["li"], tuesday, "助教", source=SignUpSource.COORDINATOR)
    sign_up(v["zhang"], desk, "接待", source=SignUpSource.SCHEDULER)  # a published plan: previous, not fixed
    sign_up(v["zhou"], thursday, "助教", status=SignUpStatus.WAITLISTED)
    sign_up(v["zhao"], museum, "讲解员", status=SignUpStatus.REMOVED)
    document = export_week(small_week.community, WEEK).document
    assert pairs(document["fixed"]) == {
        (f"v{v['wang'].profile.id}", f"s{tuesday.id}", "讲师"),
        (f"v{v['li'].profile.id}", f"s{tuesday.id}", "助教"),
    }
    assert document["forbidden"] == []
    parse_problem(document)


def test_withdrawals_are_forbidden_unless_the_volunteer_signed_up_again(small_week):
    v = small_week.volunteers
    desk, museum = small_week.shift("desk"), small_week.shift("museum")
    sign_up(v["sun"], desk, "接待", status=SignUpStatus.WITHDRAWN)
    sign_up(v["zhao"], museum, "讲解员", status=SignUpStatus.WITHDRAWN)
    sign_up(v["zhao"], museum, "讲解员")  # changed their mind: confirmed again
    document = export_week(small_week.community, WEEK).document
    assert document["forbidden"] == [{"volunteer": f"v{v['sun'].profile.id}", "shift": f"s{desk.id}"}]
    assert pairs(document["fixed"]) == {(f"v{v['zhao'].profile.id}", f"s{museum.id}", "讲解员")}
    parse_problem(document)


def test_draft_pins_are_fixed_and_exclusions_forbidden_over_a_sign_up(small_week):
    community, v = small_week.community, small_week.volunteers
    thursday, desk = small_week.shift("calligraphy", 3), small_week.shift("desk")
    sign_up(v["sun"], desk, "接待")
    db.session.add_all([
        DraftAssignment(community_id=community.id, week=WEEK, shift=thursday, shift_role=thursday.roles[1],
                        volunteer=v["zhou"].profile, pinned=True),
        DraftAssignment(community_id=community.id, week=WEEK, shift=thursday, shift_role=thursday.roles[0],
                        volunteer=v["wang"].profile, pinned=False),
        DraftExclusion(community_id=community.id, week=WEEK, shift=desk, volunteer=v["sun"].profile),
    ])
    db.session.commit()
    export = export_week(small_week.community, WEEK)
    assert pairs(export.document["fixed"]) == {(f"v{v['zhou'].profile.id}", f"s{thursday.id}", "助教")}
    assert export.document["forbidden"] == [{"volunteer": f"v{v['sun'].profile.id}", "shift": f"s{desk.id}"}]
    assert export.pins == {(v["zhou"].profile.id, thursday.id)}
    without = export_week(small_week.community, WEEK, with_draft=False).document
    assert pairs(without["fixed"]) == {(f"v{v['sun'].profile.id}", f"s{desk.id}", "接待")}
    assert without["forbidden"] == []


def test_previous_is_the_latest_published_version(small_week):
    community, v = small_week.community, small_week.volunteers
    desk, tuesday = small_week.shift("desk"), small_week.shift("calligraphy", 1)
    for number, people in ((1, ["sun", "li"]), (2, ["sun", "zhang"])):
        version = PlanVersion(community=community, week=WEEK, number=number)
        version.assignments = [PlanAssignment(shift=desk, shift_role=desk.roles[0], volunteer=v[name].profile,
                                              role_name="接待") for name in people]
        db.session.add(version)
    db.session.commit()
    tuesday.status = ShiftStatus.CANCELLED  # a cancelled shift's entries cannot be named
    db.session.commit()
    document = export_week(community, WEEK).document
    assert pairs(document["previous"]) == {(f"v{v[name].profile.id}", f"s{desk.id}", "接待") for name in ("sun", "zhang")}
    assert f"s{tuesday.id}" not in {s["id"] for s in document["shifts"]}
    parse_problem(document)


def test_history_minutes_count_four_weeks_of_confirmed_service(small_week, make_shift):
    community, v = small_week.community, small_week.volunteers
    desk = small_week.activities["desk"]
    monday = date(2026, 12, 7)

    def past_shift(days_before: int, status=ShiftStatus.ACTIVE) -> Shift:
        shift = make_shift(desk, day=monday - timedelta(days=days_before))  # 08:30-12:00: 210 minutes
        shift.status = status
        db.session.commit()
        return shift

    sign_up(v["sun"], past_shift(7), "接待")  # counted
    sign_up(v["sun"], past_shift(28), "接待")  # counted: exactly four weeks before
    sign_up(v["sun"], past_shift(35), "接待")  # too long ago
    sign_up(v["sun"], past_shift(14, ShiftStatus.CANCELLED), "接待")  # did not happen
    sign_up(v["zhang"], past_shift(21), "接待", status=SignUpStatus.WITHDRAWN)  # did not serve
    sign_up(v["zhang"], past_shift(22), "接待", source=SignUpSource.SCHEDULER)  # counted, whoever made it
    sign_up(v["sun"], small_week.shift("desk"), "接待")  # this week: not history
    assert history_minutes(community, monday) == {v["sun"].profile.id: 420, v["zhang"].profile.id: 210}
    document = export_week(community, WEEK).document
    assert entry(document, "volunteers", f"v{v['sun'].profile.id}")["history_minutes"] == 420
    assert entry(document, "volunteers", f"v{v['zhang'].profile.id}")["history_minutes"] == 210
    assert "history_minutes" not in entry(document, "volunteers", f"v{v['wang'].profile.id}")


def test_leave_busy_times_preferences_and_midnight_windows(small_week):
    v, community = small_week.volunteers, small_week.community
    li = v["li"].profile
    li.leave_dates.append(LeaveDate(start_date=date(2026, 12, 9), end_date=date(2026, 12, 12), reason="外出"))
    li.busy_times.append(BusyTime(starts_at=datetime(2026, 12, 7, 9, 0), ends_at=datetime(2026, 12, 7, 10, 30)))
    li.busy_times.append(BusyTime(starts_at=datetime(2026, 11, 30, 9), ends_at=datetime(2026, 11, 30, 10)))  # before
    li.preferences = [ActivityPreference(activity=small_week.activities["museum"], weight=3),
                      ActivityPreference(activity=small_week.activities["desk"], weight=-2)]
    sun = v["sun"].profile
    sun.availability = [Availability(weekday=4, start_time=time(18, 0), end_time=time(23, 59)),
                        Availability(weekday=5, start_time=time(0, 0), end_time=time(2, 0))]
    db.session.commit()
    document = export_week(community, WEEK).document
    li_entry = entry(document, "volunteers", f"v{li.id}")
    assert li_entry["days_off"] == ["2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12"]
    assert li_entry["unavailable"] == [["2026-12-07T09:00", "2026-12-07T10:30"]]
    # Windows on leave days are gone; weekend windows remain on Sunday only.
    assert li_entry["available"] == [
        ["2026-12-07T08:00", "2026-12-07T12:00"], ["2026-12-08T08:00", "2026-12-08T12:00"],
        ["2026-12-13T08:00", "2026-12-13T18:00"], ["2026-12-14T08:00", "2026-12-14T12:00"]]
    assert li_entry["prefers"] == [{"activity": "desk", "weight": -2}, {"activity": "museum", "weight": 3}]
    # An evening ending at 23:59 runs to midnight and joins the night after it.
    assert entry(document, "volunteers", f"v{sun.id}")["available"] == [["2026-12-11T18:00", "2026-12-12T02:00"]]
    problem = parse_problem(document)
    assert problem.volunteer_by_id[f"v{sun.id}"].available == ((4 * 1440 + 1080, 5 * 1440 + 120),)


def test_inactive_volunteers_cancelled_shifts_and_other_communities_are_left_out(
        small_week, make_community, make_volunteer, make_activity):
    other = make_community(slug="elsewhere")
    make_volunteer(other, name="外人")
    generate_week(other, WEEK)
    make_activity(other, weekdays=(0,))
    generate_week(other, WEEK)
    small_week.volunteers["wu"].is_active = False
    small_week.shift("baking").status = ShiftStatus.CANCELLED
    db.session.commit()
    document = export_week(small_week.community, WEEK).document
    names = {v["name"] for v in document["volunteers"]}
    assert "吴明轩" not in names and "外人" not in names and len(names) == 7
    assert {s["activity"] for s in document["shifts"]} == {"calligraphy", "desk", "museum"}


def test_fixed_entries_the_volunteer_can_no_longer_take_are_left_out_with_a_note(small_week):
    v, community = small_week.volunteers, small_week.community
    tuesday, desk, thursday = (small_week.shift("calligraphy", 1), small_week.shift("desk"),
                               small_week.shift("calligraphy", 3))
    sign_up(v["wang"], tuesday, "讲师")
    sign_up(v["sun"], desk, "接待")
    sign_up(v["zhou"], thursday, "助教", source=SignUpSource.COORDINATOR)
    # Since signing up: 王秀英's calligraphy level was lowered, 孙伟 took leave on Monday, and
    # 周淑珍 (a coordinator's pin) took leave on Thursday.
    level = next(s for s in v["wang"].profile.skills if s.skill.code == "calligraphy")
    level.level = 2
    v["sun"].profile.leave_dates.append(LeaveDate(start_date=date(2026, 12, 7), end_date=date(2026, 12, 7)))
    v["zhou"].profile.leave_dates.append(LeaveDate(start_date=date(2026, 12, 10), end_date=date(2026, 12, 10)))
    db.session.commit()
    export = export_week(community, WEEK)
    notes = {(n.volunteer_id, n.shift_id): n.reason for n in export.notes}
    assert set(notes) == {(v["wang"].profile.id, tuesday.id), (v["sun"].profile.id, desk.id)}
    assert "calligraphy" in notes[(v["wang"].profile.id, tuesday.id)]
    assert "day off" in notes[(v["sun"].profile.id, desk.id)]
    # The coordinator's pin stays fixed: the engine's conflicts will name it.
    assert pairs(export.document["fixed"]) == {(f"v{v['zhou'].profile.id}", f"s{thursday.id}", "助教")}
    assert parse_problem(export.document).fixed == export.problem.fixed


def test_write_draft_round_trips_the_engine_assignments(small_week):
    community, v = small_week.community, small_week.volunteers
    desk, museum = small_week.shift("desk"), small_week.shift("museum")
    assignments = [Assignment(f"v{v['sun'].profile.id}", f"s{desk.id}", "接待"),
                   Assignment(f"v{v['zhang'].profile.id}", f"s{desk.id}", "接待"),
                   Assignment(f"v{v['li'].profile.id}", f"s{museum.id}", "值班负责人")]
    assert write_draft(community, WEEK, assignments, pins={(v["li"].profile.id, museum.id)}) == 3
    db.session.commit()
    rows = draft_assignments(community, WEEK)
    assert sorted(as_assignments(rows), key=str) == sorted(assignments, key=str)
    assert {(r.volunteer_id, r.pinned, r.origin) for r in rows} == {
        (v["sun"].profile.id, False, "solver"), (v["zhang"].profile.id, False, "solver"),
        (v["li"].profile.id, True, "coordinator")}
    write_draft(community, WEEK, assignments[:1])
    db.session.commit()
    assert as_assignments(draft_assignments(community, WEEK)) == assignments[:1]
    assert database_id("v42") == 42 and database_id("s7") == 7
    with pytest.raises(ValueError):
        database_id("x1")


def test_download_and_cli_give_the_same_document(small_week, client, login, runner):
    login(client, small_week.coordinator)
    response = client.get(f"/planning/test/{WEEK}/problem.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="test-{WEEK}.json"'
    downloaded = json.loads(response.get_data(as_text=True))
    result = runner.invoke(args=["export-week", "--community", "test", "--week", WEEK])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == downloaded == export_week(small_week.community, WEEK).document
    parse_problem(downloaded)
