"""Planning services end to end: runs checked by the independent checker, publishing,
versions and changes, failures that leave the published plan alone, the one-run guard,
re-planning after a withdrawal, and the command line."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scheduler import planning, signup
from scheduler.availability import add_leave
from scheduler.export import as_assignments, draft_assignments, export_week
from scheduler.extensions import db
from scheduler.models import SignUp, SignUpSource, SignUpStatus, utcnow
from scheduler.planning_models import (
    ChangeKind,
    DraftAssignment,
    ImmutablePlanError,
    PlanChange,
    PlanVersion,
    RunKind,
    RunStatus,
    ScheduleRun,
)
from scheduler.signals import schedule_changed
from solver.checker import check
from solver.domain import OPTIMAL, UNKNOWN, Solution
from solver.parse import parse_problem
from tests.web.planning_fixtures import WEEK, TEST_WORKERS, run_now, small_week  # noqa: F401

NOW = datetime(2026, 12, 1, 8, 0)  # a week before: withdrawals are allowed


@pytest.fixture
def changed():
    """Every `schedule_changed` sent during the test: (sender, shift ids)."""
    seen: list[tuple[int, list[int]]] = []

    def receiver(sender, shift_ids):
        seen.append((sender, shift_ids))

    schedule_changed.connect(receiver)
    yield seen
    schedule_changed.disconnect(receiver)


def draft(community):
    return as_assignments(draft_assignments(community, WEEK))


def test_a_run_writes_a_draft_that_the_checker_accepts(small_week):
    run = run_now(small_week.community)
    assert run.status == RunStatus.SUCCEEDED and run.solver_status == OPTIMAL
    problem = parse_problem(json.loads(run.problem_json))  # the document it solved, as stored
    assignments = draft(small_week.community)
    report = check(problem, assignments)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(run.best_objective, rel=1e-6)
    assert run.bound == pytest.approx(run.best_objective, rel=1e-6)
    # Nobody has baking >= 2: its instructor stays unfilled, with the engine's reasons.
    unfilled = json.loads(run.unfilled_json)
    baking = small_week.shift("baking")
    assert run.unfilled_places == 1 and report.components["unfilled"] == 1
    assert [(u["shift"], u["role"], u["missing"]) for u in unfilled] == [(f"s{baking.id}", "讲师", 1)]
    assert any("baking" in reason for reason in unfilled[0]["reasons"])
    # Only 王秀英 can teach calligraphy: both classes are hers.
    wang = f"v{small_week.volunteers['wang'].profile.id}"
    teachers = {a.shift for a in assignments if a.role == "讲师" and a.volunteer == wang}
    assert teachers == {f"s{small_week.shift('calligraphy', d).id}" for d in (1, 3)}
    assert run.started_at <= run.finished_at and run.seconds > 0


def test_progress_is_written_to_the_run_row_throttled(small_week):
    run = planning.start_run(small_week.community, WEEK, time_limit=5)
    db.session.commit()
    run_id = run.id
    assert planning.claim_run(run_id)

    def stored():
        db.session.commit()  # a new read transaction sees the writer's own connection
        row = db.session.get(ScheduleRun, run_id)
        return row.best_objective, row.bound, row.seconds, row.unfilled_places

    writer = planning.ProgressWriter(db.engine, run_id, interval=3600)
    writer(500.0, 100.0, 0.5, unfilled=3)
    writer(400.0, 200.0, 1.0, unfilled=2)  # held back by the throttle
    assert writer.writes == 1 and stored() == (500.0, 100.0, 0.5, 3)
    writer.flush()
    assert writer.writes == 2 and stored() == (400.0, 200.0, 1.0, 2)
    assert db.session.get(ScheduleRun, run_id).heartbeat_at is not None


def test_while_the_engine_searches_its_unfilled_places_are_shown(small_week, monkeypatch):
    reports = []

    class Recording(planning.ProgressWriter):
        def __call__(self, objective, bound, seconds, *, unfilled=None):
            reports.append(unfilled)
            super().__call__(objective, bound, seconds, unfilled=unfilled)

    monkeypatch.setattr(planning, "ProgressWriter", Recording)
    run = run_now(small_week.community)
    assert reports and all(isinstance(n, int) for n in reports)
    assert reports[-1] == run.unfilled_places == 1


def test_a_second_run_of_the_week_is_refused_by_the_service_and_by_the_database(small_week):
    community = small_week.community
    first = planning.start_run(community, WEEK)
    db.session.commit()
    with pytest.raises(planning.RunInProgress):
        planning.start_run(community, WEEK)
    db.session.rollback()
    # Even code that skips the service cannot add a second active run of the week.
    db.session.add(ScheduleRun(community=community, week=WEEK, status=RunStatus.RUNNING, time_limit=5))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Another week, or the same week once the first run ended, is fine.
    first.status = RunStatus.FAILED
    db.session.commit()
    assert planning.start_run(community, WEEK).status == RunStatus.QUEUED


def test_two_processes_starting_a_run_at_once_get_one_run(app, small_week):
    """Two threads with their own sessions race to queue a run, as views do (in a write
    transaction): exactly one wins, the other is told the week is being scheduled."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race():
        with app.app_context():
            community = db.session.merge(small_week.community)
            barrier.wait()
            try:
                signup.in_write_transaction(lambda: planning.start_run(community, WEEK))
                outcomes.append("queued")
            except planning.RunInProgress:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["queued", "refused"]
    db.session.expire_all()
    assert len(db.session.scalars(select(ScheduleRun)).all()) == 1


def test_a_run_whose_process_died_is_given_up(small_week):
    community = small_week.community
    stale = planning.start_run(community, WEEK, time_limit=5)
    db.session.commit()
    planning.claim_run(stale.id)
    stale.started_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    fresh = planning.start_run(community, WEEK, time_limit=5)
    db.session.commit()
    db.session.refresh(stale)
    assert stale.status == RunStatus.FAILED and "abandoned" in stale.error
    assert fresh.status == RunStatus.QUEUED
    assert planning.run_schedule(stale.id) is None  # a late job for it does nothing


def test_a_week_without_shifts_or_with_a_bad_time_limit_is_refused(small_week, make_community):
    with pytest.raises(planning.PlanningError):
        planning.start_run(make_community(slug="empty"), WEEK)
    with pytest.raises(planning.PlanningError):
        planning.start_run(small_week.community, WEEK, time_limit=0)
    with pytest.raises(planning.PlanningError):
        planning.start_run(small_week.community, WEEK, time_limit=10_000)
    with pytest.raises(planning.PlanningError):
        planning.start_replan(small_week.community, WEEK)  # nothing published yet


def test_publish_makes_a_numbered_version_changes_and_sign_ups(small_week, changed):
    community = small_week.community
    run_now(community)
    planned = draft(community)
    result = planning.publish(community, WEEK, user=small_week.coordinator, note="第一版")
    db.session.commit()
    planning.notify(community, result.changed_shift_ids)
    version = result.version
    assert version.number == 1 and version.note == "第一版" and version.unfilled_places == 1
    assert {(f"v{a.volunteer_id}", f"s{a.shift_id}", a.role_name) for a in version.assignments} == \
        {(a.volunteer, a.shift, a.role) for a in planned}
    assert {c.kind for c in version.changes} == {ChangeKind.ADDED} and len(version.changes) == len(planned)
    sign_ups = db.session.scalars(select(SignUp)).all()
    assert {(f"v{s.volunteer_id}", f"s{s.shift_id}", s.shift_role.name, s.status, s.source) for s in sign_ups} == {
        (a.volunteer, a.shift, a.role, SignUpStatus.CONFIRMED, SignUpSource.SCHEDULER) for a in planned}
    assert changed == [(community.id, sorted({int(a.shift[1:]) for a in planned}))]
    with pytest.raises(planning.PlanningError):  # nothing new to publish
        planning.publish(community, WEEK)


def test_a_published_version_cannot_be_changed(small_week):
    run_now(small_week.community)
    version = planning.publish(small_week.community, WEEK).version
    db.session.commit()
    version.assignments[0].role_name = "别的"
    with pytest.raises(ImmutablePlanError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(ImmutablePlanError):
        db.session.delete(version)
        db.session.commit()
    db.session.rollback()
    assert db.session.get(PlanVersion, version.id).assignments[0].role_name != "别的"


def test_an_infeasible_run_leaves_draft_and_published_plan_alone(small_week):
    community, v = small_week.community, small_week.volunteers
    run_now(community)
    published = planning.publish(community, WEEK).version
    db.session.commit()
    desk = small_week.shift("desk")
    for name in ("sun", "li", "zhang"):  # three pins in a role for at most two people
        planning.assign(community, WEEK, desk.roles[0], v[name].profile, pinned=True)
    db.session.commit()
    before = sorted(map(str, draft(community)))
    run = run_now(community)
    assert run.status == RunStatus.FAILED and run.solver_status == "infeasible"
    conflicts = json.loads(run.conflicts_json)
    assert conflicts and any(f"s{desk.id}" in line or "接待" in line for line in conflicts), conflicts
    assert sorted(map(str, draft(community))) == before
    assert planning.versions(community, WEEK) == [published]
    assert {s.source for s in db.session.scalars(select(SignUp))} == {SignUpSource.SCHEDULER}


@pytest.mark.parametrize("outcome", ["unknown", "crash"])
def test_a_run_without_a_schedule_in_time_or_that_crashes_changes_nothing(small_week, monkeypatch, outcome):
    community = small_week.community
    run_now(community)
    before = sorted(map(str, draft(community)))

    def no_schedule(problem, **kwargs):
        if outcome == "crash":
            raise RuntimeError("worker lost")
        return Solution(UNKNOWN, None, None, {}, (), stats={"seconds": 10.0})

    monkeypatch.setattr(planning, "solve", no_schedule)
    run = run_now(community)
    assert run.status == RunStatus.FAILED
    assert (run.solver_status, run.error) == (("unknown", None) if outcome == "unknown"
                                              else (None, "RuntimeError: worker lost"))
    assert sorted(map(str, draft(community))) == before
    assert planning.active_run(community, WEEK) is None


def test_replan_after_a_withdrawal_moves_only_what_it_must(small_week, changed):
    community = small_week.community
    run_now(community)
    first = planning.publish(community, WEEK).version
    db.session.commit()
    plan_before = {(a.volunteer_id, a.shift_id): a.role_name for a in first.assignments}
    # The Monday desk's first volunteer withdraws on their own.
    desk = small_week.shift("desk")
    leaving = db.session.scalars(select(SignUp).where(SignUp.shift_id == desk.id).order_by(SignUp.id)).first()
    signup.in_write_transaction(lambda: signup.withdraw(leaving, now=NOW))
    run = run_now(community, replan=True)
    assert run.kind == RunKind.REPLAN and run.status == RunStatus.SUCCEEDED
    problem = parse_problem(json.loads(run.problem_json))
    assert len(problem.previous) == len(plan_before)
    assert (f"v{leaving.volunteer_id}", f"s{desk.id}") in {(f.volunteer, f.shift) for f in problem.forbidden}
    assert check(problem, draft(community)).ok
    second = planning.publish(community, WEEK).version
    db.session.commit()
    changes = {(c.volunteer_id, c.kind, c.shift_id) for c in second.changes}
    removed = {(c[0], c[2]) for c in changes if c[1] == ChangeKind.REMOVED}
    added = {(c[0], c[2]) for c in changes if c[1] == ChangeKind.ADDED}
    assert removed == {(leaving.volunteer_id, desk.id)}
    assert len(added) == 1 and next(iter(added))[1] == desk.id  # one replacement at the desk
    assert not [c for c in changes if c[1] == ChangeKind.MOVED]
    plan_after = {(a.volunteer_id, a.shift_id): a.role_name for a in second.assignments}
    assert len(set(plan_before.items()) ^ set(plan_after.items())) == 2
    db.session.refresh(leaving)
    assert leaving.status == SignUpStatus.WITHDRAWN  # a withdrawal stays one
    assert second.number == 2 and [v.number for v in planning.versions(community, WEEK)] == [2, 1]


def test_replan_after_new_leave_moves_the_volunteer_out_of_that_day_only(small_week):
    community = small_week.community
    run_now(community)
    first = planning.publish(community, WEEK).version
    db.session.commit()
    # 王秀英 teaches both calligraphy classes; she takes Thursday off after publishing.
    wang = small_week.volunteers["wang"].profile
    thursday = small_week.shift("calligraphy", 3)
    assert (wang.id, thursday.id) in {(a.volunteer_id, a.shift_id) for a in first.assignments}
    add_leave(wang, thursday.starts_at.date(), thursday.starts_at.date(), reason="看病")
    db.session.commit()
    run = run_now(community, replan=True)
    assert run.status == RunStatus.SUCCEEDED
    problem = parse_problem(json.loads(run.problem_json))
    assert check(problem, draft(community)).ok
    second = planning.publish(community, WEEK).version
    db.session.commit()
    changes = {(c.volunteer_id, c.kind, c.shift_id) for c in second.changes}
    # Nobody else can teach: her Thursday class loses its teacher, nothing else moves.
    assert changes == {(wang.id, ChangeKind.REMOVED, thursday.id)}
    assert second.unfilled_places == first.unfilled_places + 1
    sign_up = db.session.scalar(select(SignUp).where(SignUp.volunteer_id == wang.id, SignUp.shift_id == thursday.id))
    assert sign_up.status == SignUpStatus.REMOVED


def test_publishing_a_plan_that_drops_someone_marks_their_sign_up_removed(small_week):
    community, v = small_week.community, small_week.volunteers
    run_now(community)
    planning.publish(community, WEEK)
    db.session.commit()
    row = db.session.scalars(select(DraftAssignment).order_by(DraftAssignment.id)).first()
    volunteer_id, shift = row.volunteer_id, row.shift
    planning.unassign(community, WEEK, shift, row.volunteer)
    db.session.commit()
    result = planning.publish(community, WEEK)
    db.session.commit()
    sign_up = db.session.scalar(select(SignUp).where(SignUp.volunteer_id == volunteer_id,
                                                     SignUp.shift_id == shift.id))
    assert sign_up.status == SignUpStatus.REMOVED
    assert [(c.volunteer_id, c.kind, c.shift_id) for c in result.version.changes] == [
        (volunteer_id, ChangeKind.REMOVED, shift.id)]
    assert shift.id in result.changed_shift_ids
    # Putting them back re-confirms the same sign-up row (no second one).
    planning.assign(community, WEEK, sign_up.shift_role, sign_up.volunteer)
    db.session.commit()
    planning.publish(community, WEEK)
    db.session.commit()
    rows = db.session.scalars(select(SignUp).where(SignUp.volunteer_id == volunteer_id,
                                                   SignUp.shift_id == shift.id)).all()
    assert [(r.id, r.status) for r in rows] == [(sign_up.id, SignUpStatus.CONFIRMED)]
    assert v  # the small week's volunteers are all still there


def test_a_shift_cancelled_after_the_run_drops_out_of_edits_review_and_publishing(small_week):
    from scheduler.review import role_review, week_review
    from scheduler.weeks import cancel_shift

    community, v = small_week.community, small_week.volunteers
    run_now(community)
    museum = small_week.shift("museum")
    assert any(r.shift_id == museum.id for r in draft_assignments(community, WEEK))
    cancel_shift(museum)
    db.session.commit()
    desk = small_week.shift("desk")
    warnings = planning.assign(community, WEEK, desk.roles[0], v["wu"].profile)
    assert {w.rule for w in warnings} >= {"available"}  # 吴明轩 is free at weekends only
    review = week_review(community, WEEK)
    assert museum.id not in {cell.shift.id for row in review.rows for day in row.days for cell in day}
    assert role_review(community, WEEK, desk.roles[0]).people
    planning.unassign(community, WEEK, desk, v["wu"].profile)  # a third in a role for two: not publishable
    version = planning.publish(community, WEEK).version
    assert museum.id not in {a.shift_id for a in version.assignments}


def test_diff_plans_names_added_removed_and_moved(small_week):
    tuesday, thursday = small_week.shift("calligraphy", 1), small_week.shift("calligraphy", 3)
    desk = small_week.shift("desk")
    shifts = {s.id: s for s in (tuesday, thursday, desk)}
    old = {(1, tuesday.id): "助教", (2, desk.id): "接待", (3, tuesday.id): "讲师"}
    new = {(1, thursday.id): "助教", (3, tuesday.id): "助教", (4, desk.id): "接待"}
    changes = planning.diff_plans(old, new, shifts)
    assert set(changes) == {
        planning.Change(1, ChangeKind.MOVED, thursday.id, "助教", tuesday.id, "助教"),
        planning.Change(2, ChangeKind.REMOVED, desk.id, "接待"),
        planning.Change(3, ChangeKind.MOVED, tuesday.id, "助教", tuesday.id, "讲师"),
        planning.Change(4, ChangeKind.ADDED, desk.id, "接待"),
    }
    assert planning.diff_plans(old, old, shifts) == []


def test_plan_changes_are_recorded_per_volunteer(small_week):
    community = small_week.community
    run_now(community)
    version = planning.publish(community, WEEK).version
    db.session.commit()
    rows = db.session.scalars(select(PlanChange).where(PlanChange.version_id == version.id)).all()
    assert {(r.volunteer_id, r.shift_id) for r in rows} == {(a.volunteer_id, a.shift_id) for a in version.assignments}


def test_cli_schedules_publishes_and_skips_published_weeks(small_week, runner):
    args = ["schedule", "--community", "test", "--week", WEEK, "--publish", "--time-limit", "10",
            "--workers", str(TEST_WORKERS)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output and "published version 1" in result.output
    db.session.expire_all()
    version = planning.versions(small_week.community, WEEK)[0]
    problem = export_week(small_week.community, WEEK).problem
    assert check(problem, as_assignments(version.assignments)).ok
    again = runner.invoke(args=[*args, "--if-unpublished"])
    assert again.exit_code == 0 and "already published; skipped" in again.output
    assert runner.invoke(args=["schedule", "--community", "nowhere", "--week", WEEK, "--if-exists"]).exit_code == 0


def test_cli_exits_with_1_and_the_reason_when_a_week_cannot_be_scheduled(small_week, make_community, runner):
    make_community(slug="empty")
    result = runner.invoke(args=["schedule", "--community", "empty", "--week", WEEK, "--time-limit", "5"])
    assert result.exit_code == 1
    assert "could not schedule 2026-W50" in result.output
    bad = runner.invoke(args=["schedule", "--community", "test", "--week", "2026-50"])
    assert bad.exit_code == 2 and "2026-W50" in bad.output
    assert small_week.community
