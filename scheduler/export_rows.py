"""The volunteer and shift entries of a week's schedule document, read with plain SQL rows.

A street office's week is thousands of volunteers and shifts with tens of thousands of
skills, windows and roles; building ORM objects for them all costs several times the queries
themselves, so `scheduler.export` reads them here as tuples, one query per kind of row, and
groups them by owner. The mapping is the one of `scheduler.models`' table.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Iterable, Sequence

from sqlalchemy import select

from scheduler.availability import merge_intervals
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityPreference,
    Availability,
    Community,
    Grid,
    Role,
    Shift,
    ShiftRole,
    ShiftRoleSkill,
    ShiftStatus,
    Skill,
    SupervisionRule,
    Team,
    User,
    Venue,
    VolunteerProfile,
    VolunteerSkill,
    shift_role_teams,
    supervision_rule_teams,
    volunteer_grids,
    volunteer_teams,
)

# An availability window ending at 23:59 runs to midnight (a time column cannot say 24:00).
END_OF_DAY = time(23, 59)


def stamp(moment: datetime) -> str:
    """A local time as the document writes it (``2026-12-07T08:30``)."""
    return moment.isoformat(timespec="minutes")


def _grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """Rows ``(owner id, *values)`` as owner id -> list of value tuples, in query order."""
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(tuple(row[1:]))
    return grouped


# --------------------------------------------------------------------------- volunteers


def volunteer_rows(community: Community) -> list[tuple]:
    """(profile id, name, the five weekly limits) of the community's active volunteers, by name."""
    return list(db.session.execute(
        select(VolunteerProfile.id, User.display_name, VolunteerProfile.max_shifts_per_day,
               VolunteerProfile.max_shifts_per_week, VolunteerProfile.max_minutes_per_week,
               VolunteerProfile.min_rest_minutes, VolunteerProfile.max_consecutive_days)
        .join(User, VolunteerProfile.user_id == User.id)
        .where(User.community_id == community.id, User.role == Role.VOLUNTEER, User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    ))


def _of_community(query, community: Community, volunteer_column):
    return (query.join(VolunteerProfile, volunteer_column == VolunteerProfile.id)
            .join(User, VolunteerProfile.user_id == User.id)
            .where(User.community_id == community.id))


def volunteer_entries(
    community: Community,
    days: Sequence[date],
    leave: dict[int, set[date]],
    busy: dict[int, list[tuple[datetime, datetime]]],
    history: dict[int, int],
) -> list[dict]:
    """The document's ``volunteers`` (see `scheduler.export`)."""
    teams = _grouped(db.session.execute(_of_community(
        select(volunteer_teams.c.volunteer_id, Team.code).join(Team, volunteer_teams.c.team_id == Team.id),
        community, volunteer_teams.c.volunteer_id)))
    grids = _grouped(db.session.execute(_of_community(
        select(volunteer_grids.c.volunteer_id, Grid.code).join(Grid, volunteer_grids.c.grid_id == Grid.id),
        community, volunteer_grids.c.volunteer_id)))
    skills = _grouped(db.session.execute(_of_community(
        select(VolunteerSkill.volunteer_id, Skill.code, VolunteerSkill.level)
        .join(Skill, VolunteerSkill.skill_id == Skill.id), community, VolunteerSkill.volunteer_id)))
    windows = _grouped(db.session.execute(_of_community(
        select(Availability.volunteer_id, Availability.weekday, Availability.start_time, Availability.end_time),
        community, Availability.volunteer_id)))
    prefers = _grouped(db.session.execute(_of_community(
        select(ActivityPreference.volunteer_id, Activity.code, ActivityPreference.weight)
        .join(Activity, ActivityPreference.activity_id == Activity.id), community, ActivityPreference.volunteer_id)))
    entries = []
    for volunteer_id, name, per_day, per_week, minutes, rest, consecutive in volunteer_rows(community):
        entry: dict = {"id": f"v{volunteer_id}", "name": name,
                       "groups": sorted(code for (code,) in teams.get(volunteer_id, ()))}
        if volunteer_id in grids:
            entry["areas"] = sorted(code for (code,) in grids[volunteer_id])
        if volunteer_id in skills:
            entry["skills"] = dict(sorted(skills[volunteer_id]))
        if volunteer_id in windows:
            entry["available"] = available(windows[volunteer_id], days, leave.get(volunteer_id, set()))
        if volunteer_id in busy:
            entry["unavailable"] = [[stamp(start), stamp(end)] for start, end in busy[volunteer_id]]
        days_off = sorted(d for d in leave.get(volunteer_id, ()) if days[0] <= d <= days[-1])
        if days_off:
            entry["days_off"] = [d.isoformat() for d in days_off]
        limits = {key: value for key, value in (
            ("max_shifts_per_day", per_day), ("max_shifts", per_week), ("max_minutes", minutes),
            ("min_rest_minutes", rest), ("max_consecutive_days", consecutive)) if value is not None}
        if limits:
            entry["limits"] = limits
        if volunteer_id in prefers:
            entry["prefers"] = [{"activity": code, "weight": weight} for code, weight in sorted(prefers[volunteer_id])]
        if history.get(volunteer_id, 0) > 0:
            entry["history_minutes"] = history[volunteer_id]
        entries.append(entry)
    return entries


def available(slots: Sequence[tuple[int, time, time]], days: Sequence[date], leave: set[date]) -> list[list[str]]:
    """Weekly windows (weekday, start, end) on the week's days and the next one, leave days
    left out, touching windows merged."""
    by_weekday: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, start, end in slots:
        by_weekday[weekday].append((start, end))
    intervals: list[tuple[datetime, datetime]] = []
    for day in [*days, days[-1] + timedelta(days=1)]:
        if day in leave:
            continue
        for start, end in by_weekday.get(day.weekday(), ()):
            intervals.append((datetime.combine(day, start),
                              datetime.combine(day + timedelta(days=1), time()) if end >= END_OF_DAY
                              else datetime.combine(day, end)))
    return [[stamp(start), stamp(end)] for start, end in merge_intervals(intervals)]


# --------------------------------------------------------------------------- shifts


def shift_entries(community: Community, week: str) -> list[dict]:
    """The document's ``shifts``: the week's active shifts, by start, with roles and supervision."""
    shifts = list(db.session.execute(
        select(Shift.id, Shift.activity_id, Activity.code, Shift.title, Venue.code, Grid.code,
               Shift.starts_at, Shift.ends_at)
        .join(Activity, Shift.activity_id == Activity.id)
        .outerjoin(Venue, Shift.venue_id == Venue.id)
        .outerjoin(Grid, Shift.grid_id == Grid.id)
        .where(Shift.community_id == community.id, Shift.week == week, Shift.status == ShiftStatus.ACTIVE)
        .order_by(Shift.starts_at, Shift.id)
    ))
    in_week = (Shift.community_id == community.id, Shift.week == week, Shift.status == ShiftStatus.ACTIVE)
    roles = _grouped(db.session.execute(
        select(ShiftRole.shift_id, ShiftRole.id, ShiftRole.name, ShiftRole.need, ShiftRole.max, ShiftRole.continuity)
        .join(Shift, ShiftRole.shift_id == Shift.id).where(*in_week)
        .order_by(ShiftRole.shift_id, ShiftRole.position, ShiftRole.id)
    ))
    role_skills = _grouped(db.session.execute(
        select(ShiftRoleSkill.shift_role_id, Skill.code, ShiftRoleSkill.min_level)
        .join(Skill, ShiftRoleSkill.skill_id == Skill.id)
        .join(ShiftRole, ShiftRoleSkill.shift_role_id == ShiftRole.id)
        .join(Shift, ShiftRole.shift_id == Shift.id).where(*in_week)
    ))
    role_teams = _grouped(db.session.execute(
        select(shift_role_teams.c.shift_role_id, Team.code)
        .join(Team, shift_role_teams.c.team_id == Team.id)
        .join(ShiftRole, shift_role_teams.c.shift_role_id == ShiftRole.id)
        .join(Shift, ShiftRole.shift_id == Shift.id).where(*in_week)
    ))
    supervision = _supervision(community)
    entries = []
    for shift_id, activity_id, activity, title, venue, grid, starts_at, ends_at in shifts:
        entry: dict = {"id": f"s{shift_id}", "activity": activity}
        if title:
            entry["title"] = title
        if venue is not None:
            entry["venue"] = venue
        if grid is not None:
            entry["area"] = grid
        entry["start"], entry["end"] = stamp(starts_at), stamp(ends_at)
        entry["roles"] = [_role_entry(role, role_skills.get(role[0], ()), role_teams.get(role[0], ()))
                          for role in roles.get(shift_id, ())]
        if activity_id in supervision:
            entry["supervision"] = supervision[activity_id]
        entries.append(entry)
    return entries


def _role_entry(role: tuple, skills: Sequence[tuple], teams: Sequence[tuple]) -> dict:
    _role_id, name, need, maximum, continuity = role
    entry: dict = {"role": name, "need": need}
    if maximum is not None:
        entry["max"] = maximum
    if skills:
        entry["skills"] = dict(sorted(skills))
    if teams:
        entry["groups"] = sorted(code for (code,) in teams)
    if continuity:
        entry["continuity"] = True
    return entry


def _supervision(community: Community) -> dict[int, list[dict]]:
    """Activity id -> its supervision entries (rules without supervisors are left out)."""
    rules = list(db.session.execute(
        select(SupervisionRule.activity_id, SupervisionRule.id, Team.code)
        .join(Team, SupervisionRule.team_id == Team.id)
        .join(Activity, SupervisionRule.activity_id == Activity.id)
        .where(Activity.community_id == community.id)
    ))
    by_teams = _grouped(db.session.execute(
        select(supervision_rule_teams.c.rule_id, Team.code)
        .join(Team, supervision_rule_teams.c.team_id == Team.id)
        .join(SupervisionRule, supervision_rule_teams.c.rule_id == SupervisionRule.id)
        .join(Activity, SupervisionRule.activity_id == Activity.id)
        .where(Activity.community_id == community.id)
    ))
    found: dict[int, list[dict]] = defaultdict(list)
    for activity_id, rule_id, group in rules:
        if rule_id in by_teams:
            found[activity_id].append({"group": group, "by": sorted(code for (code,) in by_teams[rule_id])})
    return {activity_id: sorted(entries, key=lambda rule: rule["group"]) for activity_id, entries in found.items()}
