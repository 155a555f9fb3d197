"""A community's week as a schedule document, and a solution back as the week's draft.

`export_week` maps rows onto `shared/spec/schedule-format.md` (see `scheduler.models` for the
table of fields):

* volunteers: the community's active volunteers; ``available`` is their weekly availability
  on the week's days (and the day after, for shifts that end after midnight) minus their
  leave days, ``unavailable`` their imported busy times, ``days_off`` their leave days,
  ``limits`` their per-week limits, ``prefers`` their liked and disliked activities and
  ``history_minutes`` what they served in the four weeks before (confirmed sign-ups);
* shifts: the week's shifts that are not cancelled, with their roles and supervision;
* ``fixed``: confirmed sign-ups made by the volunteer or by a coordinator, and the draft's
  pins; ``forbidden``: withdrawn sign-ups and the draft's exclusions; ``previous``: the
  latest published version of the week.

A fixed entry the document could not hold is left out with a note instead of making the
whole week unsolvable: one the volunteer no longer qualifies for (a skill, team or grid
changed since), and a volunteer's own sign-up that their later leave or busy time
contradicts. A coordinator's pin on such a time stays fixed, so the engine's conflicts name it.

`write_draft` turns the engine's assignments back into `DraftAssignment` rows.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Iterable, Optional, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityPreference,
    BusyTime,
    Community,
    LeaveDate,
    Shift,
    ShiftRole,
    ShiftRoleSkill,
    ShiftStatus,
    SignUp,
    SignUpSource,
    SignUpStatus,
    SupervisionRule,
    User,
    VolunteerProfile,
    VolunteerSkill,
    volunteers_of,
)
from scheduler.planning_models import DraftAssignment, DraftExclusion, PlanAssignment, PlanVersion
from scheduler.weeks import parse_week, week_dates
from solver.checker_rules import CheckContext, clear_of_unavailable, not_on_day_off, within_availability
from solver.domain import PROBLEM_FORMAT, Assignment, Problem
from solver.parse import ProblemError, parse_problem

log = logging.getLogger(__name__)

#: Weeks of service counted in ``history_minutes``.
HISTORY_WEEKS = 4
#: Sign-up sources whose confirmed sign-ups are ``fixed``.
FIXED_SOURCES = (SignUpSource.SELF, SignUpSource.COORDINATOR)
_FIXED_PATH = re.compile(r"^fixed\[(\d+)\]")
_DOC_ID = re.compile(r"^([vs])(\d+)$")
# An availability window ending at 23:59 runs to midnight (a time column cannot say 24:00).
_END_OF_DAY = time(23, 59)


def volunteer_doc_id(volunteer_id: int) -> str:
    """The document id of a volunteer profile (``v17``)."""
    return f"v{volunteer_id}"


def shift_doc_id(shift_id: int) -> str:
    """The document id of a shift (``s42``)."""
    return f"s{shift_id}"


def database_id(doc_id: str) -> int:
    """The row id behind a document id made by this module (``v17`` -> 17)."""
    match = _DOC_ID.match(doc_id)
    if not match:
        raise ValueError(f"{doc_id!r} is not a volunteer or shift id of an exported week")
    return int(match.group(2))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class ExportNote:
    """A fixed entry left out of the document, and why (`reason` is the engine's wording)."""

    volunteer_id: int
    shift_id: int
    reason: str

    def to_dict(self) -> dict:
        """JSON-ready form (stored on the run)."""
        return {"volunteer_id": self.volunteer_id, "shift_id": self.shift_id, "reason": self.reason}


@dataclass
class WeekExport:
    """An exported week: the document, its parsed `Problem`, and notes on left-out entries."""

    document: dict
    problem: Problem
    notes: list[ExportNote] = field(default_factory=list)
    #: Pairs (volunteer id, shift id) of the draft's pins.
    pins: frozenset[tuple[int, int]] = frozenset()


# --------------------------------------------------------------------------- reading rows


def week_shifts(community: Community, week: str) -> list[Shift]:
    """The week's active shifts, by start, with what the document needs loaded."""
    return list(db.session.scalars(
        select(Shift)
        .where(Shift.community_id == community.id, Shift.week == week,
               Shift.status == ShiftStatus.ACTIVE)
        .options(
            selectinload(Shift.roles).selectinload(ShiftRole.skills).selectinload(ShiftRoleSkill.skill),
            selectinload(Shift.roles).selectinload(ShiftRole.teams),
            selectinload(Shift.activity).selectinload(Activity.supervision_rules)
            .selectinload(SupervisionRule.by_teams),
            selectinload(Shift.activity).selectinload(Activity.supervision_rules)
            .selectinload(SupervisionRule.team),
            selectinload(Shift.venue),
            selectinload(Shift.grid),
        )
        .order_by(Shift.starts_at, Shift.id)
    ))


def active_volunteers(community: Community) -> list[VolunteerProfile]:
    """The community's volunteers whose accounts are active, with profiles loaded."""
    return list(db.session.scalars(
        volunteers_of(community)
        .where(User.is_active.is_(True))
        .options(
            selectinload(VolunteerProfile.user),
            selectinload(VolunteerProfile.teams),
            selectinload(VolunteerProfile.grids),
            selectinload(VolunteerProfile.skills).selectinload(VolunteerSkill.skill),
            selectinload(VolunteerProfile.availability),
            selectinload(VolunteerProfile.preferences).selectinload(ActivityPreference.activity),
        )
    ))


def latest_version(community: Community, week: str) -> Optional[PlanVersion]:
    """The latest published version of the week, or None."""
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.community_id == community.id, PlanVersion.week == week)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )


def _by_volunteer(rows: Iterable, key: str = "volunteer_id") -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _leave_days(community: Community, first: date, last: date) -> dict[int, set[date]]:
    rows = db.session.scalars(
        select(LeaveDate)
        .join(VolunteerProfile).join(User)
        .where(User.community_id == community.id, LeaveDate.start_date <= last,
               LeaveDate.end_date >= first)
    )
    days: dict[int, set[date]] = defaultdict(set)
    for leave in rows:
        days[leave.volunteer_id].update(d for d in leave.days() if first <= d <= last)
    return days


def _busy_times(community: Community, start: datetime, end: datetime) -> dict[int, list[BusyTime]]:
    return _by_volunteer(db.session.scalars(
        select(BusyTime)
        .join(VolunteerProfile).join(User)
        .where(User.community_id == community.id, BusyTime.starts_at < end, BusyTime.ends_at > start)
        .order_by(BusyTime.starts_at, BusyTime.id)
    ))


def history_minutes(community: Community, first_day: date) -> dict[int, int]:
    """Minutes each volunteer served in confirmed sign-ups of the `HISTORY_WEEKS` weeks
    before `first_day` (cancelled shifts do not count)."""
    since = datetime.combine(first_day - timedelta(weeks=HISTORY_WEEKS), time())
    until = datetime.combine(first_day, time())
    rows = db.session.execute(
        select(SignUp.volunteer_id, Shift.starts_at, Shift.ends_at)
        .join(Shift, SignUp.shift_id == Shift.id)
        .where(Shift.community_id == community.id, Shift.status == ShiftStatus.ACTIVE,
               Shift.starts_at >= since, Shift.starts_at < until,
               SignUp.status == SignUpStatus.CONFIRMED)
    )
    zone = community.zone
    minutes: dict[int, int] = defaultdict(int)
    for volunteer_id, starts_at, ends_at in rows:
        minutes[volunteer_id] += _absolute_minutes(starts_at, ends_at, zone)
    return dict(minutes)


def _absolute_minutes(start: datetime, end: datetime, zone: ZoneInfo) -> int:
    """Minutes between two local times on the absolute clock (a DST change counts)."""
    seconds = (end.replace(tzinfo=zone).astimezone(UTC) - start.replace(tzinfo=zone).astimezone(UTC))
    return int(seconds.total_seconds() // 60)


# --------------------------------------------------------------------------- the document


def _volunteer_entry(
    profile: VolunteerProfile,
    days: Sequence[date],
    leave: set[date],
    busy: Sequence[BusyTime],
    history: int,
) -> dict:
    entry: dict = {"id": volunteer_doc_id(profile.id), "name": profile.user.display_name,
                   "groups": sorted(team.code for team in profile.teams)}
    if profile.grids:
        entry["areas"] = sorted(grid.code for grid in profile.grids)
    skills = {vs.skill.code: vs.level for vs in profile.skills}
    if skills:
        entry["skills"] = dict(sorted(skills.items()))
    if profile.availability:
        entry["available"] = _available(profile, days, leave)
    if busy:
        entry["unavailable"] = [[_stamp(b.starts_at), _stamp(b.ends_at)] for b in busy]
    days_off = sorted(d for d in leave if days[0] <= d <= days[-1])
    if days_off:
        entry["days_off"] = [d.isoformat() for d in days_off]
    limits = {
        key: value
        for key, value in (
            ("max_shifts_per_day", profile.max_shifts_per_day),
            ("max_shifts", profile.max_shifts_per_week),
            ("max_minutes", profile.max_minutes_per_week),
            ("min_rest_minutes", profile.min_rest_minutes),
            ("max_consecutive_days", profile.max_consecutive_days),
        )
        if value is not None
    }
    if limits:
        entry["limits"] = limits
    prefers = sorted((p.activity.code, p.weight) for p in profile.preferences)
    if prefers:
        entry["prefers"] = [{"activity": code, "weight": weight} for code, weight in prefers]
    if history > 0:
        entry["history_minutes"] = history
    return entry


def _available(profile: VolunteerProfile, days: Sequence[date], leave: set[date]) -> list[list[str]]:
    """Weekly windows on the week's days and the next one, leave days left out, merged."""
    windows: list[tuple[datetime, datetime]] = []
    for day in [*days, days[-1] + timedelta(days=1)]:
        if day in leave:
            continue
        for slot in profile.availability:
            if slot.weekday != day.weekday():
                continue
            start = datetime.combine(day, slot.start_time)
            end = (datetime.combine(day + timedelta(days=1), time())
                   if slot.end_time >= _END_OF_DAY else datetime.combine(day, slot.end_time))
            windows.append((start, end))
    merged: list[list[datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[_stamp(start), _stamp(end)] for start, end in merged]


def _shift_entry(shift: Shift) -> dict:
    entry: dict = {"id": shift_doc_id(shift.id), "activity": shift.activity.code}
    if shift.title:
        entry["title"] = shift.title
    if shift.venue is not None:
        entry["venue"] = shift.venue.code
    if shift.grid is not None:
        entry["area"] = shift.grid.code
    entry["start"], entry["end"] = _stamp(shift.starts_at), _stamp(shift.ends_at)
    entry["roles"] = [_role_entry(role) for role in shift.roles]
    supervision = [
        {"group": rule.team.code, "by": sorted(team.code for team in rule.by_teams)}
        for rule in shift.activity.supervision_rules
        if rule.by_teams
    ]
    if supervision:
        entry["supervision"] = sorted(supervision, key=lambda rule: rule["group"])
    return entry


def _role_entry(role: ShiftRole) -> dict:
    entry: dict = {"role": role.name, "need": role.need}
    if role.max is not None:
        entry["max"] = role.max
    skills = role.required_skills()
    if skills:
        entry["skills"] = dict(sorted(skills.items()))
    if role.teams:
        entry["groups"] = sorted(team.code for team in role.teams)
    if role.continuity:
        entry["continuity"] = True
    return entry


@dataclass
class _Fixed:
    """A candidate fixed entry and whether the volunteer made it themselves."""

    volunteer_id: int
    shift_id: int
    role: str
    own: bool


def export_week(community: Community, week: str, *, with_draft: bool = True) -> WeekExport:
    """The community's week as a valid schedule document (see the module docstring).

    `with_draft` adds the draft's pins to ``fixed`` and its exclusions to ``forbidden``.
    Raises `ProblemError` only if the rows make a document the engine rejects for a reason
    other than a fixed entry (a bug, or data broken outside the service).
    """
    week = parse_week(week)
    days = week_dates(week)
    shifts = week_shifts(community, week)
    volunteers = active_volunteers(community)
    shift_by_id = {shift.id: shift for shift in shifts}
    volunteer_ids = {profile.id for profile in volunteers}
    leave = _leave_days(community, days[0], days[-1] + timedelta(days=1))
    busy = _busy_times(community, datetime.combine(days[0], time()),
                       datetime.combine(days[-1] + timedelta(days=2), time()))
    history = history_minutes(community, days[0])

    def exported(volunteer_id: int, shift_id: int) -> bool:
        return volunteer_id in volunteer_ids and shift_id in shift_by_id

    # The latest sign-up of each pair says what the volunteer wants now.
    latest: dict[tuple[int, int], SignUp] = {}
    if shift_by_id:
        for s in db.session.scalars(
            select(SignUp).where(SignUp.shift_id.in_(shift_by_id)).options(selectinload(SignUp.shift_role))
            .order_by(SignUp.id)
        ):
            if exported(s.volunteer_id, s.shift_id):
                latest[(s.volunteer_id, s.shift_id)] = s
    sign_ups = list(latest.values())
    forbidden = {pair for pair, s in latest.items() if s.status == SignUpStatus.WITHDRAWN}
    fixed: dict[tuple[int, int], _Fixed] = {
        (s.volunteer_id, s.shift_id): _Fixed(s.volunteer_id, s.shift_id, s.shift_role.name,
                                             s.source == SignUpSource.SELF)
        for s in sign_ups
        if s.status == SignUpStatus.CONFIRMED and s.source in FIXED_SOURCES
    }
    pins: set[tuple[int, int]] = set()
    if with_draft:
        for draft in db.session.scalars(
            select(DraftAssignment).where(DraftAssignment.community_id == community.id,
                                          DraftAssignment.week == week, DraftAssignment.pinned.is_(True))
            .options(selectinload(DraftAssignment.shift_role))
        ):
            if exported(draft.volunteer_id, draft.shift_id):
                pair = (draft.volunteer_id, draft.shift_id)
                pins.add(pair)
                fixed[pair] = _Fixed(draft.volunteer_id, draft.shift_id, draft.shift_role.name, own=False)
        forbidden |= {
            (e.volunteer_id, e.shift_id) for e in db.session.scalars(
                select(DraftExclusion).where(DraftExclusion.community_id == community.id,
                                             DraftExclusion.week == week))
            if exported(e.volunteer_id, e.shift_id)
        }
    # The volunteer's withdrawal and the coordinator's exclusion win over a fixed entry.
    fixed_entries = [f for pair, f in sorted(fixed.items()) if pair not in forbidden]

    previous = []
    version = latest_version(community, week)
    if version is not None:
        previous = [
            {"volunteer": volunteer_doc_id(a.volunteer_id), "shift": shift_doc_id(a.shift_id),
             "role": a.role_name}
            for a in sorted(version.assignments, key=lambda a: (a.shift_id, a.volunteer_id))
            if exported(a.volunteer_id, a.shift_id)
            and a.role_name in {role.name for role in shift_by_id[a.shift_id].roles}
        ]

    document = {
        "format": PROBLEM_FORMAT,
        "name": f"{community.name} {week}",
        "timezone": community.timezone,
        "horizon": {"start": days[0].isoformat(), "end": days[-1].isoformat()},
        "volunteers": [
            _volunteer_entry(p, days, leave.get(p.id, set()), busy.get(p.id, ()), history.get(p.id, 0))
            for p in volunteers
        ],
        "shifts": [_shift_entry(shift) for shift in shifts],
        "fixed": [],
        "forbidden": [{"volunteer": volunteer_doc_id(v), "shift": shift_doc_id(s)}
                      for v, s in sorted(forbidden)],
        "previous": previous,
    }
    problem, kept, notes = _settle_fixed(document, fixed_entries)
    log.info("exported %s %s: %d volunteers, %d shifts, %d fixed (%d left out), %d forbidden, %d previous",
             community.slug, week, len(volunteers), len(shifts), len(kept), len(notes),
             len(document["forbidden"]), len(previous))
    return WeekExport(document, problem, notes, frozenset(pins))


def _fixed_doc(entries: Sequence[_Fixed]) -> list[dict]:
    return [{"volunteer": volunteer_doc_id(f.volunteer_id), "shift": shift_doc_id(f.shift_id), "role": f.role}
            for f in entries]


def _settle_fixed(document: dict, entries: list[_Fixed]) -> tuple[Problem, list[_Fixed], list[ExportNote]]:
    """Parse `document` with `entries` as ``fixed``, leaving out those it cannot hold."""
    notes: list[ExportNote] = []
    document["fixed"] = _fixed_doc(entries)
    try:
        problem = parse_problem(document)
    except ProblemError as error:
        faulty: dict[int, str] = {}
        others = []
        for message in error.errors:
            match = _FIXED_PATH.match(message)
            if match:
                faulty.setdefault(int(match.group(1)), message.split(": ", 1)[-1])
            else:
                others.append(message)
        if others:
            raise ProblemError(others) from error
        notes += [ExportNote(entries[i].volunteer_id, entries[i].shift_id, reason) for i, reason in faulty.items()]
        entries = [f for i, f in enumerate(entries) if i not in faulty]
        document["fixed"] = _fixed_doc(entries)
        problem = parse_problem(document)
    # A volunteer's own sign-up that their later leave or busy time contradicts.
    ctx = CheckContext(problem)
    kept = []
    for f in entries:
        reasons = []
        if f.own:
            v = problem.volunteer_by_id[volunteer_doc_id(f.volunteer_id)]
            s = problem.shift_by_id[shift_doc_id(f.shift_id)]
            role = s.role(f.role)
            for rule in (not_on_day_off, within_availability, clear_of_unavailable):
                reasons += [violation.detail for violation in rule(ctx, v, s, role)]
        if reasons:
            notes.append(ExportNote(f.volunteer_id, f.shift_id, "; ".join(reasons)))
        else:
            kept.append(f)
    if len(kept) < len(entries):
        document["fixed"] = _fixed_doc(kept)
        problem = replace(problem, fixed=tuple(
            Assignment(volunteer_doc_id(f.volunteer_id), shift_doc_id(f.shift_id), f.role) for f in kept))
    return problem, kept, notes


# --------------------------------------------------------------------------- write-back


def role_ids(shift_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """(shift id, role name) -> shift role id."""
    ids = list(shift_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ShiftRole.shift_id, ShiftRole.name, ShiftRole.id).where(ShiftRole.shift_id.in_(ids))
    )
    return {(shift_id, name): role_id for shift_id, name, role_id in rows}


def write_draft(
    community: Community,
    week: str,
    assignments: Iterable[Assignment],
    *,
    pins: Iterable[tuple[int, int]] = (),
) -> int:
    """Replace the week's draft by `assignments` (the engine's), keeping pins pinned.

    Returns the number of rows written. Uses bulk statements: on a street office's week
    this is thousands of rows.
    """
    week = parse_week(week)
    pinned = set(pins)
    rows = []
    parsed = [(database_id(a.volunteer), database_id(a.shift), a.role) for a in assignments]
    roles = role_ids({shift_id for _, shift_id, _ in parsed})
    for volunteer_id, shift_id, role in parsed:
        rows.append({
            "community_id": community.id, "week": week, "shift_id": shift_id,
            "shift_role_id": roles[(shift_id, role)], "volunteer_id": volunteer_id,
            "pinned": (volunteer_id, shift_id) in pinned,
            "origin": "coordinator" if (volunteer_id, shift_id) in pinned else "solver",
        })
    db.session.execute(delete(DraftAssignment).where(
        DraftAssignment.community_id == community.id, DraftAssignment.week == week))
    if rows:
        db.session.execute(insert(DraftAssignment), rows)
    return len(rows)


def draft_assignments(community: Community, week: str) -> list[DraftAssignment]:
    """The week's draft rows, with shift, role and volunteer loaded."""
    return list(db.session.scalars(
        select(DraftAssignment)
        .where(DraftAssignment.community_id == community.id, DraftAssignment.week == week)
        .options(selectinload(DraftAssignment.shift_role), selectinload(DraftAssignment.shift),
                 selectinload(DraftAssignment.volunteer).selectinload(VolunteerProfile.user))
        .order_by(DraftAssignment.shift_id, DraftAssignment.id)
    ))


def as_assignments(rows: Iterable[DraftAssignment | PlanAssignment]) -> list[Assignment]:
    """Draft or plan rows as the engine's assignments."""
    out = []
    for row in rows:
        role = row.shift_role.name if isinstance(row, DraftAssignment) else row.role_name
        out.append(Assignment(volunteer_doc_id(row.volunteer_id), shift_doc_id(row.shift_id), role))
    return out
