"""Helpers of the engine tests: build tiny documents, solve them, and validate every result.

`solved` runs the engine with one worker and a short time limit, then hands the schedule
to the independent checker (`solver.checker.check`): it must report no violation and the
same objective as the engine. Every engine test goes through it (or `validated`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

from solver.checker import check
from solver.domain import INFEASIBLE, OPTIMAL, UNKNOWN, Problem, Solution
from solver.engine import solve
from solver.parse import parse_problem
from tests.solver.docs import make_doc, make_role, make_shift

#: Time limit of the tiny instances (they solve in milliseconds; this is a safety net).
TIME_LIMIT = 5.0


def day(d: int, start: str, end: str) -> tuple[str, str]:
    """Start and end wall-clock times on horizon day `d` (2026-12-07 is day 0, a Monday)."""
    date = f"2026-12-{7 + d:02d}"
    return f"{date}T{start}", f"{date}T{end}"


def shift(sid: str, when: tuple[str, str], role: str = "helper", *, need: int = 1,
          **fields: Any) -> dict:
    """A shift with one role; role fields (max, skills, groups, weights) may be given."""
    role_keys = ("max", "skills", "groups", "under_weight", "over_weight", "continuity")
    role_fields = {k: fields.pop(k) for k in role_keys if k in fields}
    return make_shift(sid, when[0], when[1], roles=[make_role(role, need, **role_fields)], **fields)


def problem(volunteers: list[dict], shifts: list[dict], **rest: Any) -> Problem:
    """A parsed problem of the default week (2026-12-07 to 13) with these entries."""
    return parse_problem(make_doc(volunteers=volunteers, shifts=shifts, **rest))


def validated(p: Problem, sol: Solution) -> Solution:
    """`sol` after checking it against the independent checker (when it has a schedule)."""
    if sol.status in (INFEASIBLE, UNKNOWN):
        assert sol.objective is None
        return sol
    report = check(p, sol.assignments)
    assert report.ok, report.violations
    assert math.isclose(sol.objective, report.objective, rel_tol=1e-6, abs_tol=1e-6), \
        (sol.objective, report.objective)
    for key, value in report.components.items():
        assert math.isclose(sol.components[key], value, rel_tol=1e-6, abs_tol=1e-6), (key, sol.components)
    if sol.bound is not None:
        assert sol.bound <= sol.objective + 1e-6 * max(1.0, abs(sol.objective))
    return sol


def solved(p: Problem, *, status: Optional[str] = OPTIMAL, **options: Any) -> Solution:
    """Solve `p` with one worker, validate the result, and check its status if given."""
    options.setdefault("time_limit", TIME_LIMIT)
    options.setdefault("workers", 1)
    sol = validated(p, solve(p, **options))
    if status is not None:
        assert sol.status == status, (sol.status, sol.conflicts, sol.stats)
    return sol


def pairs(sol: Solution) -> set[tuple[str, str]]:
    """The (volunteer, shift) pairs of a solution."""
    return {(a.volunteer, a.shift) for a in sol.assignments}


def triples(sol: Solution) -> set[tuple[str, str, Optional[str]]]:
    """The (volunteer, shift, role) triples of a solution."""
    return {(a.volunteer, a.shift, a.role) for a in sol.assignments}
