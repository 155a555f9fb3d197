"""Weekly planning, as service verbs: run the engine, edit the draft, publish, re-plan.

* `start_run` records a queued `ScheduleRun` (the database refuses a second active run of
  the week); `scheduler.jobs` then executes it with `run_schedule`, which exports the week,
  solves it with progress written to the run row, checks the result with the independent
  checker and writes it to the draft. A run that fails, ends infeasible or finds nothing in
  time leaves the draft and the published plan as they were and keeps the engine's conflicts.
* `assign`, `unassign` and `set_pin` edit the draft and return the hard rules the edit
  breaks (the checker's `Violation`s) as warnings; the edit is made anyway, as the
  coordinator decides. Pins are exported as ``fixed`` and removals as ``forbidden``, so a
  re-solve keeps both.
* `publish` turns the draft into the next immutable `PlanVersion`, records the `PlanChange`s
  against the previous version and makes the `SignUp` table match (PLANNING_CONTRACT.md).
* `start_replan` is a run of a published week: the export carries the published plan as
  ``previous``, so the engine moves as few people as it can; the coordinator reviews the
  changes and publishes them.

Verbs add and flush; the caller commits (views and the CLI run them through
`scheduler.signup.in_write_transaction`, which serialises writers and retries a lost race)
and then calls `notify` with the shift ids that changed, which sends
`scheduler.signals.schedule_changed`. `run_schedule` is the
exception: as a background job it commits as it goes, so the page polling it sees progress.
"""

from __future__ import annotations

import json
import logging
import threading
import time as clock
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterable, Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from scheduler import SQLITE_BEGIN_IMMEDIATE
from scheduler.export import (
    WeekExport,
    as_assignments,
    database_id,
    draft_assignments,
    export_week,
    latest_version,
    shift_doc_id,
    volunteer_doc_id,
    write_draft,
)
from scheduler.extensions import db
from scheduler.models import (
    Community,
    Shift,
    ShiftRole,
    ShiftStatus,
    SignUp,
    SignUpSource,
    SignUpStatus,
    User,
    VolunteerProfile,
    utcnow,
)
from scheduler.planning_models import (
    ACTIVE_RUN_STATUSES,
    ChangeKind,
    DraftAssignment,
    DraftExclusion,
    PlanAssignment,
    PlanChange,
    PlanVersion,
    RunKind,
    RunStatus,
    ScheduleRun,
)
from scheduler.signals import schedule_changed
from scheduler.weeks import active_shift_ids, parse_week
from solver.checker import AssignmentIndex, blocking_violations, check
from solver.checker_rules import CheckContext, Violation, shift_violations, volunteer_violations
from solver.domain import FEASIBLE, OPTIMAL, Assignment, Problem, Solution
from solver.engine import solve
from solver.greedy import greedy_assign
from solver.parse import ProblemError

log = logging.getLogger(__name__)

#: Seconds the engine may search when nobody says otherwise (``SCHEDULE_TIME_LIMIT``).
DEFAULT_TIME_LIMIT = 30.0
#: The longest time limit a coordinator may ask for (``SCHEDULE_MAX_TIME_LIMIT``).
MAX_TIME_LIMIT = 600.0
#: Progress is written to the run row at most this often (seconds).
PROGRESS_INTERVAL = 1.0
#: A running run that has not finished this long after its time limit was abandoned (its
#: process died); explanations and write-back take well under this.
STALE_GRACE = timedelta(minutes=5)
#: A queued run that no worker took in this time is given up.
QUEUE_PATIENCE = timedelta(minutes=30)


class PlanningError(Exception):
    """A planning request that cannot be done; `message` says why (translatable)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class RunInProgress(PlanningError):
    """The week already has a queued or running run."""


# --------------------------------------------------------------------------- settings


def default_time_limit() -> float:
    """The configured default time limit of a run, in seconds."""
    return float(current_app.config.get("SCHEDULE_TIME_LIMIT", DEFAULT_TIME_LIMIT))


def max_time_limit() -> float:
    """The configured longest time limit of a run, in seconds."""
    return float(current_app.config.get("SCHEDULE_MAX_TIME_LIMIT", MAX_TIME_LIMIT))


def solver_workers() -> int:
    """CP-SAT search workers (``SOLVER_WORKERS``; 0 = one per core)."""
    return int(current_app.config.get("SOLVER_WORKERS", 0))


# --------------------------------------------------------------------------- runs


def active_run(community: Community, week: str) -> Optional[ScheduleRun]:
    """The week's queued or running run, if any."""
    return db.session.scalar(
        select(ScheduleRun).where(ScheduleRun.community_id == community.id, ScheduleRun.week == week,
                                  ScheduleRun.status.in_(ACTIVE_RUN_STATUSES))
    )


def latest_run(community: Community, week: str) -> Optional[ScheduleRun]:
    """The week's most recent run, if any."""
    return db.session.scalar(
        select(ScheduleRun).where(ScheduleRun.community_id == community.id, ScheduleRun.week == week)
        .order_by(ScheduleRun.id.desc()).limit(1)
    )


def elapsed(run: ScheduleRun) -> float:
    """Seconds the run has been running (its engine seconds once it has finished)."""
    if run.status == RunStatus.RUNNING and run.started_at is not None:
        return round((utcnow() - run.started_at).total_seconds(), 1)
    if run.status == RunStatus.QUEUED:
        return 0.0
    return run.seconds or 0.0


def expire_stale_run(run: ScheduleRun) -> bool:
    """Fail `run` if its process evidently died (see `STALE_GRACE`); True if it did."""
    now = utcnow()
    if run.status == RunStatus.RUNNING and run.started_at is not None:
        stale = now > run.started_at + timedelta(seconds=run.time_limit) + STALE_GRACE
        reason = "the run stopped reporting and was abandoned (its process ended?)"
    elif run.status == RunStatus.QUEUED:
        stale = now > run.created_at + QUEUE_PATIENCE
        reason = "no worker took the run; is `make worker` running?"
    else:
        return False
    if stale:
        _finish(run, RunStatus.FAILED, error=reason)
        log.warning("run %s of %s marked failed: %s", run.id, run.week, reason)
    return stale


def start_run(
    community: Community,
    week: str,
    *,
    user: Optional[User] = None,
    time_limit: Optional[float] = None,
    kind: RunKind = RunKind.SCHEDULE,
) -> ScheduleRun:
    """Queue a run of the week; raises `RunInProgress` or `PlanningError` (no shifts).

    The caller commits, then hands the run to `scheduler.jobs.enqueue`.
    """
    week = parse_week(week)
    running = active_run(community, week)
    if running is not None and not expire_stale_run(running):
        raise RunInProgress(_l("This week is being scheduled already."))
    if not active_shift_ids(community, week):
        raise PlanningError(_l("The week has no shifts yet: generate it first."))
    limit = default_time_limit() if time_limit is None else float(time_limit)
    if not 0 < limit <= max_time_limit():
        raise PlanningError(_l("The time limit must be between 1 and %(max)d seconds.", max=int(max_time_limit())))
    run = ScheduleRun(community=community, week=week, kind=kind, status=RunStatus.QUEUED,
                      time_limit=limit, requested_by=user)
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError as error:  # another process queued one in the meantime
        raise RunInProgress(_l("This week is being scheduled already.")) from error
    log.info("queued run %s of %s %s (%s, %.0f s)", run.id, community.slug, week, kind.value, limit)
    return run


def start_replan(community: Community, week: str, *, user: Optional[User] = None,
                 time_limit: Optional[float] = None) -> ScheduleRun:
    """Queue a re-plan of a published week (the published plan is ``previous``)."""
    if latest_version(community, parse_week(week)) is None:
        raise PlanningError(_l("Only a published week can be re-planned."))
    return start_run(community, week, user=user, time_limit=time_limit, kind=RunKind.REPLAN)


def cancel_run(run: ScheduleRun) -> None:
    """Give up a queued run (a running one stops at its time limit anyway)."""
    if run.status != RunStatus.QUEUED:
        raise PlanningError(_l("Only a run that has not started can be cancelled."))
    _finish(run, RunStatus.FAILED, error="cancelled by a coordinator")


def _finish(run: ScheduleRun, status: RunStatus, *, error: Optional[str] = None) -> None:
    run.status = status
    run.finished_at = utcnow()
    if error is not None:
        run.error = error
    db.session.flush()


class ProgressWriter:
    """The engine's ``on_progress``: writes the best objective, bound and seconds to the
    run row, at most every `PROGRESS_INTERVAL` seconds.

    It is called from CP-SAT's threads, without an app context, so it writes through its
    own connection of `engine` instead of the request's session.
    """

    def __init__(self, engine: Engine, run_id: int, interval: float = PROGRESS_INTERVAL) -> None:
        self.engine = engine
        self.run_id = run_id
        self.interval = interval
        self.lock = threading.Lock()
        self.last_write = -interval
        self.pending: Optional[dict] = None
        self.writes = 0

    def __call__(self, objective: float, bound: Optional[float], seconds: float) -> None:
        with self.lock:
            self.pending = {"best_objective": objective, "bound": bound, "seconds": seconds}
            if clock.monotonic() - self.last_write >= self.interval:
                self._write()

    def flush(self) -> None:
        """Write the last report if it was held back by the throttle."""
        with self.lock:
            if self.pending is not None:
                self._write()

    def _write(self) -> None:
        values, self.pending = self.pending, None
        self.last_write = clock.monotonic()
        with self.engine.begin() as connection:
            connection.execute(
                update(ScheduleRun.__table__)
                .where(ScheduleRun.__table__.c.id == self.run_id,
                       ScheduleRun.__table__.c.status == RunStatus.RUNNING.value)
                .values(**values, heartbeat_at=utcnow())
            )
        self.writes += 1


def claim_run(run_id: int) -> bool:
    """Atomically move a queued run to running; False if it was not queued any more."""
    now = utcnow()
    claimed = db.session.execute(
        update(ScheduleRun).where(ScheduleRun.id == run_id, ScheduleRun.status == RunStatus.QUEUED)
        .values(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def run_schedule(run_id: int, *, workers: Optional[int] = None, seed: int = 0) -> Optional[ScheduleRun]:
    """Execute a queued run (the job's body); commits as it goes. Returns the run, or None
    when it was not queued (already taken, cancelled or expired)."""
    if not claim_run(run_id):
        log.info("run %s is not queued any more; nothing to do", run_id)
        return None
    try:
        run = db.session.get(ScheduleRun, run_id)
        time_limit = run.time_limit
        export = export_week(run.community, run.week)
        run.problem_json = json.dumps(export.document, ensure_ascii=False)
        run.notes_json = json.dumps([note.to_dict() for note in export.notes])
        # The engine's progress reports carry no unfilled count: show the first (greedy)
        # schedule's until the engine's own answer replaces it.
        run.unfilled_places = unfilled_places(export.problem, greedy_assign(export.problem))
        db.session.commit()
        # No ORM access until the solve is over: a read transaction held across it would
        # see a stale snapshot (SQLite) once the progress writer has written.
        progress = ProgressWriter(db.engine, run_id)
        solution = solve(export.problem, time_limit=time_limit,
                         workers=solver_workers() if workers is None else workers,
                         seed=seed, on_progress=progress)
        progress.flush()
        _begin_write()
        run = db.session.get(ScheduleRun, run_id, populate_existing=True)
        if run.status != RunStatus.RUNNING:  # expired meanwhile: its result is not wanted
            log.warning("run %s finished after being marked %s; result dropped", run_id, run.status)
            db.session.rollback()
            return run
        apply_solution(run, export, solution)
        db.session.commit()
    except Exception as error:
        if not isinstance(error, ProblemError):
            log.exception("run %s failed", run_id)
        db.session.rollback()
        _begin_write()
        run = db.session.get(ScheduleRun, run_id, populate_existing=True)
        reason = "\n".join(error.errors) if isinstance(error, ProblemError) else f"{type(error).__name__}: {error}"
        _finish(run, RunStatus.FAILED, error=reason)
        db.session.commit()
    return run


def unfilled_places(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """Places below ``need`` over every role of `problem` with `assignments`."""
    counts: dict[tuple[str, str], int] = {}
    for a in assignments:
        counts[(a.shift, a.role)] = counts.get((a.shift, a.role), 0) + 1
    return sum(max(0, role.need - counts.get((shift.id, role.name), 0))
               for shift in problem.shifts for role in shift.roles)


def _begin_write() -> None:
    """Open the session's transaction as a writer (``BEGIN IMMEDIATE`` on SQLite)."""
    db.session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})


def apply_solution(run: ScheduleRun, export: WeekExport, solution: Solution) -> None:
    """Record the engine's answer on `run`; a schedule that keeps every hard rule replaces
    the draft, anything else leaves the draft (and the published plan) untouched."""
    run.solver_status = solution.status
    run.seconds = float(solution.stats.get("seconds", run.seconds or 0.0))
    run.conflicts_json = json.dumps(list(solution.conflicts), ensure_ascii=False)
    run.components_json = json.dumps(dict(solution.components))
    if solution.status not in (OPTIMAL, FEASIBLE):
        error = solution.stats.get("error")
        _finish(run, RunStatus.FAILED, error=str(error) if error else None)
        log.info("run %s ended %s with %d conflicts", run.id, solution.status, len(solution.conflicts))
        return
    report = check(export.problem, solution.assignments)
    if not report.ok:  # never publishable; keep the draft and say why
        _finish(run, RunStatus.FAILED, error="the engine's schedule breaks hard rules:\n"
                + "\n".join(report.violations[:20]))
        log.error("run %s: engine result rejected by the checker: %s", run.id, report.violations[:5])
        return
    run.best_objective = solution.objective
    run.bound = solution.bound
    run.unfilled_json = json.dumps([u.to_dict() for u in solution.unfilled], ensure_ascii=False)
    run.unfilled_places = sum(u.missing for u in solution.unfilled)
    write_draft(run.community, run.week, solution.assignments, pins=export.pins)
    _finish(run, RunStatus.SUCCEEDED)
    log.info("run %s %s: objective %s, %d unfilled places, %.1f s", run.id, solution.status,
             solution.objective, run.unfilled_places, run.seconds)


# --------------------------------------------------------------------------- draft edits


@dataclass(frozen=True)
class RuleWarning:
    """A hard rule a manual edit breaks: the checker's rule name and its sentence."""

    rule: str
    text: str

    @classmethod
    def of(cls, violation: Violation) -> "RuleWarning":
        """From a checker violation."""
        return cls(violation.rule, str(violation))


def _editable(community: Community, week: str) -> str:
    week = parse_week(week)
    if active_run(community, week) is not None:
        raise RunInProgress(_l("Wait until the running schedule finishes before editing."))
    return week


def _draft_row(community: Community, week: str, volunteer_id: int, shift_id: int) -> Optional[DraftAssignment]:
    return db.session.scalar(select(DraftAssignment).where(
        DraftAssignment.community_id == community.id, DraftAssignment.week == week,
        DraftAssignment.volunteer_id == volunteer_id, DraftAssignment.shift_id == shift_id))


def _exclusion(community: Community, week: str, volunteer_id: int, shift_id: int) -> Optional[DraftExclusion]:
    return db.session.scalar(select(DraftExclusion).where(
        DraftExclusion.community_id == community.id, DraftExclusion.week == week,
        DraftExclusion.volunteer_id == volunteer_id, DraftExclusion.shift_id == shift_id))


def _check_target(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile) -> None:
    if shift.community_id != community.id or shift.week != week or shift.status != ShiftStatus.ACTIVE:
        raise PlanningError(_l("That shift is not an active shift of this week."))
    if volunteer.user.community_id != community.id or not volunteer.user.is_active:
        raise PlanningError(_l("That volunteer is not an active volunteer of this community."))


def draft_problem(community: Community, week: str) -> tuple[Problem, list[Assignment]]:
    """The week as the engine sees it now (pins and exclusions included) and the draft."""
    export = export_week(community, week)
    return export.problem, as_assignments(draft_assignments(community, week))


def assign(
    community: Community, week: str, role: ShiftRole, volunteer: VolunteerProfile, *, pinned: bool = False
) -> list[RuleWarning]:
    """Put `volunteer` in `role` (moving them from another role of the shift); returns the
    hard rules this breaks. Takes back an earlier removal of the volunteer from the shift."""
    week = _editable(community, week)
    shift = role.shift
    _check_target(community, week, shift, volunteer)
    exclusion = _exclusion(community, week, volunteer.id, shift.id)
    if exclusion is not None:
        db.session.delete(exclusion)
        db.session.flush()
    problem, before = draft_problem(community, week)
    vid, sid = volunteer_doc_id(volunteer.id), shift_doc_id(shift.id)
    others = [a for a in before if not (a.volunteer == vid and a.shift == sid)]
    ctx = CheckContext(problem)
    violations = blocking_violations(problem, AssignmentIndex(others), vid, sid, role.name, ctx)
    row = _draft_row(community, week, volunteer.id, shift.id)
    if row is None:
        row = DraftAssignment(community_id=community.id, week=week, shift=shift, volunteer=volunteer)
        db.session.add(row)
    row.shift_role = role
    row.origin = "coordinator"
    row.pinned = pinned or row.pinned
    db.session.flush()
    log.info("draft %s %s: %s assigned to %s/%s (%d warnings)", community.slug, week, vid, sid,
             role.name, len(violations))
    return [RuleWarning.of(v) for v in violations]


def unassign(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile) -> list[RuleWarning]:
    """Take `volunteer` out of `shift` in the draft and keep them out of re-solves; returns
    the hard rules this breaks (a supervision left without supervisor, a minimum of minutes)."""
    week = _editable(community, week)
    _check_target(community, week, shift, volunteer)
    row = _draft_row(community, week, volunteer.id, shift.id)
    if row is None:
        raise PlanningError(_l("That volunteer is not in this shift."))
    problem, before = draft_problem(community, week)
    vid, sid = volunteer_doc_id(volunteer.id), shift_doc_id(shift.id)
    after = [a for a in before if not (a.volunteer == vid and a.shift == sid)]
    violations = _new_violations(problem, before, after, vid, sid)
    db.session.delete(row)
    if _exclusion(community, week, volunteer.id, shift.id) is None:
        db.session.add(DraftExclusion(community_id=community.id, week=week, shift=shift, volunteer=volunteer))
    db.session.flush()
    log.info("draft %s %s: %s taken out of %s (%d warnings)", community.slug, week, vid, sid, len(violations))
    return [RuleWarning.of(v) for v in violations]


def set_pin(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile, pinned: bool) -> None:
    """Pin (or unpin) the volunteer's draft assignment in `shift`."""
    week = _editable(community, week)
    _check_target(community, week, shift, volunteer)
    row = _draft_row(community, week, volunteer.id, shift.id)
    if row is None:
        raise PlanningError(_l("That volunteer is not in this shift."))
    row.pinned = pinned
    db.session.flush()


def restore(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile) -> None:
    """Take back an exclusion, so re-solves may use the volunteer in the shift again."""
    week = _editable(community, week)
    exclusion = _exclusion(community, week, volunteer.id, shift.id)
    if exclusion is not None:
        db.session.delete(exclusion)
        db.session.flush()


def _new_violations(problem: Problem, before: list[Assignment], after: list[Assignment],
                    volunteer_id: str, shift_id: str) -> list[Violation]:
    """Violations of the volunteer's and the shift's rules in `after` that `before` lacks."""
    ctx = CheckContext(problem)
    volunteer = problem.volunteer_by_id.get(volunteer_id)
    shift = problem.shift_by_id.get(shift_id)
    if volunteer is None or shift is None:
        return []

    def of(assignments: list[Assignment]) -> list[Violation]:
        index = AssignmentIndex(a for a in assignments
                                if a.volunteer in problem.volunteer_by_id and a.shift in problem.shift_by_id)
        mine = [a.shift for a in index.by_volunteer.get(volunteer_id, ())]
        return (volunteer_violations(ctx, volunteer, mine)
                + shift_violations(ctx, shift, index.by_shift.get(shift_id, ())))

    old = set(of(before))
    return [v for v in dict.fromkeys(of(after)) if v not in old]


# --------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class Change:
    """One volunteer's change between two plans (see `PlanChange`)."""

    volunteer_id: int
    kind: ChangeKind
    shift_id: int
    role: str
    from_shift_id: Optional[int] = None
    from_role: Optional[str] = None


Plan = dict[tuple[int, int], str]  # (volunteer id, shift id) -> role name


def plan_of_version(version: Optional[PlanVersion]) -> Plan:
    """A published version as (volunteer, shift) -> role."""
    if version is None:
        return {}
    return {(a.volunteer_id, a.shift_id): a.role_name for a in version.assignments}


def plan_of_draft(rows: Iterable[DraftAssignment]) -> Plan:
    """Draft rows as (volunteer, shift) -> role."""
    return {(row.volunteer_id, row.shift_id): row.shift_role.name for row in rows}


def diff_plans(old: Plan, new: Plan, shifts: dict[int, Shift]) -> list[Change]:
    """What changed for each volunteer from `old` to `new`.

    A role change within a shift is ``moved``; so is leaving a shift for another shift of
    the same activity (paired by nearest start). `shifts` must hold every shift named.
    """
    changes: list[Change] = []
    volunteers = sorted({v for v, _ in old} | {v for v, _ in new})
    for volunteer in volunteers:
        had = {s: role for (v, s), role in old.items() if v == volunteer}
        has = {s: role for (v, s), role in new.items() if v == volunteer}
        for s in sorted(had.keys() & has.keys()):
            if had[s] != has[s]:
                changes.append(Change(volunteer, ChangeKind.MOVED, s, has[s], s, had[s]))
        removed = sorted(had.keys() - has.keys(), key=lambda s: shifts[s].starts_at)
        added = sorted(has.keys() - had.keys(), key=lambda s: shifts[s].starts_at)
        for s in list(added):
            same = [r for r in removed if shifts[r].activity_id == shifts[s].activity_id]
            if same:
                source = min(same, key=lambda r: abs(shifts[r].starts_at - shifts[s].starts_at))
                removed.remove(source)
                added.remove(s)
                changes.append(Change(volunteer, ChangeKind.MOVED, s, has[s], source, had[source]))
        changes += [Change(volunteer, ChangeKind.ADDED, s, has[s]) for s in added]
        changes += [Change(volunteer, ChangeKind.REMOVED, s, had[s]) for s in removed]
    return changes


@dataclass
class PublishResult:
    """The new version, its changes and every shift whose people changed."""

    version: PlanVersion
    changes: list[Change] = field(default_factory=list)
    changed_shift_ids: list[int] = field(default_factory=list)


def publish(community: Community, week: str, *, user: Optional[User] = None, note: str = "") -> PublishResult:
    """Publish the week's draft as the next version; raises `PlanningError` when there is
    nothing new to publish or a run is going on."""
    week = _editable(community, week)
    _lock_roles(community, week)
    rows = [row for row in draft_assignments(community, week) if row.shift.status == ShiftStatus.ACTIVE]
    previous = latest_version(community, week)
    old, new = plan_of_version(previous), plan_of_draft(rows)
    missing = _commitments_left_out(community, week, new)
    if missing:
        raise PlanningError(_l(
            "%(count)d confirmed sign-ups or pins are not in the draft (someone signed up after it was made): "
            "schedule again, or assign or take them out, before publishing.", count=len(missing)))
    if previous is None and not new:
        raise PlanningError(_l("The draft is empty: run the auto-scheduling or assign people first."))
    if previous is not None and old == new:
        raise PlanningError(_l("The draft is the same as the published plan."))
    shift_ids = {s for _, s in old} | {s for _, s in new}
    shifts = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(shift_ids)))}
    changes = diff_plans(old, new, shifts)
    run = latest_run(community, week)
    version = PlanVersion(
        community=community, week=week, number=(previous.number + 1) if previous else 1,
        published_by=user, run=run if run is not None and run.has_solution else None,
        unfilled_places=_unfilled_places(community, week, new), note=note[:300],
    )
    version.assignments = [
        PlanAssignment(shift_id=row.shift_id, shift_role_id=row.shift_role_id, volunteer_id=row.volunteer_id,
                       role_name=row.shift_role.name, pinned=row.pinned)
        for row in rows
    ]
    version.changes = [
        PlanChange(volunteer_id=c.volunteer_id, kind=c.kind, shift_id=c.shift_id, role_name=c.role,
                   from_shift_id=c.from_shift_id, from_role_name=c.from_role)
        for c in changes
    ]
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError as error:
        raise PlanningError(_l("Someone else published this week at the same moment; look again.")) from error
    touched = _match_sign_ups(community, week, rows)
    changed = sorted({c.shift_id for c in changes} | {c.from_shift_id for c in changes if c.from_shift_id}
                     | touched)
    log.info("published %s %s version %d: %d assignments, %d changes", community.slug, week,
             version.number, len(rows), len(changes))
    return PublishResult(version, changes, changed)


def _lock_roles(community: Community, week: str) -> None:
    """Hold the week's roles (``FOR UPDATE`` on PostgreSQL) so no sign-up counts places while
    publishing confirms people into them; SQLite serialises the whole write transaction."""
    db.session.execute(
        select(ShiftRole.id).join(Shift).where(Shift.community_id == community.id, Shift.week == week)
        .with_for_update()
    ).all()


def _commitments_left_out(community: Community, week: str, plan: Plan) -> list[tuple[int, int]]:
    """Pairs the engine must keep (``fixed``: sign-ups, pins) that `plan` lacks."""
    problem = export_week(community, week).problem
    return [(database_id(f.volunteer), database_id(f.shift)) for f in problem.fixed
            if (database_id(f.volunteer), database_id(f.shift)) not in plan]


def _unfilled_places(community: Community, week: str, plan: Plan) -> int:
    counts: dict[int, int] = {}
    role_of = {(row.shift_id, row.name): row for row in db.session.scalars(
        select(ShiftRole).join(Shift).where(Shift.community_id == community.id, Shift.week == week,
                                            Shift.status == ShiftStatus.ACTIVE))}
    for (_, shift_id), role in plan.items():
        key = role_of[(shift_id, role)].id
        counts[key] = counts.get(key, 0) + 1
    return sum(max(0, role.need - counts.get(role.id, 0)) for role in role_of.values())


def _match_sign_ups(community: Community, week: str, rows: list[DraftAssignment]) -> set[int]:
    """Make the week's confirmed sign-ups equal the published plan; returns touched shifts.

    Planned people get a confirmed sign-up (a new one from ``scheduler``, or a coordinator's
    for a pin; a waitlisted one is confirmed; a removed one comes back); confirmed sign-ups
    the plan leaves out become ``removed``. Withdrawals and waiting lists are left alone.
    """
    plan = {(row.volunteer_id, row.shift_id): row for row in rows}
    sign_ups = db.session.scalars(
        select(SignUp).join(Shift, SignUp.shift_id == Shift.id)
        .where(Shift.community_id == community.id, Shift.week == week, Shift.status == ShiftStatus.ACTIVE)
        .order_by(SignUp.id)
    )
    current: dict[tuple[int, int], SignUp] = {}  # the latest sign-up of each pair, unless withdrawn
    for sign_up in sign_ups:
        pair = (sign_up.volunteer_id, sign_up.shift_id)
        if sign_up.status == SignUpStatus.WITHDRAWN:
            current.pop(pair, None)
        else:
            current[pair] = sign_up
    touched: set[int] = set()
    for pair, row in plan.items():
        sign_up = current.get(pair)
        source = SignUpSource.COORDINATOR if row.pinned else SignUpSource.SCHEDULER
        if sign_up is None:
            db.session.add(SignUp(volunteer_id=row.volunteer_id, shift_role=row.shift_role,
                                  status=SignUpStatus.CONFIRMED, source=source))
            touched.add(row.shift_id)
            continue
        if sign_up.status != SignUpStatus.CONFIRMED:  # waitlisted, or removed earlier
            sign_up.status = SignUpStatus.CONFIRMED
            if sign_up.source != SignUpSource.SELF:
                sign_up.source = source
            touched.add(row.shift_id)
        if sign_up.shift_role_id != row.shift_role_id:
            sign_up.shift_role = row.shift_role
            touched.add(row.shift_id)
        if row.pinned and sign_up.source == SignUpSource.SCHEDULER:
            sign_up.source = SignUpSource.COORDINATOR
    for pair, sign_up in current.items():
        if pair not in plan and sign_up.status == SignUpStatus.CONFIRMED:
            sign_up.status = SignUpStatus.REMOVED
            touched.add(sign_up.shift_id)
    db.session.flush()
    return touched


def notify(community: Community, shift_ids: Iterable[int]) -> None:
    """Send `schedule_changed` for committed changes to `shift_ids` (call after commit)."""
    ids = sorted(set(shift_ids))
    if ids:
        schedule_changed.send(community.id, shift_ids=ids)


def versions(community: Community, week: str) -> list[PlanVersion]:
    """The week's published versions, newest first."""
    return list(db.session.scalars(
        select(PlanVersion).where(PlanVersion.community_id == community.id, PlanVersion.week == week)
        .order_by(PlanVersion.number.desc())
    ))


def version_by_number(community: Community, week: str, number: int) -> Optional[PlanVersion]:
    """Version `number` of the week, or None."""
    return db.session.scalar(select(PlanVersion).where(
        PlanVersion.community_id == community.id, PlanVersion.week == week, PlanVersion.number == number))
