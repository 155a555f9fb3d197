"""Command-line planning for cron and for offline solving.

* ``flask --app app schedule --community SLUG --week 2026-W50 [--publish] [--time-limit S]``
  generates the week (idempotent), runs the engine in this process and, with ``--publish``,
  publishes the result. ``--week`` also takes ``current`` and ``next`` and may be repeated;
  ``--if-unpublished`` skips weeks that already have a published version (so ``make run``
  can schedule the demo's coming weeks once). Exit status 1 when a week could not be
  scheduled (its conflicts are printed).
* ``flask --app app export-week --community SLUG --week 2026-W50 > week.json`` prints the
  week's schedule document, as the engine would get it.
* ``flask --app app worker [--burst]`` runs the RQ worker of schedule runs (``make worker``).
"""

from __future__ import annotations

import json
from typing import Optional

import click
from flask import Flask, current_app

from scheduler import jobs, planning
from scheduler.communities import community_by_slug
from scheduler.export import export_week, latest_version
from scheduler.models import Community
from scheduler.planning_models import RunStatus, ScheduleRun
from scheduler.signup import in_write_transaction
from scheduler.weeks import WeekError, generate_week, resolve_week


def init_app(app: Flask) -> None:
    """Register the planning commands."""
    app.cli.add_command(schedule_command)
    app.cli.add_command(export_week_command)
    app.cli.add_command(worker_command)


def _community(slug: str) -> Community:
    community = community_by_slug(slug)
    if community is None:
        raise click.ClickException(f"No community with slug {slug!r}.")
    return community


def _week(community: Community, text: str) -> str:
    try:
        return resolve_week(community, text)
    except WeekError as error:
        raise click.BadParameter(str(error), param_hint="--week") from error


@click.command("schedule")
@click.option("--community", "slug", required=True, help="Slug of the community.")
@click.option("--week", "weeks", multiple=True, required=True,
              help="ISO week such as 2026-W50, or 'current' / 'next'; repeat for several weeks.")
@click.option("--publish", is_flag=True, help="Publish each schedule found.")
@click.option("--time-limit", type=click.FloatRange(min=1), default=None,
              help="Seconds the engine may search per week (default: SCHEDULE_TIME_LIMIT).")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="CP-SAT search workers (default: SOLVER_WORKERS, 0 = one per core).")
@click.option("--if-unpublished", is_flag=True, help="Skip weeks that already have a published version.")
@click.option("--if-exists", is_flag=True, help="Do nothing (exit 0) when the community does not exist.")
def schedule_command(slug: str, weeks: tuple[str, ...], publish: bool, time_limit: Optional[float],
                     workers: Optional[int], if_unpublished: bool, if_exists: bool) -> None:
    """Generate, auto-schedule and optionally publish weeks of a community."""
    if if_exists and community_by_slug(slug) is None:
        click.echo(f"No community {slug!r}; nothing scheduled.")
        return
    community = _community(slug)
    failed = []
    for week in dict.fromkeys(_week(community, text) for text in weeks):
        if if_unpublished and latest_version(community, week) is not None:
            click.echo(f"{week}: already published; skipped.")
            continue
        if not _schedule_week(community, week, publish=publish, time_limit=time_limit, workers=workers):
            failed.append(week)
    if failed:
        raise click.ClickException(f"could not schedule {', '.join(failed)}")


def _schedule_week(community: Community, week: str, *, publish: bool, time_limit: Optional[float],
                   workers: Optional[int]) -> bool:
    generation = in_write_transaction(lambda: generate_week(community, week))
    planning.notify(community, generation.changed_shift_ids)
    click.echo(f"{week}: {generation.active} shifts ({len(generation.created)} new, "
               f"{len(generation.cancelled)} cancelled for holidays).")
    try:
        run = in_write_transaction(lambda: planning.start_run(community, week, time_limit=time_limit))
    except planning.PlanningError as error:
        click.echo(f"{week}: {error}", err=True)
        return False
    run = planning.run_schedule(run.id, workers=workers)
    _print_run(run)
    if run.status != RunStatus.SUCCEEDED:
        return False
    if publish:
        try:
            result = in_write_transaction(lambda: planning.publish(community, week))
        except planning.PlanningError as error:
            click.echo(f"{week}: not published: {error}")
            return True
        planning.notify(community, result.changed_shift_ids)
        click.echo(f"{week}: published version {result.version.number} "
                   f"({len(result.version.assignments)} assignments, {len(result.changes)} changes).")
    return True


def _print_run(run: ScheduleRun) -> None:
    if run.status == RunStatus.SUCCEEDED:
        bound = "-" if run.bound is None else f"{run.bound:.2f}"
        click.echo(f"{run.week}: {run.solver_status}, objective {run.best_objective:.2f}, bound {bound}, "
                   f"{run.unfilled_places} unfilled places, {run.seconds:.1f} s.")
        return
    click.echo(f"{run.week}: no schedule ({run.solver_status or 'error'}); the published plan is unchanged.",
               err=True)
    for line in json.loads(run.conflicts_json or "[]"):
        click.echo(f"  conflict: {line}", err=True)
    if run.error:
        click.echo(f"  {run.error}", err=True)


@click.command("export-week")
@click.option("--community", "slug", required=True, help="Slug of the community.")
@click.option("--week", required=True, help="ISO week such as 2026-W50, or 'current' / 'next'.")
@click.option("--without-draft", is_flag=True, help="Leave the draft's pins and exclusions out.")
def export_week_command(slug: str, week: str, without_draft: bool) -> None:
    """Print a week's schedule document (JSON) for solving offline."""
    community = _community(slug)
    export = export_week(community, _week(community, week), with_draft=not without_draft)
    click.echo(json.dumps(export.document, ensure_ascii=False, indent=2))
    for note in export.notes:
        click.echo(f"left out of fixed: v{note.volunteer_id} in s{note.shift_id}: {note.reason}", err=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Execute queued schedule runs from Redis (needs REDIS_URL)."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it runs execute in the web process.")
    jobs.work(burst=burst)
