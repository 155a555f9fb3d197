"""What a coordinator reviews before publishing a week, computed from the draft.

`week_review` gathers, for the week page: a grid of days by activity (or by venue) with the
people in every role and the unfilled roles with the engine's reasons (recomputed on the
current draft, so they stay true after manual edits); every hard rule the draft breaks (the
checker's sentences); each volunteer's hours against their weekly limit; a fairness summary;
and what publishing would change compared with the published version.

`role_review` gathers the page of one role: its people, why it is short, and the volunteers
who qualify with what (if anything) stops each from taking it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scheduler.export import (
    as_assignments,
    draft_assignments,
    export_week,
    known_to,
    latest_version,
    shift_doc_id,
    volunteer_doc_id,
    week_shifts,
)
from scheduler.extensions import db
from scheduler.models import Community, Shift, ShiftRole, User, VolunteerProfile
from scheduler.publishing import Change, diff_plans, plan_of_draft, plan_of_version
from scheduler.planning_models import DraftAssignment, DraftExclusion, PlanVersion
from scheduler.weeks import week_dates
from solver.checker import AssignmentIndex, blocking_violations, check
from solver.checker_rules import CheckContext, Violation
from solver.domain import Assignment, Problem
from solver.explain import explain_unfilled
from solver.parse import role_obstacles

GridAxis = Literal["activity", "venue"]


@dataclass
class RoleCell:
    """A role of a shift in the grid: its people and, when short, how many and why."""

    role: ShiftRole
    people: list[DraftAssignment]
    missing: int = 0
    reasons: tuple[str, ...] = ()


@dataclass
class ShiftCell:
    """A shift in the grid."""

    shift: Shift
    roles: list[RoleCell]

    @property
    def missing(self) -> int:
        """Unfilled places of the shift."""
        return sum(cell.missing for cell in self.roles)


@dataclass
class GridRow:
    """One activity (or venue): its shifts on each of the seven days."""

    label: str
    days: list[list[ShiftCell]]


@dataclass
class HoursBar:
    """A volunteer's planned minutes this week against their weekly limit."""

    volunteer: VolunteerProfile
    minutes: int
    limit: Optional[int]
    history: int
    shifts: int

    @property
    def hours(self) -> float:
        """Planned hours."""
        return self.minutes / 60

    @property
    def percent(self) -> float:
        """Bar length: share of the limit, or of `scale` when there is none (set later)."""
        return min(100.0, 100.0 * self.minutes / self.limit) if self.limit else 0.0

    @property
    def over_limit(self) -> bool:
        """True when the plan gives more minutes than the limit (only by a manual edit)."""
        return self.limit is not None and self.minutes > self.limit


@dataclass
class Fairness:
    """How evenly the week's work is spread."""

    volunteers: int
    used: int
    mean_hours: float
    median_hours: float
    max_hours: float
    stdev_hours: float
    #: Share of all hours done by the busiest tenth of the volunteers who serve.
    top_tenth_share: float
    #: The objective's fairness component (sum of squared hours with history, minus history).
    component: float


@dataclass
class WeekReview:
    """Everything the week page shows about the draft."""

    week: str
    days: list[date]
    rows: list[GridRow]
    unfilled_places: int
    violations: list[str]
    hours: list[HoursBar]
    fairness: Fairness
    changes: list[Change]
    published: Optional[PlanVersion]
    shifts: dict[int, Shift]
    names: dict[int, str]
    exclusions: list[DraftExclusion] = field(default_factory=list)

    @property
    def has_draft(self) -> bool:
        """True when the draft has anyone in it."""
        return any(cell.people for row in self.rows for day in row.days for shift in day for cell in shift.roles)


def week_review(community: Community, week: str, *, axis: GridAxis = "activity") -> WeekReview:
    """The review of the week's draft (see the module docstring)."""
    days = week_dates(week)
    export = export_week(community, week)
    problem = export.problem
    rows = draft_assignments(community, week)
    shifts = {shift.id: shift for shift in week_shifts(community, week)}
    rows = [row for row in rows if row.shift_id in shifts]
    assignments = as_assignments(rows)
    unfilled = {(u.shift, u.role): u for u in explain_unfilled(problem, assignments)}
    report = check(problem, assignments)

    people: dict[int, list[DraftAssignment]] = defaultdict(list)
    for row in rows:
        people[row.shift_role_id].append(row)
    cells: dict[int, ShiftCell] = {}
    for shift in shifts.values():
        role_cells = []
        for role in shift.roles:
            short = unfilled.get((shift_doc_id(shift.id), role.name))
            role_cells.append(RoleCell(role, sorted(people[role.id], key=lambda r: r.volunteer.name),
                                       short.missing if short else 0, short.reasons if short else ()))
        cells[shift.id] = ShiftCell(shift, role_cells)

    published = latest_version(community, week)
    old = plan_of_version(published)
    new = plan_of_draft(rows)
    involved = {s for _, s in old} | {s for _, s in new}
    all_shifts = dict(shifts)
    missing_ids = involved - all_shifts.keys()
    if missing_ids:  # shifts cancelled since the version was published
        all_shifts.update({s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(missing_ids)))})
    changes = diff_plans(old, new, all_shifts) if published is not None else []
    volunteer_ids = {c.volunteer_id for c in changes} | {row.volunteer_id for row in rows}
    names = _names(volunteer_ids)

    return WeekReview(
        week=week, days=days, rows=_grid(cells, days, axis),
        unfilled_places=sum(u.missing for u in unfilled.values()),
        violations=report.violations, hours=_hours(problem, rows, assignments),
        fairness=_fairness(problem, assignments, report.components.get("fairness", 0.0)),
        changes=changes, published=published, shifts=all_shifts, names=names,
        exclusions=list(db.session.scalars(
            select(DraftExclusion).where(DraftExclusion.community_id == community.id,
                                         DraftExclusion.week == week)
            .options(selectinload(DraftExclusion.volunteer).selectinload(VolunteerProfile.user),
                     selectinload(DraftExclusion.shift)))),
    )


def _names(volunteer_ids: set[int]) -> dict[int, str]:
    if not volunteer_ids:
        return {}
    rows = db.session.execute(
        select(VolunteerProfile.id, User.display_name).join(User).where(VolunteerProfile.id.in_(volunteer_ids)))
    return dict(rows.all())


def _grid(cells: dict[int, ShiftCell], days: list[date], axis: GridAxis) -> list[GridRow]:
    groups: dict[tuple, list[ShiftCell]] = defaultdict(list)
    for cell in cells.values():
        shift = cell.shift
        if axis == "venue":
            key = (shift.venue.name if shift.venue else (shift.grid.name if shift.grid else "—"),)
        else:
            key = (shift.activity.title,)
        groups[key].append(cell)
    index = {day: i for i, day in enumerate(days)}
    rows = []
    for (label,), group in sorted(groups.items(), key=lambda item: min(c.shift.starts_at.time() for c in item[1])):
        by_day: list[list[ShiftCell]] = [[] for _ in days]
        for cell in sorted(group, key=lambda c: c.shift.starts_at):
            by_day[index[cell.shift.starts_at.date()]].append(cell)
        rows.append(GridRow(label, by_day))
    return rows


def _hours(problem: Problem, rows: list[DraftAssignment], assignments: list[Assignment]) -> list[HoursBar]:
    minutes: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for a in assignments:
        minutes[a.volunteer] += problem.shift_by_id[a.shift].minutes
        count[a.volunteer] += 1
    profiles = {volunteer_doc_id(row.volunteer_id): row.volunteer for row in rows}
    bars = []
    for vid, total in minutes.items():
        volunteer = problem.volunteer_by_id.get(vid)
        if volunteer is None:
            continue
        bars.append(HoursBar(profiles[vid], total, volunteer.limits.max_minutes,
                             int(volunteer.history_minutes), count[vid]))
    return sorted(bars, key=lambda bar: (-bar.minutes, bar.volunteer.name))


def _fairness(problem: Problem, assignments: list[Assignment], component: float) -> Fairness:
    minutes: dict[str, int] = defaultdict(int)
    for a in assignments:
        minutes[a.volunteer] += problem.shift_by_id[a.shift].minutes
    hours = sorted((m / 60 for m in minutes.values()), reverse=True)
    total = sum(hours)
    top = hours[: max(1, len(hours) // 10)] if hours else []
    return Fairness(
        volunteers=len(problem.volunteers), used=len(hours),
        mean_hours=statistics.fmean(hours) if hours else 0.0,
        median_hours=statistics.median(hours) if hours else 0.0,
        max_hours=hours[0] if hours else 0.0,
        stdev_hours=statistics.pstdev(hours) if len(hours) > 1 else 0.0,
        top_tenth_share=(sum(top) / total) if total else 0.0,
        component=component,
    )


# --------------------------------------------------------------------------- one role


@dataclass
class Candidate:
    """A volunteer who qualifies for a role, with what stops them taking it now."""

    volunteer: VolunteerProfile
    blockers: list[Violation]
    minutes: int


@dataclass
class RoleReview:
    """The page of one role of one shift."""

    role: ShiftRole
    people: list[DraftAssignment]
    missing: int
    reasons: tuple[str, ...]
    #: Volunteers with the role's skills, teams and grid, free ones first.
    candidates: list[Candidate]
    #: Everyone else (a coordinator may still assign them, against the rules).
    others: list[Candidate]
    excluded: list[DraftExclusion]


def role_review(community: Community, week: str, role: ShiftRole) -> RoleReview:
    """The role's people, reasons it is short, and the candidates (free ones first)."""
    export = export_week(community, week)
    problem = export.problem
    rows = draft_assignments(community, week)
    assignments = known_to(problem, as_assignments(rows))
    sid = shift_doc_id(role.shift_id)
    people = sorted((row for row in rows if row.shift_role_id == role.id), key=lambda r: r.volunteer.name)
    missing, reasons = 0, ()
    for unfilled in explain_unfilled(problem, assignments):
        if unfilled.shift == sid and unfilled.role == role.name:
            missing, reasons = unfilled.missing, unfilled.reasons
    in_shift = {row.volunteer_id for row in rows if row.shift_id == role.shift_id}
    candidates, others = _candidates(problem, assignments, sid, role.name, in_shift)
    excluded = list(db.session.scalars(
        select(DraftExclusion).where(DraftExclusion.community_id == community.id, DraftExclusion.week == week,
                                     DraftExclusion.shift_id == role.shift_id)))
    return RoleReview(role, people, missing, reasons, candidates, others, excluded)


def _candidates(problem: Problem, assignments: list[Assignment], shift_id: str, role_name: str,
                in_shift: set[int]) -> tuple[list[Candidate], list[Candidate]]:
    """Volunteers not in the shift, split into those who qualify for the role and the rest,
    each with the hard rules that adding them would break."""
    shift = problem.shift_by_id.get(shift_id)
    if shift is None:
        return [], []
    role = shift.role(role_name)
    index = AssignmentIndex(assignments)
    ctx = CheckContext(problem)
    minutes: dict[str, int] = defaultdict(int)
    for a in assignments:
        minutes[a.volunteer] += problem.shift_by_id[a.shift].minutes
    ids = [int(v.id[1:]) for v in problem.volunteers if int(v.id[1:]) not in in_shift]
    profiles = {p.id: p for p in db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.id.in_(ids)).options(selectinload(VolunteerProfile.user)))}
    qualified, others = [], []
    for vid in ids:
        doc_id = volunteer_doc_id(vid)
        candidate = Candidate(profiles[vid], blocking_violations(problem, index, doc_id, shift_id, role_name, ctx),
                              minutes.get(doc_id, 0))
        fits = not role_obstacles(problem.volunteer_by_id[doc_id], shift, role)
        (qualified if fits else others).append(candidate)

    def order(c: Candidate) -> tuple:
        return (len(c.blockers) > 0, len(c.blockers), c.minutes, c.volunteer.name)

    return sorted(qualified, key=order), sorted(others, key=order)
