"""Smoke tests of the benchmark runner at the tiny scale; no timing is asserted."""

from __future__ import annotations

import pytest

from bench.generate import generate
from bench.run import benchmark, main, parse_time_limits
from bench.solving import solve_measured, unfilled_only, verify
from solver.parse import parse_problem


def test_engine_run_in_a_child_is_checked_and_measured() -> None:
    doc = generate("T", 1)
    outcome = solve_measured(doc, time_limit=3, workers=1)
    assert outcome.error is None and outcome.status in ("optimal", "feasible")
    verdict = verify(parse_problem(doc), outcome)
    assert verdict.violations == [] and verdict.objective_agrees
    assert outcome.peak_rss > 20 * 2**20  # a Python process with OR-Tools loaded
    assert outcome.first_seconds is not None and outcome.first_seconds <= outcome.seconds


def test_benchmark_row_compares_engine_minimum_and_greedy() -> None:
    row = benchmark("T", 2, time_limit=3, workers=1, with_min_unfilled=True)
    assert row.violations == 0 and row.objective_ok == "yes"
    assert row.status in ("optimal", "feasible")
    assert row.min_unfilled is not None and row.min_unfilled.isdigit()  # proven at this size
    least = int(row.min_unfilled)
    # a proven minimum is a lower bound on every valid roster, the greedy's included
    assert least <= row.unfilled and least <= row.greedy_unfilled
    assert row.eligible >= row.unfilled  # sanity of the size column


def test_unfilled_only_variant_zeroes_every_other_weight() -> None:
    problem = parse_problem(unfilled_only(generate("T", 0)))
    w = problem.weights
    assert (w.unfilled, w.overfilled, w.preference, w.fairness, w.continuity, w.change) == (1, 0, 0, 0, 0, 0)
    assert {r.under_weight for s in problem.shifts for r in s.roles} == {1}


def test_time_limits_default_per_scale_and_overrides() -> None:
    assert parse_time_limits(None)["S"] == 10 and parse_time_limits(None)["L"] == 120
    assert parse_time_limits("S=3,M=7")["M"] == 7 and parse_time_limits("S=3,M=7")["L"] == 120
    assert set(parse_time_limits("2").values()) == {2.0}


def test_command_line_prints_rows_and_a_median(capsys) -> None:
    assert main(["--scales", "T", "--repeat", "2", "--time-limit", "2", "--workers", "1",
                 "--no-min-unfilled", "--engine-stats"]) == 0
    out = capsys.readouterr().out
    assert "greedy unf" in out and "T#1" in out and "T#2" in out and "T median" in out
    assert "T#1: " in out  # the engine's own statistics line


def test_command_line_rejects_an_unknown_scale() -> None:
    with pytest.raises(SystemExit):
        main(["--scales", "XL"])
