"""The large-neighbourhood search (`solver.lns`): repairs keep every rule, moves never lose.

Schedules are judged by the independent checker; objectives by the checker's evaluation.
"""

from __future__ import annotations

import math
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.checker import check
from solver.domain import Assignment
from solver.eligibility import compute_eligibility
from solver.engine import solve
from solver.evaluate import evaluate
from solver.greedy import greedy_fill
from solver.lns import improve, repair
from tests.solver.engine_helpers import validated
from tests.solver.test_properties import parsed, random_documents


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=4, max_shifts=6), st.data())
def test_a_repaired_schedule_keeps_every_rule(doc: dict, data: st.DataObject):
    p = parsed(doc)
    elig = compute_eligibility(p)
    triples = [Assignment(p.volunteers[v].id, p.shifts[s].id, p.shifts[s].roles[r].name)
               for (v, s), roles in elig.roles.items() for r in roles]
    # Any set of candidate triples, most of them breaking some rule.
    start = data.draw(st.lists(st.sampled_from(triples), unique=True) if triples else st.just([]), label="start")
    repaired = repair(p, elig, start, deadline=time.perf_counter() + 5, workers=1, seed=0,
                      count_changes=bool(p.previous))
    if repaired is not None:
        report = check(p, repaired)
        assert report.ok, report.violations
    elif check(p, start).ok:
        raise AssertionError("a schedule that keeps every rule needs no repair")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=4, max_shifts=6))
def test_improving_keeps_every_rule_and_never_raises_the_objective(doc: dict):
    p = parsed(doc)
    elig = compute_eligibility(p)
    greedy = greedy_fill(p, elig)
    if not greedy.valid:
        return
    count = bool(p.previous)
    value = evaluate(p, greedy.assignments, count_changes=count).objective
    seen: list[float] = []
    best, best_value, stats = improve(p, elig, greedy.assignments, value, deadline=time.perf_counter() + 1.5,
                                      workers=1, seed=1, count_changes=count,
                                      on_improve=lambda v, schedule: seen.append(v))
    report = check(p, best)
    assert report.ok, report.violations
    assert math.isclose(best_value, evaluate(p, best, count_changes=count).objective, abs_tol=1e-6)
    assert best_value <= value + 1e-9
    assert seen == sorted(seen, reverse=True) and len(seen) == stats.improving
    assert stats.moves >= stats.improving


def test_the_search_finds_the_optimum_of_a_roster_the_greedy_gets_wrong(make_problem, make_volunteer,
                                                                          make_shift, make_role):
    # Two people, a run of at least 3 days for whoever works: the greedy cannot keep that,
    # the repair must, and the search must then cover every day (the optimum).
    days = [make_shift(f"d{d}", f"2026-12-{7 + d:02d}T09:00", f"2026-12-{7 + d:02d}T17:00",
                       roles=[make_role("r", need=1, max=1)]) for d in range(7)]
    limits = {"max_shifts_per_day": 1, "min_consecutive_days": 3, "max_consecutive_days": 4,
              "min_consecutive_days_off": 2}
    p = make_problem(volunteers=[make_volunteer("a", limits=limits), make_volunteer("b", limits=limits)],
                     shifts=days, weights={"fairness": 0})
    elig = compute_eligibility(p)
    start = [Assignment("a", "d1", "r"), Assignment("b", "d3", "r")]  # runs of one day: both broken
    assert not check(p, start).ok
    repaired = repair(p, elig, start, deadline=time.perf_counter() + 5, workers=1, seed=0, count_changes=False)
    assert repaired is not None and check(p, repaired).ok
    best, value, _ = improve(p, elig, repaired, evaluate(p, repaired).objective,
                             deadline=time.perf_counter() + 3, workers=1, seed=0, count_changes=False)
    optimum = validated(p, solve(p, time_limit=10, workers=1))
    assert optimum.status == "optimal"
    assert check(p, best).ok
    assert math.isclose(value, optimum.objective, abs_tol=1e-6)
