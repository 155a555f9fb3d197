"""Weekly planning runs, as service verbs: queue a run, execute it, record its answer.

* `start_run` records a queued `ScheduleRun` (the database refuses a second active run of
  the week); `scheduler.jobs` then executes it with `run_schedule`, which exports the week,
  solves it with progress written to the run row, checks the result with the independent
  checker and writes it to the draft. A run that fails, ends infeasible or finds nothing in
  time leaves the draft and the published plan as they were and keeps the engine's conflicts.
* `start_replan` is a run of a published week: the export carries the published plan as
  ``previous``, so the engine moves as few people as it can; the coordinator reviews the
  changes (`scheduler.review`) and publishes them (`scheduler.publishing`).
* Editing the draft by hand is `scheduler.draft_edits`, publishing `scheduler.publishing`;
  their verbs are re-exported here, so ``scheduler.planning`` is the one API of planning.

Verbs add and flush; the caller commits (views and the CLI run them through
`scheduler.signup.in_write_transaction`, which serialises writers and retries a lost race)
and then calls `notify` with the shift ids that changed, which sends
`scheduler.signals.schedule_changed`. `run_schedule` is the exception: as a background job
it commits as it goes, so the page polling it sees progress.
"""

from __future__ import annotations

import json
import logging
import threading
import time as clock
from datetime import timedelta
from typing import Iterable, Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from scheduler import SQLITE_BEGIN_IMMEDIATE
from scheduler.export import WeekExport, export_week, latest_version, write_draft
from scheduler.extensions import db
from scheduler.models import Community, User, utcnow
from scheduler.planning_models import RunKind, RunStatus, ScheduleRun
from scheduler.planning_state import PlanningError, RunInProgress, active_run, editable_week, latest_run
from scheduler.signals import schedule_changed
from scheduler.weeks import active_shift_ids, parse_week
from solver.checker import check
from solver.domain import FEASIBLE, OPTIMAL, Assignment, Problem, Solution
from solver.engine import solve
from solver.parse import ProblemError

# The draft and publishing verbs live in their own modules and belong to this API too.
from scheduler.draft_edits import RuleWarning, assign, draft_problem, restore, set_pin, unassign
from scheduler.publishing import (
    Change,
    Plan,
    PublishResult,
    diff_plans,
    plan_of_draft,
    plan_of_version,
    publish,
    version_by_number,
    versions,
)

__all__ = [
    "Change", "DEFAULT_TIME_LIMIT", "MAX_TIME_LIMIT", "Plan", "PlanningError", "ProgressWriter", "PublishResult",
    "RuleWarning", "RunInProgress", "active_run", "apply_solution", "assign", "cancel_run", "claim_run",
    "default_time_limit", "diff_plans", "draft_problem", "editable_week", "elapsed", "expire_stale_run",
    "latest_run", "max_time_limit", "notify", "plan_of_draft", "plan_of_version", "publish", "restore",
    "run_schedule", "set_pin", "solver_workers", "start_replan", "start_run", "unassign",
    "version_by_number", "versions",
]

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
    """Queue a run of the week; raises `RunInProgress` or `PlanningError` (no shifts, a
    time limit out of range). The caller commits, then hands the run to `scheduler.jobs.submit`.
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
    """The engine's ``on_progress``: writes the best objective, bound, unfilled places and
    seconds to the run row, at most every `PROGRESS_INTERVAL` seconds.

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

    def __call__(self, objective: float, bound: Optional[float], seconds: float, *,
                 unfilled: Optional[int] = None) -> None:
        with self.lock:
            self.pending = {"best_objective": objective, "bound": bound, "seconds": seconds}
            if unfilled is not None:
                self.pending["unfilled_places"] = unfilled
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


def notify(community: Community, shift_ids: Iterable[int]) -> None:
    """Send `schedule_changed` for committed changes to `shift_ids` (call after commit)."""
    ids = sorted(set(shift_ids))
    if ids:
        schedule_changed.send(community.id, shift_ids=ids)
