"""What every planning verb needs to know: its errors, and whether a run holds the week.

Shared by `scheduler.planning` (runs), `scheduler.draft_edits` and `scheduler.publishing`,
so that none of them has to import another.
"""

from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from scheduler.extensions import db
from scheduler.models import Community
from scheduler.planning_models import ACTIVE_RUN_STATUSES, ScheduleRun
from scheduler.weeks import parse_week


class PlanningError(Exception):
    """A planning request that cannot be done; `message` says why (translatable)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class RunInProgress(PlanningError):
    """The week already has a queued or running run."""


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


def editable_week(community: Community, week: str) -> str:
    """`week` normalised, or `RunInProgress` while a run may still rewrite its draft."""
    week = parse_week(week)
    if active_run(community, week) is not None:
        raise RunInProgress(_l("Wait until the running schedule finishes before editing."))
    return week
