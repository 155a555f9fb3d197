"""The large-neighbourhood search (`solver.lns`): repairs keep every rule, moves never lose.

Schedules are judged by the independent checker; objectives by the checker's evaluation.
"""

from __future__ import annotations

import math
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.checker import check
from solver.domain import Assignment
from solver.eligibility import compute_eligibility
from solver.engine import solve
from solver.evaluate import evaluate
from solver.greedy import GreedyResult, greedy_fill
from solver.lns import (BIG_MOVES, KINDS, MIN_KIND_SHARE, _cover_faults, _Mix, _Move, _pick, _rejudge,
                        _triples_per_day, improve, repair)
from solver.neighbourhood import neighbourhood
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


def _search_from_greedy(doc: dict, *, seconds: float, workers: int, seed: int, on_improve=None):
    """The search from the greedy schedule of `doc`, judged by the checker: the starting
    value, the best value and the stats; None when the greedy schedule breaks a rule."""
    p = parsed(doc)
    elig = compute_eligibility(p)
    greedy = greedy_fill(p, elig)
    if not greedy.valid:
        return None
    count = bool(p.previous)
    value = evaluate(p, greedy.assignments, count_changes=count).objective
    best, best_value, stats = improve(p, elig, greedy.assignments, value, deadline=time.perf_counter() + seconds,
                                      workers=workers, seed=seed, count_changes=count, on_improve=on_improve)
    report = check(p, best)
    assert report.ok, report.violations
    assert math.isclose(best_value, evaluate(p, best, count_changes=count).objective, abs_tol=1e-6)
    assert best_value <= value + 1e-9
    return value, best_value, stats


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=4, max_shifts=6))
def test_improving_keeps_every_rule_and_never_raises_the_objective(doc: dict):
    seen: list[float] = []
    found = _search_from_greedy(doc, seconds=1.5, workers=1, seed=1, on_improve=lambda v, schedule: seen.append(v))
    if found is not None:
        _, _, stats = found
        assert seen == sorted(seen, reverse=True) and len(seen) == stats.improving
        assert stats.moves >= stats.improving


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=5, max_shifts=6))
def test_moves_solved_side_by_side_keep_every_rule_and_the_objective_exact(doc: dict):
    # Two workers: two neighbourhoods at once, each result judged on the schedule as it is
    # when it comes back (the checks are in `_search_from_greedy`).
    found = _search_from_greedy(doc, seconds=0.8, workers=2, seed=3)
    if found is not None:
        _, _, stats = found
        assert stats.rejudged >= stats.stale


def test_a_result_that_another_move_has_made_break_a_rule_is_dropped(make_problem, make_volunteer,
                                                                     make_shift, make_role):
    # Two moves built on the empty schedule, one freeing a, the other b, each putting its
    # person in the one place of d0. Once a's move is in, b's result breaks the role's max.
    p = make_problem(volunteers=[make_volunteer("a"), make_volunteer("b")],
                     shifts=[make_shift("d0", "2026-12-07T09:00", "2026-12-07T17:00", roles=[make_role("r", need=1, max=1)]),
                             make_shift("d1", "2026-12-08T09:00", "2026-12-08T17:00", roles=[make_role("r", need=1, max=1)])])
    elig = compute_eligibility(p)
    b_move = _Move([1], None, neighbourhood(p, elig, [], [1]), version=0, kind="horizon", submitted=0.0)
    after_a = [Assignment("a", "d0", "r")]
    assert check(p, after_a).ok
    assert _rejudge(p, elig, after_a, b_move, [Assignment("b", "d0", "r")]) is None
    rebuilt = _rejudge(p, elig, after_a, b_move, [Assignment("b", "d1", "r")])
    assert rebuilt is not None
    assert check(p, rebuilt.merge([Assignment("b", "d1", "r")])).ok


def test_cover_faults_are_the_shifts_short_of_need_or_over_it_at_a_cost(make_problem, make_volunteer,
                                                                      make_shift, make_role):
    shifts = [make_shift(f"d{d}", f"2026-12-{7 + d:02d}T09:00", f"2026-12-{7 + d:02d}T17:00",
                         roles=[make_role("r", need=1, max=2)]) for d in range(3)]
    schedule = [Assignment("a", "d1", "r"), Assignment("a", "d2", "r"), Assignment("b", "d2", "r")]
    people = [make_volunteer("a"), make_volunteer("b")]
    over_costs = make_problem(volunteers=people, shifts=shifts, weights={"overfilled": 1})
    assert _cover_faults(over_costs, schedule) == [0, 2]  # d0 short, d1 just right, d2 one over
    over_is_free = make_problem(volunteers=people, shifts=shifts, weights={"overfilled": 0})
    assert _cover_faults(over_is_free, schedule) == [0]


def test_each_kind_of_neighbourhood_frees_what_it_says(make_problem, make_volunteer, make_shift, make_role):
    shifts = [make_shift(f"d{d}", f"2026-12-{7 + d:02d}T09:00", f"2026-12-{7 + d:02d}T17:00",
                         roles=[make_role("r", need=1, max=1)]) for d in range(14)]
    p = make_problem(volunteers=[make_volunteer(f"v{i}") for i in range(6)], shifts=shifts,
                     horizon={"start": "2026-12-07", "end": "2026-12-20"})
    elig = compute_eligibility(p)
    per_day = _triples_per_day(p, elig)
    rng = random.Random(1)

    def triples(volunteers, days):
        return sum(n for v in volunteers for d, n in per_day[v].items() if days is None or d in days)

    for _ in range(20):
        for kind, size, hot in (("horizon", 20, ()), ("window", 5, ()), ("around", 5, [9])):
            volunteers, days = _pick(rng, p, elig, per_day, list(range(6)), kind, size, hot)
            assert triples(volunteers, days) >= size > triples(volunteers[:-1], days)  # just enough people
            if kind == "horizon":
                assert days is None
            else:
                assert days and days == set(range(min(days), max(days) + 1))  # a run of days
            if kind == "around":
                assert 9 in days and max(days) - min(days) <= 6


def test_the_mix_tries_every_kind_then_favours_the_one_that_gains_most():
    mix = _Mix(random.Random(0), KINDS)
    for kind in KINDS:
        assert mix.choose() == kind
        mix.record(kind, gain=90.0 if kind == "window" else 5.0, seconds=1.0)
    draws = [mix.choose() for _ in range(2000)]
    share = {kind: draws.count(kind) / len(draws) for kind in KINDS}
    assert share["window"] > 0.7
    assert all(share[kind] > MIN_KIND_SHARE / 2 for kind in KINDS)  # none is starved
    for _ in range(30):  # the window stops gaining: its rate decays below the others'
        mix.record("window", gain=0.0, seconds=1.0)
    draws = [mix.choose() for _ in range(2000)]
    assert draws.count("window") < draws.count("horizon")


def test_the_mix_rates_a_kind_by_its_gains_over_its_seconds_not_by_each_moves_ratio():
    # Horizon moves alternate a quick gain of 10 (0.1 s) with 2 s for nothing: 4.8 a second.
    # Window moves gain 10 in 1 s each: 10 a second. An average of each move's ratio would
    # rate the horizon near 50 a second and favour it.
    mix = _Mix(random.Random(0), ("window", "horizon"))
    for i in range(20):
        mix.record("window", gain=10.0, seconds=1.0)
        mix.record("horizon", gain=10.0 if i % 2 else 0.0, seconds=0.1 if i % 2 else 2.0)
    assert mix.rate("window") > 1.5 * mix.rate("horizon")
    draws = [mix.choose() for _ in range(2000)]
    assert draws.count("window") > draws.count("horizon")


def _runs_roster(make_problem, make_volunteer, make_shift, make_role):
    """Two people, a run of at least 3 days for whoever works, one place a day for a week:
    the greedy cannot keep the runs, and the optimum covers every day."""
    days = [make_shift(f"d{d}", f"2026-12-{7 + d:02d}T09:00", f"2026-12-{7 + d:02d}T17:00",
                       roles=[make_role("r", need=1, max=1)]) for d in range(7)]
    limits = {"max_shifts_per_day": 1, "min_consecutive_days": 3, "max_consecutive_days": 4,
              "min_consecutive_days_off": 2}
    return make_problem(volunteers=[make_volunteer("a", limits=limits), make_volunteer("b", limits=limits)],
                        shifts=days, weights={"fairness": 0})


def test_the_search_finds_the_optimum_of_a_roster_the_greedy_gets_wrong(make_problem, make_volunteer,
                                                                          make_shift, make_role):
    # The repair must keep the runs, and the search must then cover every day (the optimum).
    p = _runs_roster(make_problem, make_volunteer, make_shift, make_role)
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


def test_a_repaired_group_gets_its_best_week_around_the_others(make_problem, make_volunteer, make_shift,
                                                                make_role):
    # Both people break their runs, so they are repaired together: the best week of the
    # pair is the optimum, which a first valid week (one run of three days) is not.
    p = _runs_roster(make_problem, make_volunteer, make_shift, make_role)
    elig = compute_eligibility(p)
    start = [Assignment("a", "d1", "r"), Assignment("b", "d3", "r")]
    repaired = repair(p, elig, start, deadline=time.perf_counter() + 5, workers=1, seed=0, count_changes=False)
    optimum = validated(p, solve(p, time_limit=10, workers=1))
    assert repaired is not None and check(p, repaired).ok
    assert math.isclose(evaluate(p, repaired).objective, optimum.objective, abs_tol=1e-6)


def test_a_group_without_a_week_in_its_short_search_takes_the_first_valid_one(monkeypatch, make_problem,
                                                                               make_volunteer, make_shift,
                                                                               make_role):
    import solver.lns as lns

    p = _runs_roster(make_problem, make_volunteer, make_shift, make_role)
    elig = compute_eligibility(p)
    searches = []
    real_solve = lns._solve

    def short_search_finds_nothing(hood, count_changes, **kwargs):
        searches.append(kwargs.get("first_only", False))
        return None if not kwargs.get("first_only") else real_solve(hood, count_changes, **kwargs)

    monkeypatch.setattr(lns, "_solve", short_search_finds_nothing)
    start = [Assignment("a", "d1", "r"), Assignment("b", "d3", "r")]
    repaired = repair(p, elig, start, deadline=time.perf_counter() + 5, workers=1, seed=0, count_changes=False)
    assert searches == [False, True]
    assert repaired is not None and check(p, repaired).ok


def test_the_search_asks_a_moving_deadline_again_before_each_move(make_problem, make_volunteer, make_shift,
                                                                   make_role):
    p = _runs_roster(make_problem, make_volunteer, make_shift, make_role)
    elig = compute_eligibility(p)
    start = repair(p, elig, [Assignment("a", "d1", "r")], deadline=time.perf_counter() + 5, workers=1, seed=0,
                   count_changes=False)
    asked = []

    def deadline() -> float:  # ten minutes away for the first three questions, then over
        asked.append(1)
        return time.perf_counter() + (600 if len(asked) <= 3 else -1)

    began = time.perf_counter()
    best, _, stats = improve(p, elig, start, evaluate(p, start).objective, deadline=deadline, workers=1, seed=0,
                             count_changes=False)
    assert time.perf_counter() - began < 60 and len(asked) >= 4
    assert 1 <= stats.moves <= 3 and check(p, best).ok


def test_a_huge_repaired_part_is_improved_by_the_search_alone(monkeypatch, make_problem, make_volunteer,
                                                              make_shift, make_role):
    # Made "huge" by lowering the thresholds, and given a greedy schedule that breaks the
    # runs: the engine repairs it, then searches neighbourhoods for all its time and never
    # builds the whole model.
    p = _runs_roster(make_problem, make_volunteer, make_shift, make_role)
    optimum = validated(p, solve(p, time_limit=10, workers=1))
    assert optimum.status == "optimal"
    broken = [Assignment("a", "d1", "r"), Assignment("b", "d3", "r")]
    problems = check(p, broken).violations
    assert problems

    def no_whole_model(*args, **kwargs):
        raise AssertionError("the whole model was built")

    monkeypatch.setattr("solver.engine.greedy_fill", lambda *a, **k: GreedyResult(broken, [str(x) for x in problems]))
    monkeypatch.setattr("solver.engine.LNS_MIN_TRIPLES", 0)
    monkeypatch.setattr("solver.engine.LNS_ONLY_TRIPLES", 0)
    limits = []

    def recording_improve(*args, **kwargs):
        limits.append(kwargs["limits"])
        return improve(*args, **kwargs)

    monkeypatch.setattr("solver.engine.build_model", no_whole_model)
    monkeypatch.setattr("solver.engine.improve", recording_improve)
    result = validated(p, solve(p, time_limit=2, workers=1))
    assert limits == [BIG_MOVES]  # a year's neighbourhood costs its volunteers' whole year
    assert result.status == "feasible" and result.bound is None
    assert math.isclose(result.objective, optimum.objective, abs_tol=1e-6)
    part = result.stats["cp_sat"][0]
    assert part["lns"]["moves"] > 0 and "cp_sat_status" not in part


@pytest.mark.parametrize("long_triples, share", [(10**6, 0.75), (0, 0.95)])
def test_a_long_repaired_part_keeps_the_search_longer(monkeypatch, make_problem, make_volunteer, make_shift,
                                                      make_role, long_triples, share):
    # Above LNS_LONG_TRIPLES the neighbourhood search keeps LNS_LONG_SHARE of the part's
    # time before CP-SAT's whole-model search, below it LNS_SHARE.
    import solver.engine

    p = _runs_roster(make_problem, make_volunteer, make_shift, make_role)
    broken = [Assignment("a", "d1", "r"), Assignment("b", "d3", "r")]
    problems = [str(x) for x in check(p, broken).violations]
    monkeypatch.setattr("solver.engine.greedy_fill", lambda *a, **k: GreedyResult(broken, problems))
    monkeypatch.setattr("solver.engine.LNS_MIN_TRIPLES", 0)
    monkeypatch.setattr("solver.engine.LNS_LONG_TRIPLES", long_triples)
    assert share in (solver.engine.LNS_SHARE, solver.engine.LNS_LONG_SHARE)
    calls = []

    def recording_improve(*args, deadline, **kwargs):
        calls.append(deadline() - time.perf_counter())
        return improve(*args, deadline=deadline, **kwargs)

    monkeypatch.setattr("solver.engine.improve", recording_improve)
    result = validated(p, solve(p, time_limit=10, workers=1))
    assert result.status == "optimal" and len(calls) == 1
    assert share * 9 * 0.97 < calls[0] < share * 10  # the part's budget is under 10 s (explanations)
