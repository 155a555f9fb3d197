"""The planning pages over HTTP: closed to everyone but the community's coordinators, and a
coordinator's whole week (generate, auto-schedule in a background thread, progress, review,
reasons, manual edits with rule warnings, publish, versions)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from scheduler import jobs, planning
from scheduler.export import as_assignments, draft_assignments, export_week
from scheduler.extensions import db
from scheduler.planning_models import DraftAssignment, PlanVersion, RunStatus, ScheduleRun
from solver.checker import check
from tests.web.conftest import page_text
from tests.web.planning_fixtures import WEEK, TEST_TIME_LIMIT, TEST_WORKERS, run_now, small_week  # noqa: F401

BASE = f"/planning/test/{WEEK}"


@pytest.fixture
def coordinator_client(client, login, small_week):
    """A client logged in as the small week's coordinator, in English (stable wording)."""
    login(client, small_week.coordinator)
    client.post("/language/en", data={"next": "/"})
    return client


def urls(small_week) -> list[tuple[str, str]]:
    """(method, url) of every planning page of the small week."""
    role = small_week.shift("desk").roles[0]
    shift = small_week.shift("desk")
    run = run_now(small_week.community)
    planning.publish(small_week.community, WEEK)
    db.session.commit()
    return [
        ("GET", "/planning/test/"), ("GET", BASE), ("POST", f"{BASE}/generate"), ("POST", f"{BASE}/runs"),
        ("GET", f"{BASE}/runs/{run.id}"), ("GET", f"{BASE}/runs/{run.id}/progress"),
        ("POST", f"{BASE}/runs/{run.id}/cancel"), ("GET", f"{BASE}/problem.json"),
        ("GET", f"{BASE}/runs/{run.id}/problem.json"), ("GET", f"{BASE}/roles/{role.id}"),
        ("POST", f"{BASE}/roles/{role.id}/assign"), ("POST", f"{BASE}/shifts/{shift.id}/unassign"),
        ("POST", f"{BASE}/shifts/{shift.id}/pin"), ("POST", f"{BASE}/publish"), ("GET", f"{BASE}/versions/1"),
    ]


def test_visitors_are_sent_to_log_in(client, small_week):
    for method, url in urls(small_week):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_volunteers_and_other_communities_coordinators_are_refused(
        client, login, logout, small_week, make_community, make_coordinator):
    targets = urls(small_week)
    outsider = make_coordinator(make_community(slug="other"))
    for user in (small_week.volunteers["wang"], outsider):
        login(client, user)
        for method, url in targets:
            assert client.open(url, method=method, data={"volunteer_id": 1}).status_code == 403, (user, url)
        logout(client)
    assert db.session.scalar(select(PlanVersion.number).order_by(PlanVersion.number.desc())) == 1
    assert len(db.session.scalars(select(ScheduleRun)).all()) == 1


def test_ids_of_the_week_are_checked(coordinator_client, small_week, make_community, make_activity):
    other = make_community(slug="other")
    foreign = make_activity(other, weekdays=(0,))
    from scheduler.weeks import generate_week
    generate_week(other, WEEK)
    db.session.commit()
    foreign_role = foreign.shifts[0].roles[0]
    assert coordinator_client.get("/planning/test/2026-W99").status_code == 404
    assert coordinator_client.get(f"{BASE}/roles/{foreign_role.id}").status_code == 404
    assert coordinator_client.get(f"/planning/test/2026-W51/roles/{small_week.shift('desk').roles[0].id}"
                                  ).status_code == 404
    assert coordinator_client.get(f"{BASE}/versions/1").status_code == 404
    assert coordinator_client.get(f"{BASE}/runs/999").status_code == 404


@pytest.mark.app_config(WTF_CSRF_ENABLED=True, SOLVER_WORKERS=TEST_WORKERS)
def test_actions_need_the_csrf_token(client, small_week):
    with client.session_transaction() as session:
        session["_user_id"] = str(small_week.coordinator.id)
        session["_fresh"] = True
    data = {"time_limit": TEST_TIME_LIMIT, "kind": "schedule"}
    assert client.post(f"{BASE}/runs", data=data).status_code == 400
    assert client.post(f"{BASE}/generate").status_code == 400
    assert db.session.scalars(select(ScheduleRun)).all() == []
    page = client.get(BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"{BASE}/runs", data={**data, "csrf_token": token})
    assert response.status_code == 302
    run = db.session.scalars(select(ScheduleRun)).one()
    assert jobs.join(run.id, timeout=120)


@pytest.mark.app_config(SOLVER_WORKERS=TEST_WORKERS)
def test_a_coordinator_schedules_reviews_edits_and_publishes_a_week(coordinator_client, small_week):
    client, community, v = coordinator_client, small_week.community, small_week.volunteers
    assert client.get("/planning/").headers["Location"].endswith("/planning/test/")
    assert WEEK in page_text(client.get("/planning/test/"))

    response = client.post(f"{BASE}/generate", follow_redirects=True)
    assert "5 shifts this week: 0 new" in page_text(response)  # the fixture generated it already

    response = client.post(f"{BASE}/runs", data={"time_limit": TEST_TIME_LIMIT, "kind": "schedule"})
    run_url = response.headers["Location"]
    run_id = int(re.search(r"/runs/(\d+)$", run_url).group(1))
    assert jobs.join(run_id, timeout=120), "the run's thread did not finish"
    progress = client.get(f"{run_url}/progress").get_json()
    assert progress["status"] == "succeeded" and progress["unfilled_places"] == 1
    assert progress["best_objective"] == pytest.approx(progress["bound"])
    text = page_text(client.get(run_url))
    assert "A schedule was found" in text and "proven best" in text and "烘焙班" in text

    page = client.get(BASE)
    text = page_text(page)
    assert "1 unfilled place" in text and "王秀英" in text and "Unfilled roles and why" in text
    assert "baking" in text  # the engine's reason names the missing skill
    assert 'class="bar-fill' in page.get_data(as_text=True)

    by_venue = page_text(client.get(f"{BASE}?by=venue"))
    assert "reading-room" in by_venue and "书画班" in by_venue and "Venue or grid" in by_venue
    empty_week = page_text(client.get("/planning/test/2026-W51"))
    assert "0 shifts this week." in empty_week and "Generate the shifts first." in empty_week

    baking_role = small_week.shift("baking").roles[0]
    text = page_text(client.get(f"{BASE}/roles/{baking_role.id}"))
    assert "1 person missing: why" in text and "baking level 2 or above" in text and "the best is 钱欣怡" in text

    # Assigning a weekend-only student to the Monday desk: done, with the broken rules named.
    desk_role = small_week.shift("desk").roles[0]
    response = client.post(f"{BASE}/roles/{desk_role.id}/assign",
                           data={"volunteer_id": v["zhao"].profile.id, "pinned": "y"}, follow_redirects=True)
    text = page_text(response)
    assert "赵子涵 is now in 接待" in text
    assert "This breaks a rule (skill level)" in text and "This breaks a rule (weekly availability)" in text
    # ... and taking them out again, which keeps them out of re-solves.
    response = client.post(f"{BASE}/shifts/{desk_role.shift_id}/unassign",
                           data={"volunteer_id": v["zhao"].profile.id, "role_id": desk_role.id},
                           follow_redirects=True)
    assert "Saved: 赵子涵" in page_text(response)

    # Pin someone the engine did not choose, re-solve, and the pin stays.
    thursday_role = small_week.shift("calligraphy", 3).roles[1]
    client.post(f"{BASE}/roles/{thursday_role.id}/assign", data={"volunteer_id": v["zhou"].profile.id, "pinned": "y"})
    response = client.post(f"{BASE}/runs", data={"time_limit": TEST_TIME_LIMIT, "kind": "schedule"})
    second = int(re.search(r"/runs/(\d+)$", response.headers["Location"]).group(1))
    assert jobs.join(second, timeout=120)
    db.session.expire_all()
    rows = draft_assignments(community, WEEK)
    assert (v["zhou"].profile.id, thursday_role.id, True) in {(r.volunteer_id, r.shift_role_id, r.pinned) for r in rows}
    assert v["zhao"].profile.id not in {r.volunteer_id for r in rows if r.shift_id == desk_role.shift_id}
    problem = export_week(community, WEEK).problem
    assert check(problem, as_assignments(rows)).ok

    response = client.post(f"{BASE}/publish", data={"note": "第一版"}, follow_redirects=True)
    text = page_text(response)
    assert "Version 1 published" in text and "Version 1 of week 2026-W50" in text and "第一版" in text
    assert "added to" in text
    response = client.post(f"{BASE}/publish", data={"note": ""}, follow_redirects=True)
    assert "The draft is the same as the published plan." in page_text(response)
    assert "Re-plan" in page_text(client.get(BASE))


def test_the_progress_endpoint_reports_a_live_run(coordinator_client, small_week):
    run = planning.start_run(small_week.community, WEEK, time_limit=30)
    db.session.commit()
    planning.claim_run(run.id)
    planning.ProgressWriter(db.engine, run.id)(1234.5, 1000.0, 2.5)
    data = coordinator_client.get(f"{BASE}/runs/{run.id}/progress").get_json()
    elapsed = data.pop("elapsed")
    assert data == {"status": "running", "active": True, "kind": "schedule", "solver_status": None,
                    "best_objective": 1234.5, "bound": 1000.0, "unfilled_places": None, "seconds": 2.5,
                    "time_limit": 30.0, "url": f"{BASE}/runs/{run.id}"}
    assert 0 <= elapsed < 60  # wall-clock seconds since the run started, for the bar
    page = coordinator_client.get(f"{BASE}/runs/{run.id}").get_data(as_text=True)
    assert 'id="run-progress"' in page and "planning-progress.js" in page and 'http-equiv="refresh"' in page
    week_page = coordinator_client.get(BASE).get_data(as_text=True)
    assert 'id="run-progress"' in week_page and "disabled" in week_page  # no publishing meanwhile


def test_a_failed_run_shows_the_conflicts(coordinator_client, small_week):
    community, v = small_week.community, small_week.volunteers
    desk = small_week.shift("desk")
    for name in ("sun", "li", "zhang"):
        planning.assign(community, WEEK, desk.roles[0], v[name].profile, pinned=True)
    db.session.commit()
    run = run_now(community)
    assert run.status == RunStatus.FAILED
    text = page_text(coordinator_client.get(f"{BASE}/runs/{run.id}"))
    assert "No schedule was made" in text and "The draft and the published plan are unchanged." in text
    assert "Conflicts" in text
    # The engine's conflict, with names for its ids: "s3/接待: 3 volunteers are fixed to it (v2, v3, v6) ...".
    assert any("volunteers are fixed to it" in line for line in json.loads(run.conflicts_json))
    assert "3 volunteers are confirmed or pinned in Mon, Dec 7 08:30–12:00 服务站值班 · 接待" in text
    assert all(v[name].display_name in text for name in ("sun", "li", "zhang"))
    assert not re.search(rf"\bs{desk.id}\b|\bv{v['sun'].profile.id}\b", text)
    assert "Last run found no schedule" in page_text(coordinator_client.get(BASE))


def test_a_bad_time_limit_is_refused_with_the_reason(coordinator_client, small_week):
    response = coordinator_client.post(f"{BASE}/runs", data={"time_limit": 0, "kind": "schedule"},
                                       follow_redirects=True)
    assert "Between 1 and 600 seconds." in page_text(response)
    assert db.session.scalars(select(ScheduleRun)).all() == []


def test_pages_are_in_chinese_by_default(client, login, small_week):
    login(client, small_week.coordinator)
    run_now(small_week.community)
    text = page_text(client.get(BASE))
    assert "自动排班" in text and "发布" in text and "未填补" in text
    assert db.session.scalars(select(DraftAssignment)).first() is not None
