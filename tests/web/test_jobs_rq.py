"""Schedule runs on a real job queue: RQ over the local Redis.

With ``REDIS_URL`` set, submitting a run enqueues an RQ job instead of starting a thread.
One test executes it with RQ's in-process `SimpleWorker`; another starts the real worker
command (``flask --app app worker --burst``, what ``make worker`` runs) as a subprocess,
which forks a work horse for the job, on the same database as the test. The queue lives in
a spare Redis database (``TEST_REDIS_URL``, default db 14), emptied before and after;
without Redis the tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from rq import SimpleWorker

from scheduler import jobs, planning
from scheduler.config import PROJECT_ROOT
from scheduler.export import as_assignments, draft_assignments, export_week
from scheduler.extensions import db
from scheduler.planning_models import RunStatus, ScheduleRun
from solver.checker import check
from tests.web.planning_fixtures import WEEK, TEST_TIME_LIMIT, TEST_WORKERS, small_week  # noqa: F401

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_queue():
    """The schedule queue on the spare Redis database, empty (skips if Redis is down)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    queue = jobs.queue(REDIS_URL)
    try:
        queue.connection.ping()
    except RedisConnectionError as error:  # pragma: no cover - CI and dev machines run Redis
        if os.environ.get("CI") == "true":  # .ci/run starts Redis: its absence is a failure
            pytest.fail(f"no Redis at {REDIS_URL}: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    queue.empty()
    yield queue
    queue.empty()
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def submit_run(community) -> int:
    run = planning.start_run(community, WEEK, time_limit=TEST_TIME_LIMIT)
    db.session.commit()
    jobs.submit(run)
    return run.id


def assert_run_solved(community, run_id: int) -> None:
    db.session.commit()  # see what the worker committed
    run = db.session.get(ScheduleRun, run_id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.unfilled_places == 1
    assignments = as_assignments(draft_assignments(community, WEEK))
    report = check(export_week(community, WEEK).problem, assignments)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(run.best_objective, rel=1e-6)


@pytest.mark.app_config(REDIS_URL=REDIS_URL, SOLVER_WORKERS=TEST_WORKERS)
def test_a_submitted_run_is_a_job_that_an_rq_worker_executes(small_week, redis_queue):
    run_id = submit_run(small_week.community)
    run = db.session.get(ScheduleRun, run_id)
    assert run.job_id == f"schedule-run-{run_id}" and run.status == RunStatus.QUEUED
    assert redis_queue.job_ids == [run.job_id]  # queued, not started in a thread
    assert jobs.join(run_id, timeout=0)

    worker = SimpleWorker([redis_queue], connection=redis_queue.connection)
    assert worker.work(burst=True)
    job = redis_queue.fetch_job(f"schedule-run-{run_id}")
    assert job.get_status() == "finished" and job.return_value() == "succeeded"
    assert_run_solved(small_week.community, run_id)


@pytest.mark.app_config(REDIS_URL=REDIS_URL)
def test_the_worker_command_executes_runs_in_another_process(small_week, redis_queue, database):
    run_id = submit_run(small_week.community)
    db.session.commit()
    environment = {**os.environ, "DATABASE_URL": _url_for_subprocess(database), "REDIS_URL": REDIS_URL}
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"]
    finished = subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert_run_solved(small_week.community, run_id)
    job = redis_queue.fetch_job(f"schedule-run-{run_id}")
    assert job.get_status() == "finished" and job.worker_name


@pytest.mark.app_config(REDIS_URL=REDIS_URL)
def test_a_job_for_a_run_that_is_no_longer_queued_does_nothing(small_week, redis_queue):
    run_id = submit_run(small_week.community)
    planning.cancel_run(db.session.get(ScheduleRun, run_id))
    db.session.commit()
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    assert redis_queue.fetch_job(f"schedule-run-{run_id}").return_value() is None
    db.session.commit()
    run = db.session.get(ScheduleRun, run_id)
    assert run.status == RunStatus.FAILED and run.error == "cancelled by a coordinator"
    assert draft_assignments(small_week.community, WEEK) == []


def test_the_worker_command_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def _url_for_subprocess(database) -> str:
    """The test database's URL, with the PostgreSQL schema (a connect option) in it."""
    options = dict(database.engine_options).get("connect_args", {}).get("options")
    if not options:
        return database.uri
    return f"{database.uri}?options={quote(options)}"
