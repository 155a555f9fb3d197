"""Property tests: random small valid documents, solved and re-checked.

`random_documents` draws weeks with every rule switched on at random (skills and levels,
groups, areas, availability, busy times, days off, all limits, travel, successions,
supervision, preferences, history, continuity, fixed, forbidden, previous). For each:

- the engine's schedule passes the independent checker and its objective is the checker's;
- on tiny documents, the engine agrees with brute force over every possible schedule:
  infeasible exactly when no schedule keeps the hard rules, otherwise the same optimum.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Optional

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.checker import check
from solver.domain import FEASIBLE, INFEASIBLE, OPTIMAL, Assignment, Problem
from solver.engine import solve
from solver.parse import ProblemError, parse_problem
from tests.solver.docs import make_doc
from tests.solver.engine_helpers import validated

GROUPS = ("student", "social_worker", "retired_cadre")
SKILLS = ("first_aid", "baking")
AREAS = ("riverside", "hillside")
VENUES = ("hall", "station")
ACTIVITIES = ("duty", "class", "night")


def _time(d: int, minute: int) -> str:
    return f"2026-12-{7 + d:02d}T{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def shifts_strategy(draw: st.DrawFn, count: int) -> list[dict]:
    shifts = []
    for i in range(count):
        d = draw(st.integers(0, 6))
        start = draw(st.integers(16, 40)) * 30
        length = draw(st.sampled_from((60, 90, 120, 180)))
        roles = []
        for r in range(draw(st.integers(1, 2))):
            need = draw(st.integers(0, 2))
            role: dict[str, Any] = {"role": f"r{r}", "need": need, "max": need + draw(st.integers(0, 1))}
            if draw(st.booleans()):
                role["skills"] = {draw(st.sampled_from(SKILLS)): draw(st.integers(1, 2))}
            if draw(st.integers(0, 3)) == 0:
                role["groups"] = draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=2, unique=True))
            if draw(st.integers(0, 3)) == 0:
                role["under_weight"] = draw(st.sampled_from((0, 7.5, 300)))
            if draw(st.integers(0, 3)) == 0:
                role["over_weight"] = draw(st.sampled_from((0, 2, 25)))
            role["continuity"] = draw(st.booleans())
            roles.append(role)
        shift: dict[str, Any] = {"id": f"s{i}", "activity": draw(st.sampled_from(ACTIVITIES)),
                                 "start": _time(d, start), "end": _time(d, start + length), "roles": roles}
        if draw(st.booleans()):
            shift["venue"] = draw(st.sampled_from(VENUES))
        if draw(st.integers(0, 3)) == 0:
            shift["area"] = draw(st.sampled_from(AREAS))
        if draw(st.integers(0, 4)) == 0:
            shift["supervision"] = [{"group": "student", "by": ["social_worker", "retired_cadre"]}]
        shifts.append(shift)
    return shifts


@st.composite
def volunteer_strategy(draw: st.DrawFn, i: int, shift_ids: list[str]) -> dict:
    v: dict[str, Any] = {"id": f"v{i}",
                         "groups": draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True)),
                         "skills": {k: draw(st.integers(1, 2))
                                    for k in draw(st.lists(st.sampled_from(SKILLS), unique=True))}}
    if draw(st.integers(0, 3)) == 0:
        v["areas"] = [draw(st.sampled_from(AREAS))]
    if draw(st.integers(0, 3)) == 0:
        days = draw(st.lists(st.integers(0, 6), min_size=1, max_size=4, unique=True))
        v["available"] = [[_time(d, 8 * 60), _time(d, 20 * 60)] for d in sorted(days)]
    if draw(st.integers(0, 4)) == 0:
        d = draw(st.integers(0, 6))
        v["unavailable"] = [[_time(d, 10 * 60), _time(d, 12 * 60)]]
    if draw(st.integers(0, 4)) == 0:
        v["days_off"] = [f"2026-12-{7 + draw(st.integers(0, 6)):02d}"]
    limits: dict[str, Any] = {}
    for key, values in (("max_shifts_per_day", (1, 2)), ("max_shifts", (1, 2, 3)),
                        ("max_minutes", (120, 240, 360)), ("min_rest_minutes", (30, 120)),
                        ("max_consecutive_days", (1, 2)), ("min_consecutive_days", (2, 3)),
                        ("min_consecutive_days_off", (2,)), ("max_weekends", (0, 1))):
        if draw(st.integers(0, 5)) == 0:
            limits[key] = draw(st.sampled_from(values))
    if draw(st.integers(0, 5)) == 0:
        limits["min_minutes"] = draw(st.sampled_from((60, 180)))
        limits["min_minutes_strict"] = draw(st.integers(0, 3)) == 0
    if draw(st.integers(0, 6)) == 0:
        limits["max_shifts_per_activity"] = {draw(st.sampled_from(ACTIVITIES)): draw(st.integers(0, 1))}
    if limits.get("min_minutes", 0) > limits.get("max_minutes", 10**6):
        limits["min_minutes"] = limits["max_minutes"]
    if limits.get("min_consecutive_days", 0) > limits.get("max_consecutive_days", 99):
        limits["min_consecutive_days"] = limits["max_consecutive_days"]
    if limits:
        v["limits"] = limits
    prefers = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(("shift", "activity", "venue", "weekday")))
        value = {"shift": st.sampled_from(shift_ids), "activity": st.sampled_from(ACTIVITIES),
                 "venue": st.sampled_from(VENUES), "weekday": st.integers(0, 6)}[kind]
        prefers.append({kind: draw(value), "weight": draw(st.integers(-3, 3))})
    if prefers:
        v["prefers"] = prefers
    if draw(st.booleans()):
        v["history_minutes"] = draw(st.sampled_from((0, 45, 120, 37.5)))
    return v


@st.composite
def random_documents(draw: st.DrawFn, max_volunteers: int = 4, max_shifts: int = 4) -> dict:
    shifts = draw(shifts_strategy(draw(st.integers(1, max_shifts))))
    ids = [s["id"] for s in shifts]
    volunteers = [draw(volunteer_strategy(i, ids)) for i in range(draw(st.integers(1, max_volunteers)))]
    pairs = [(v["id"], s["id"]) for v in volunteers for s in shifts]
    doc = make_doc(volunteers=volunteers, shifts=shifts)
    if draw(st.integers(0, 2)) == 0:
        doc["rules"] = {"travel_minutes": draw(st.sampled_from((0, 30, 60))),
                        "forbidden_successions": [{"from": "night", "to": "duty"}]}
    if draw(st.integers(0, 2)) == 0:
        chosen = draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True))
        doc["fixed"] = [{"volunteer": v, "shift": s} for v, s in chosen]
    if draw(st.integers(0, 3)) == 0:
        taken = {(f["volunteer"], f["shift"]) for f in doc.get("fixed", [])}
        chosen = draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True))
        doc["forbidden"] = [{"volunteer": v, "shift": s} for v, s in chosen if (v, s) not in taken]
    if draw(st.integers(0, 3)) == 0:
        chosen = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
        doc["previous"] = [{"volunteer": v, "shift": s} for v, s in chosen]
    if draw(st.integers(0, 2)) == 0:
        doc["weights"] = {"fairness": draw(st.sampled_from((0, 0.5, 1))),
                          "continuity": draw(st.sampled_from((0, 20))),
                          "preference": draw(st.sampled_from((1, 10, 2.5)))}
    return doc


def parsed(doc: dict) -> Problem:
    """The problem, or a rejected example (a draw that the format itself forbids)."""
    try:
        return parse_problem(doc)
    except ProblemError:
        assume(False)
        raise  # unreachable


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents())
def test_every_schedule_passes_the_checker_with_the_same_objective(doc: dict):
    p = parsed(doc)
    sol = validated(p, solve(p, time_limit=3, workers=1))
    assert sol.status in (OPTIMAL, FEASIBLE, INFEASIBLE)
    if sol.status == INFEASIBLE:
        assert sol.conflicts and all(c.strip() for c in sol.conflicts)


def brute_force(p: Problem) -> Optional[float]:
    """The least objective over every schedule that keeps the hard rules (None: none does)."""
    options = []
    for v in p.volunteers:
        for s in p.shifts:
            options.append([None] + [Assignment(v.id, s.id, r.name) for r in s.roles])
    best = None
    for choice in itertools.product(*options):
        report = check(p, [a for a in choice if a is not None])
        if report.ok and (best is None or report.objective < best):
            best = report.objective
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=2, max_shifts=3))
def test_tiny_documents_agree_with_brute_force(doc: dict):
    p = parsed(doc)
    assume(math.prod(1 + len(s.roles) for s in p.shifts) ** len(p.volunteers) <= 1000)
    sol = validated(p, solve(p, time_limit=3, workers=1))
    best = brute_force(p)
    if best is None:
        assert sol.status == INFEASIBLE and sol.conflicts
    else:
        assert sol.status == OPTIMAL
        assert math.isclose(sol.objective, best, rel_tol=1e-9, abs_tol=1e-9)
