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
)
from scheduler.export_rows import shift_entries, volunteer_entries
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


def latest_version(community: Community, week: str) -> Optional[PlanVersion]:
    """The latest published version of the week, or None."""
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.community_id == community.id, PlanVersion.week == week)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )


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


def _busy_times(community: Community, start: datetime, end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for volunteer_id, starts_at, ends_at in db.session.execute(
        select(BusyTime.volunteer_id, BusyTime.starts_at, BusyTime.ends_at)
        .join(VolunteerProfile).join(User)
        .where(User.community_id == community.id, BusyTime.starts_at < end, BusyTime.ends_at > start)
        .order_by(BusyTime.starts_at, BusyTime.id)
    ):
        busy[volunteer_id].append((starts_at, ends_at))
    return busy


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
    leave = _leave_days(community, days[0], days[-1] + timedelta(days=1))
    busy = _busy_times(community, datetime.combine(days[0], time()),
                       datetime.combine(days[-1] + timedelta(days=2), time()))
    history = history_minutes(community, days[0])
    volunteers = volunteer_entries(community, days, leave, busy, history)
    shifts = shift_entries(community, week)
    volunteer_ids = {database_id(entry["id"]) for entry in volunteers}
    role_names = {database_id(entry["id"]): {role["role"] for role in entry["roles"]} for entry in shifts}

    def exported(volunteer_id: int, shift_id: int) -> bool:
        return volunteer_id in volunteer_ids and shift_id in role_names

    fixed, forbidden = _sign_up_pairs(community, week, exported)
    pins: set[tuple[int, int]] = set()
    if with_draft:
        for volunteer_id, shift_id, role in db.session.execute(
            select(DraftAssignment.volunteer_id, DraftAssignment.shift_id, ShiftRole.name)
            .join(ShiftRole, DraftAssignment.shift_role_id == ShiftRole.id)
            .where(DraftAssignment.community_id == community.id, DraftAssignment.week == week,
                   DraftAssignment.pinned.is_(True))
        ):
            if exported(volunteer_id, shift_id):
                pins.add((volunteer_id, shift_id))
                fixed[(volunteer_id, shift_id)] = _Fixed(volunteer_id, shift_id, role, own=False)
        forbidden |= {(v, s) for v, s in db.session.execute(
            select(DraftExclusion.volunteer_id, DraftExclusion.shift_id)
            .where(DraftExclusion.community_id == community.id, DraftExclusion.week == week)
        ) if exported(v, s)}
    # The volunteer's withdrawal and the coordinator's exclusion win over a fixed entry.
    fixed_entries = [f for pair, f in sorted(fixed.items()) if pair not in forbidden]

    previous = []
    version = latest_version(community, week)
    if version is not None:
        previous = [
            {"volunteer": volunteer_doc_id(a.volunteer_id), "shift": shift_doc_id(a.shift_id),
             "role": a.role_name}
            for a in sorted(version.assignments, key=lambda a: (a.shift_id, a.volunteer_id))
            if exported(a.volunteer_id, a.shift_id) and a.role_name in role_names[a.shift_id]
        ]

    document = {
        "format": PROBLEM_FORMAT,
        "name": f"{community.name} {week}",
        "timezone": community.timezone,
        "horizon": {"start": days[0].isoformat(), "end": days[-1].isoformat()},
        "volunteers": volunteers,
        "shifts": shifts,
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


def _sign_up_pairs(community: Community, week: str, exported) -> tuple[dict[tuple[int, int], _Fixed],
                                                                      set[tuple[int, int]]]:
    """Fixed entries (confirmed sign-ups by the volunteer or a coordinator) and forbidden
    pairs (withdrawn) of the week; the latest sign-up of a pair says what the volunteer wants."""
    latest: dict[tuple[int, int], tuple] = {}
    for volunteer_id, shift_id, status, source, role in db.session.execute(
        select(SignUp.volunteer_id, SignUp.shift_id, SignUp.status, SignUp.source, ShiftRole.name)
        .join(ShiftRole, SignUp.shift_role_id == ShiftRole.id)
        .join(Shift, SignUp.shift_id == Shift.id)
        .where(Shift.community_id == community.id, Shift.week == week)
        .order_by(SignUp.id)
    ):
        if exported(volunteer_id, shift_id):
            latest[(volunteer_id, shift_id)] = (status, source, role)
    fixed = {pair: _Fixed(*pair, role, source == SignUpSource.SELF)
             for pair, (status, source, role) in latest.items()
             if status == SignUpStatus.CONFIRMED and source in FIXED_SOURCES}
    forbidden = {pair for pair, (status, _source, _role) in latest.items() if status == SignUpStatus.WITHDRAWN}
    return fixed, forbidden


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


def known_to(problem: Problem, assignments: Iterable[Assignment]) -> list[Assignment]:
    """The assignments whose volunteer and shift are in `problem` (a draft may still hold a
    shift cancelled or a volunteer deactivated since it was made)."""
    return [a for a in assignments if a.volunteer in problem.volunteer_by_id and a.shift in problem.shift_by_id]
