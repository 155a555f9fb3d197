"""The engine's own exact evaluation of a schedule's objective (spec: Objective).

The model's objective is scaled and may be loose in a non-optimal solution (slack penalty
variables), so the objective that `solve` reports is always recomputed here from the
assignments alone. It is deliberately independent of `solver.checker` (which the tests use
to check this one).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Optional

from solver.domain import Assignment, Problem, Shift, Volunteer

COMPONENTS = ("unfilled", "overfilled", "preference", "fairness", "continuity", "changes")


@dataclass(frozen=True)
class Evaluation:
    """Unweighted components (spec keys) and the weighted objective of a schedule."""

    components: Mapping[str, float]
    objective: float


def preference_weight(volunteer: Volunteer) -> Callable[[Shift], int]:
    """A function giving the sum of `volunteer`'s matching `prefers` weights for a shift.

    The entries are indexed by selector, so a volunteer with hundreds of requests costs a
    few dictionary look-ups per shift.
    """
    index: dict[str, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for p in volunteer.prefers:
        index[p.kind][p.value] += p.weight
    if not index:
        return lambda shift: 0
    by_shift, by_activity = index.get("shift", {}), index.get("activity", {})
    by_venue, by_weekday, by_date = index.get("venue", {}), index.get("weekday", {}), index.get("date", {})

    def weight(shift: Shift) -> int:
        total = by_shift.get(shift.id, 0) + by_activity.get(shift.activity, 0)
        if shift.venue is not None:
            total += by_venue.get(shift.venue, 0)
        if by_weekday or by_date:
            total += by_weekday.get(shift.start.weekday(), 0) + by_date.get(shift.start.date(), 0)
        return total

    return weight


def people_per_role(assignments: Iterable[Assignment]) -> dict[tuple[str, str], int]:
    """How many assignments each (shift id, role name) has (the role name "" when absent)."""
    people: dict[tuple[str, str], int] = {}
    for a in assignments:
        key = (a.shift, a.role or "")
        people[key] = people.get(key, 0) + 1
    return people


def evaluate(problem: Problem, assignments: Iterable[Assignment], *,
             count_changes: Optional[bool] = None) -> Evaluation:
    """The exact objective of `assignments` (each a known volunteer, shift and role).

    Changes count when `problem.previous` is not empty, or when `count_changes` says so (a
    part of a problem whose previous plan lies elsewhere, `solver.decompose`).
    """
    chosen = list(dict.fromkeys(assignments))
    shifts, volunteers = problem.shift_by_id, problem.volunteer_by_id
    w = problem.weights

    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in chosen:
        people[(a.shift, a.role or "")].add(a.volunteer)
    missing = excess = 0
    under_cost: list[float] = []
    over_cost: list[float] = []
    for s in problem.shifts:
        for role in s.roles:
            n = len(people.get((s.id, role.name), ()))
            short, extra = max(0, role.need - n), max(0, n - role.need)
            missing += short
            excess += extra
            under_cost.append(role.under_weight * short)
            over_cost.append(role.over_weight * extra)

    pairs = {(a.volunteer, a.shift) for a in chosen}
    weights_of = {vid: preference_weight(volunteers[vid]) for vid in {v for v, _ in pairs}}
    preference = -sum(weights_of[vid](shifts[sid]) for vid, sid in pairs)

    minutes: dict[str, int] = defaultdict(int)
    for vid, sid in pairs:
        minutes[vid] += shifts[sid].minutes
    fairness = math.fsum(((minutes.get(v.id, 0) + v.history_minutes) / 60) ** 2
                         - (v.history_minutes / 60) ** 2 for v in problem.volunteers)

    series: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in chosen:
        shift = shifts[a.shift]
        role = shift.role(a.role or "")
        if role is not None and role.continuity:
            series[(shift.activity, role.name)].add(a.volunteer)
    continuity = sum(len(vids) - 1 for vids in series.values() if vids)

    before = {(a.volunteer, a.shift) for a in problem.previous}
    if count_changes is None:
        count_changes = bool(before)
    changes = len(before ^ pairs) if count_changes else 0

    components = {"unfilled": missing, "overfilled": excess, "preference": preference,
                  "fairness": fairness, "continuity": continuity, "changes": changes}
    objective = math.fsum(under_cost + over_cost + [
        w.preference * preference, w.fairness * fairness,
        w.continuity * continuity, w.change * changes])
    return Evaluation(components, objective)
