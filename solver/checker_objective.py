"""The objective of the schedule format, recomputed from assignments alone (spec, "Objective").

Independent of the CP-SAT model. The assignments given here must name known volunteers,
shifts and roles (`solver.checker` filters the others out and reports them). A (volunteer,
shift) pair counts once even if listed twice; `n(s, r)` counts distinct people.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Iterable

from solver.domain import Assignment, Problem

COMPONENTS = ("unfilled", "overfilled", "preference", "fairness", "continuity", "changes")


def role_counts(assignments: Iterable[Assignment]) -> dict[tuple[str, str], int]:
    """Distinct people per (shift id, role name)."""
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in assignments:
        people[(a.shift, a.role or "")].add(a.volunteer)
    return {key: len(vids) for key, vids in people.items()}


def coverage_terms(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, float]:
    """Missing and excess persons, and their weighted costs, over every role."""
    counts = role_counts(assignments)
    terms: dict[str, float] = {"missing": 0, "excess": 0, "under_cost": 0.0, "over_cost": 0.0}
    for s in problem.shifts:
        for role in s.roles:
            n = counts.get((s.id, role.name), 0)
            missing, excess = max(0, role.need - n), max(0, n - role.need)
            terms["missing"] += missing
            terms["excess"] += excess
            terms["under_cost"] += role.under_weight * missing
            terms["over_cost"] += role.over_weight * excess
    return terms


def preference(problem: Problem, assignments: Iterable[Assignment]) -> float:
    """Minus the sum, over assigned (volunteer, shift) pairs, of the matching `prefers` weights."""
    total = 0
    for vid, sid in sorted({(a.volunteer, a.shift) for a in assignments}):
        shift = problem.shift_by_id[sid]
        total += sum(p.weight for p in problem.volunteer_by_id[vid].prefers if p.matches(shift))
    return -total


def minutes_by_volunteer(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, int]:
    """Assigned minutes m(v), each shift counted once per volunteer."""
    minutes: dict[str, int] = defaultdict(int)
    for vid, sid in {(a.volunteer, a.shift) for a in assignments}:
        minutes[vid] += problem.shift_by_id[sid].minutes
    return minutes


def fairness(problem: Problem, assignments: Iterable[Assignment]) -> float:
    """Sum over volunteers of ((m + h) / 60)^2 - (h / 60)^2 (terms as the spec writes them, summed with fsum)."""
    minutes = minutes_by_volunteer(problem, assignments)
    return math.fsum(((minutes.get(v.id, 0) + v.history_minutes) / 60) ** 2 - (v.history_minutes / 60) ** 2
                     for v in problem.volunteers)


def continuity(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """Per (activity, role) with `continuity`: distinct volunteers minus one (zero if nobody)."""
    series: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in assignments:
        shift = problem.shift_by_id[a.shift]
        role = shift.role(a.role or "")
        if role is not None and role.continuity:
            series[(shift.activity, role.name)].add(a.volunteer)
    return sum(len(vids) - 1 for vids in series.values() if vids)


def changes(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """Size of the symmetric difference with `previous`, as (volunteer, shift) pairs."""
    before = {(a.volunteer, a.shift) for a in problem.previous}
    if not before:
        return 0
    return len(before ^ {(a.volunteer, a.shift) for a in assignments})


def objective_terms(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, float]:
    """The weighted terms of the objective, by component; their sum is the objective."""
    assignments = list(assignments)
    coverage = coverage_terms(problem, assignments)
    w = problem.weights
    return {
        "unfilled": coverage["under_cost"],
        "overfilled": coverage["over_cost"],
        "preference": w.preference * preference(problem, assignments),
        "fairness": w.fairness * fairness(problem, assignments),
        "continuity": w.continuity * continuity(problem, assignments),
        "changes": w.change * changes(problem, assignments),
    }


def evaluate(problem: Problem, assignments: Iterable[Assignment]) -> tuple[dict[str, float], float]:
    """The unweighted components (spec keys) and the weighted objective."""
    assignments = list(assignments)
    coverage = coverage_terms(problem, assignments)
    components: dict[str, float] = {
        "unfilled": coverage["missing"],
        "overfilled": coverage["excess"],
        "preference": preference(problem, assignments),
        "fairness": fairness(problem, assignments),
        "continuity": continuity(problem, assignments),
        "changes": changes(problem, assignments),
    }
    w = problem.weights
    objective = math.fsum([coverage["under_cost"], coverage["over_cost"],
                           w.preference * components["preference"],
                           w.fairness * components["fairness"],
                           w.continuity * components["continuity"],
                           w.change * components["changes"]])
    return components, objective
