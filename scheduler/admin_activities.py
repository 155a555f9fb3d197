"""Service verbs for coordinators: activities with their recurrence, roles and supervision
rules, one-off events and cancelled dates (holidays).

Editing an activity changes the shifts generated from then on; shifts already generated
keep their copied roles (`ShiftRole`), so a published week is never rewritten behind the
coordinator's back. The verbs check, add and flush; the view commits. A refusal raises
`scheduler.admin.AdminError` naming the form field at fault.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Mapping, Optional, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from scheduler.admin import CODE_PATTERN, AdminError, free_code
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityKind,
    ActivityRole,
    ActivityRoleSkill,
    Community,
    Grid,
    Shift,
    ShiftStatus,
    SignUp,
    Skill,
    SupervisionRule,
    Team,
    Venue,
    utcnow,
)
from scheduler.planning_models import CancelledDate
from scheduler.weeks import add_one_off

log = logging.getLogger(__name__)

#: A holiday longer than this is more likely a typo in the year.
MAX_CANCELLED_DAYS = 366


# --------------------------------------------------------------------------- activities


@dataclass(frozen=True)
class ActivityData:
    """An activity's description and weekly recurrence.

    `weekdays` empty means the activity never recurs (only one-off events). An `end_time`
    at or before `start_time` means the occurrence ends the next day (a night patrol).
    """

    code: str
    kind: ActivityKind
    title: str
    start_time: time
    end_time: time
    valid_from: date
    weekdays: Sequence[int] = ()
    valid_until: Optional[date] = None
    venue: Optional[Venue] = None
    grid: Optional[Grid] = None
    description: str = ""


def activities_of(community: Community) -> list[Activity]:
    """The community's activities, active first, then by title."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.community_id == community.id)
            .order_by(Activity.is_active.desc(), Activity.title, Activity.id)
        )
    )


def create_activity(community: Community, data: ActivityData) -> Activity:
    """Add an activity (without roles yet) to `community`; an empty code is generated."""
    code = data.code.strip() or free_code(community, Activity)
    _check_activity(community, data, code, current=None)
    activity = Activity(community=community, code=code, is_active=True)
    _apply_activity(activity, data)
    db.session.add(activity)
    db.session.flush()
    log.info("added activity %s to %s", code, community.slug)
    return activity


def update_activity(activity: Activity, data: ActivityData) -> None:
    """Change an activity's description and recurrence (future generated weeks follow)."""
    code = data.code.strip() or activity.code
    _check_activity(activity.community, data, code, current=activity)
    activity.code = code
    _apply_activity(activity, data)
    db.session.flush()
    log.info("updated activity %s", activity.code)


def set_activity_active(activity: Activity, active: bool) -> None:
    """Pause an activity (no new shifts are generated) or resume it."""
    activity.is_active = active
    db.session.flush()


def _check_activity(community: Community, data: ActivityData, code: str, *, current) -> None:
    if not CODE_PATTERN.match(code):
        raise AdminError(
            "code", _l("Use lower-case letters, digits, '-' and '_' (at most 40), starting with a letter or digit.")
        )
    taken = db.session.scalar(
        select(Activity).where(Activity.community_id == community.id, Activity.code == code)
    )
    if taken is not None and taken is not current:
        raise AdminError("code", _l("This code is already used."))
    if not data.title.strip():
        raise AdminError("title", _l("Enter a title."))
    if data.start_time == data.end_time:
        raise AdminError("end_time", _l("The end must differ from the start."))
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise AdminError("valid_until", _l("The end date cannot be before the start date."))
    if any(not 0 <= day <= 6 for day in data.weekdays):
        raise AdminError("weekdays", _l("Choose days of the week."))
    for name, item in (("venue", data.venue), ("grid", data.grid)):
        if item is not None and item.community_id != community.id:
            raise AdminError(name, _l("Choose from your own community."))


def _apply_activity(activity: Activity, data: ActivityData) -> None:
    activity.kind = data.kind
    activity.title = data.title.strip()
    activity.description = data.description.strip()
    activity.weekdays = data.weekdays
    activity.start_time = data.start_time
    activity.end_time = data.end_time
    activity.valid_from = data.valid_from
    activity.valid_until = data.valid_until
    activity.venue = data.venue
    activity.grid = data.grid


# --------------------------------------------------------------------------- roles


@dataclass(frozen=True)
class RoleData:
    """A role of an activity: how many people (`need`, hard cap `max`), with what skills
    (skill -> minimum level), from which teams (empty: any), and whether the same person
    should keep it from week to week (`continuity`)."""

    name: str
    need: int = 1
    max: Optional[int] = None
    skills: Mapping[Skill, int] = field(default_factory=dict)
    teams: Sequence[Team] = ()
    continuity: bool = False


def add_role(activity: Activity, data: RoleData) -> ActivityRole:
    """Add a role at the end of the activity's roles."""
    _check_role(activity, data, current=None)
    position = max((role.position for role in activity.roles), default=-1) + 1
    role = ActivityRole(activity=activity, position=position)
    _apply_role(role, data)
    db.session.add(role)
    db.session.flush()
    return role


def update_role(role: ActivityRole, data: RoleData) -> None:
    """Change a role's name, numbers, skills, teams and continuity."""
    _check_role(role.activity, data, current=role)
    _apply_role(role, data)
    db.session.flush()


def delete_role(role: ActivityRole) -> None:
    """Remove a role from its activity (roles of shifts already generated stay)."""
    activity = role.activity
    activity.roles.remove(role)
    db.session.flush()


def _check_role(activity: Activity, data: RoleData, *, current: Optional[ActivityRole]) -> None:
    name = data.name.strip()
    if not name:
        raise AdminError("name", _l("Enter the role's name."))
    if any(role.name == name and role is not current for role in activity.roles):
        raise AdminError("name", _l("This activity already has a role with this name."))
    if data.need < 0:
        raise AdminError("need", _l("Enter a number of 0 or more."))
    if data.max is not None and data.max < data.need:
        raise AdminError("max", _l("The maximum cannot be below the number needed."))
    community_id = activity.community_id
    if any(skill.community_id != community_id for skill in data.skills):
        raise AdminError("skills", _l("Choose from your own community."))
    if any(level < 1 for level in data.skills.values()):
        raise AdminError("skills", _l("Minimum levels start at 1."))
    if any(team.community_id != community_id for team in data.teams):
        raise AdminError("teams", _l("Choose from your own community."))


def _apply_role(role: ActivityRole, data: RoleData) -> None:
    role.name = data.name.strip()
    role.need = data.need
    role.max = data.max
    role.continuity = data.continuity
    role.teams = list(data.teams)
    wanted = dict(data.skills)
    kept = []
    for required in role.skills:
        if required.skill in wanted:
            required.min_level = wanted.pop(required.skill)
            kept.append(required)
    kept.extend(ActivityRoleSkill(skill=skill, min_level=level) for skill, level in wanted.items())
    role.skills = kept


# --------------------------------------------------------------------------- supervision


def add_supervision_rule(activity: Activity, team: Team, by_teams: Sequence[Team]) -> SupervisionRule:
    """Whenever someone of `team` serves a shift of `activity`, someone of `by_teams` must too."""
    if team.community_id != activity.community_id or any(
        by.community_id != activity.community_id for by in by_teams
    ):
        raise AdminError("team", _l("Choose from your own community."))
    if not by_teams:
        raise AdminError("by_teams", _l("Choose at least one supervising team."))
    if team in by_teams:
        raise AdminError("by_teams", _l("A team cannot supervise itself."))
    if any(rule.team_id == team.id for rule in activity.supervision_rules):
        raise AdminError("team", _l("This team already has a supervision rule here."))
    rule = SupervisionRule(activity=activity, team=team, by_teams=list(by_teams))
    db.session.add(rule)
    db.session.flush()
    return rule


def delete_supervision_rule(rule: SupervisionRule) -> None:
    """Remove a supervision rule."""
    rule.activity.supervision_rules.remove(rule)
    db.session.flush()


# --------------------------------------------------------------------------- one-off events


@dataclass(frozen=True)
class OneOffData:
    """A single extra shift of an activity on `day`; times and title default to the activity's."""

    day: date
    start_time: Optional[time] = None
    end_time: Optional[time] = None
    title: str = ""


def one_off_events(community: Community, *, since: date) -> list[Shift]:
    """One-off shifts of `community` starting on or after `since`, by start."""
    return list(
        db.session.scalars(
            select(Shift)
            .where(
                Shift.community_id == community.id,
                Shift.is_one_off.is_(True),
                Shift.starts_at >= datetime.combine(since, time()),
            )
            .order_by(Shift.starts_at, Shift.id)
        )
    )


def create_one_off_event(activity: Activity, data: OneOffData) -> Shift:
    """A shift of `activity` on `data.day` that no recurrence generates (a festival, a drill).

    The shift itself is made by `scheduler.weeks.add_one_off`, as week generation expects;
    this adds the checks a coordinator's form needs.
    """
    if not activity.roles:
        raise AdminError("activity", _l("Give the activity at least one role first."))
    if (data.start_time or activity.start_time) == (data.end_time or activity.end_time):
        raise AdminError("end_time", _l("The end must differ from the start."))
    try:
        shift = add_one_off(
            activity, data.day, start=data.start_time, end=data.end_time, title=data.title.strip() or None
        )
    except ValueError as error:
        raise AdminError("day", _l("This activity already has a shift starting at that time.")) from error
    log.info("added one-off shift %s of %s on %s", shift.id, activity.code, data.day)
    return shift


def cancel_one_off_event(shift: Shift) -> bool:
    """Remove a one-off event: deleted if nobody signed up, else kept as cancelled.

    Returns True when the shift was kept as cancelled, so the caller sends
    `scheduler.signals.schedule_changed` after committing (calendars must show it).
    """
    if not shift.is_one_off:
        raise AdminError("shift", _l("Only one-off events can be removed here."))
    has_sign_ups = db.session.scalar(
        select(func.count()).select_from(SignUp).where(SignUp.shift_id == shift.id)
    )
    if not has_sign_ups:
        db.session.delete(shift)
        db.session.flush()
        return False
    shift.status = ShiftStatus.CANCELLED
    shift.cancelled_at = utcnow()
    db.session.flush()
    log.info("cancelled one-off shift %s", shift.id)
    return True


# --------------------------------------------------------------------------- cancelled dates


def cancelled_dates(community: Community, *, since: Optional[date] = None) -> list[CancelledDate]:
    """The community's cancelled dates (those ending on or after `since`, if given), by date."""
    query = select(CancelledDate).where(CancelledDate.community_id == community.id)
    if since is not None:
        query = query.where(CancelledDate.end_date >= since)
    return list(db.session.scalars(query.order_by(CancelledDate.start_date, CancelledDate.id)))


def add_cancelled_dates(
    community: Community,
    start: date,
    end: Optional[date] = None,
    *,
    activity: Optional[Activity] = None,
    reason: str = "",
) -> CancelledDate:
    """No recurring shifts from `start` to `end` (inclusive; default one day): for the whole
    community, or only for `activity`. Refuses a range that overlaps one of the same scope."""
    end = end or start
    if end < start:
        raise AdminError("end_date", _l("The end date cannot be before the start date."))
    if (end - start).days > MAX_CANCELLED_DAYS:
        raise AdminError("end_date", _l("Cancel at most %(count)d days at once.", count=MAX_CANCELLED_DAYS))
    if activity is not None and activity.community_id != community.id:
        raise AdminError("activity", _l("Choose from your own community."))
    scope = (
        CancelledDate.activity_id.is_(None)
        if activity is None
        else CancelledDate.activity_id == activity.id
    )
    overlapping = db.session.scalar(
        select(CancelledDate).where(
            CancelledDate.community_id == community.id,
            scope,
            CancelledDate.start_date <= end,
            CancelledDate.end_date >= start,
        )
    )
    if overlapping is not None:
        raise AdminError("start_date", _l("These dates overlap dates already cancelled."))
    cancelled = CancelledDate(
        community=community, activity=activity, start_date=start, end_date=end, reason=reason.strip()
    )
    db.session.add(cancelled)
    db.session.flush()
    log.info(
        "cancelled %s..%s in %s (%s)", start, end, community.slug, activity.code if activity else "all"
    )
    return cancelled


def remove_cancelled_dates(cancelled: CancelledDate) -> None:
    """Take back cancelled dates (weeks generated afterwards have the shifts again)."""
    db.session.delete(cancelled)
    db.session.flush()
