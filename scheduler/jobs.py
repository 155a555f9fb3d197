"""Background execution of schedule runs: a thread of the web process, or RQ over Redis.

Without ``REDIS_URL`` a run executes in a daemon thread of the process that submitted it,
with an app context of its own, so closing the page does not stop it. With ``REDIS_URL``
it is a job on the RQ queue `QUEUE_NAME`, executed by ``flask --app app worker`` (``make
worker``), which forks a work horse per job. Either way the run row is the source of truth
the page polls, and the database's partial unique index keeps two runs of one week from
being active at once, whichever processes submit them.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Optional

from flask import Flask, current_app, has_app_context

from scheduler.extensions import db
from scheduler.planning import run_schedule
from scheduler.planning_models import ScheduleRun

log = logging.getLogger(__name__)

QUEUE_NAME = "scheduling"
#: Seconds an RQ job may take beyond the run's time limit (export, explanations, write-back).
JOB_TIMEOUT_MARGIN = 600

#: The process that imported this module; an RQ work horse forked from it has another pid.
_IMPORTING_PROCESS = os.getpid()

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def job_id(run: ScheduleRun) -> str:
    """The RQ job id of a run (deterministic, so the run row can carry it before enqueuing)."""
    return f"schedule-run-{run.id}"


def redis_connection(url: str):
    """A Redis client for `url`."""
    from redis import Redis

    return Redis.from_url(url)


def queue(url: Optional[str] = None):
    """The RQ queue of schedule runs on the configured (or given) Redis."""
    from rq import Queue

    url = url or current_app.config["REDIS_URL"]
    return Queue(QUEUE_NAME, connection=redis_connection(url))


def submit(run: ScheduleRun) -> None:
    """Commit the queued `run` and start executing it in the background."""
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    run.job_id = job_id(run) if redis_url else f"thread-{run.id}"
    db.session.commit()
    if redis_url:
        queue(redis_url).enqueue_call(
            execute, args=(run.id,), job_id=run.job_id,
            timeout=int(run.time_limit) + JOB_TIMEOUT_MARGIN,
            result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
            description=f"schedule {run.week} of community {run.community_id} (run {run.id})",
        )
        log.info("run %s enqueued on RQ as %s", run.id, run.job_id)
        return
    thread = threading.Thread(target=_execute_in_thread, args=(app, run.id),
                              name=f"schedule-run-{run.id}", daemon=True)
    with _threads_lock:
        _threads[run.id] = thread
    thread.start()
    log.info("run %s started in thread %s", run.id, thread.name)


def _execute_in_thread(app: Flask, run_id: int) -> None:
    try:
        with app.app_context():
            try:
                run_schedule(run_id)
            finally:
                db.session.remove()
    except Exception:  # a thread has nobody to raise to
        log.exception("run %s crashed in its thread", run_id)
    finally:
        with _threads_lock:
            _threads.pop(run_id, None)


def join(run_id: int, timeout: Optional[float] = None) -> bool:
    """Wait for the thread of run `run_id` (if it runs in this process); True when done."""
    with _threads_lock:
        thread = _threads.get(run_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()


def execute(run_id: int) -> Optional[str]:
    """The RQ job: execute run `run_id`; returns the run's final status.

    In a work horse forked from ``flask worker`` the app context is inherited; its pooled
    connections belong to the parent, so the child opens its own.
    """
    if has_app_context():
        if os.getpid() != _IMPORTING_PROCESS:
            db.engine.dispose(close=False)
        return _status(run_schedule(run_id))
    from scheduler import create_app

    app = create_app()
    with app.app_context():
        try:
            return _status(run_schedule(run_id))
        finally:
            db.session.remove()


def _status(run: Optional[ScheduleRun]) -> Optional[str]:
    return None if run is None else run.status.value


def work(*, burst: bool = False) -> bool:
    """Run an RQ worker on the schedule queue (``flask --app app worker``)."""
    from rq import Worker

    schedule_queue = queue()
    worker = Worker([schedule_queue], connection=schedule_queue.connection)
    return worker.work(burst=burst)
