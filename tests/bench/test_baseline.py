"""The greedy baseline: checker-valid rosters that leave places a smarter plan could fill."""

from __future__ import annotations

import pytest

from bench.baseline import greedy_roster, run_baseline
from bench.generate import generate
from solver.checker import check
from solver.parse import parse_problem


@pytest.mark.parametrize("scale,seed", [("T", 0), ("T", 1), ("S", 0), ("S", 3), ("M", 1)])
def test_baseline_roster_breaks_no_hard_rule(scale: str, seed: int) -> None:
    problem = parse_problem(generate(scale, seed))
    result = run_baseline(problem)
    assert result.report.violations == []
    assert result.assignments
    assert result.unfilled == check(problem, result.assignments).components["unfilled"]
    need = sum(r.need for s in problem.shifts for r in s.roles)
    assert 0 < result.unfilled < need
    assert set(problem.fixed) <= {a for a in result.assignments}  # sign-ups are kept


def test_baseline_takes_the_first_qualified_volunteer_in_list_order() -> None:
    doc = {
        "format": "volunteer-schedule/1", "timezone": "Asia/Shanghai",
        "horizon": {"start": "2026-12-07", "end": "2026-12-07"},
        "volunteers": [
            {"id": "a", "skills": {"desk": 1}, "limits": {"max_shifts": 1}},
            {"id": "b"},
            {"id": "c", "skills": {"desk": 2}},
        ],
        "shifts": [
            {"id": "s1", "activity": "desk", "start": "2026-12-07T09:00", "end": "2026-12-07T10:00",
             "roles": [{"role": "desk", "need": 1, "skills": {"desk": 1}}]},
            {"id": "s2", "activity": "desk", "start": "2026-12-07T10:00", "end": "2026-12-07T11:00",
             "roles": [{"role": "desk", "need": 1, "skills": {"desk": 1}},
                       {"role": "helper", "need": 2}]},
        ],
    }
    problem = parse_problem(doc)
    roster = {(a.volunteer, a.shift, a.role) for a in greedy_roster(problem)}
    # a is first in s1 and then at max_shifts; c takes the s2 desk; helpers go b, then nobody
    # else is free (a at its limit, c already in s2).
    assert roster == {("a", "s1", "desk"), ("c", "s2", "desk"), ("b", "s2", "helper")}


def test_baseline_places_fixed_assignments_first_and_respects_forbidden() -> None:
    doc = {
        "format": "volunteer-schedule/1", "timezone": "Asia/Shanghai",
        "horizon": {"start": "2026-12-07", "end": "2026-12-07"},
        "volunteers": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "shifts": [
            {"id": "s1", "activity": "x", "start": "2026-12-07T09:00", "end": "2026-12-07T10:00",
             "roles": [{"role": "r", "need": 2}]},
        ],
        "fixed": [{"volunteer": "c", "shift": "s1"}],
        "forbidden": [{"volunteer": "a", "shift": "s1"}],
    }
    problem = parse_problem(doc)
    result = run_baseline(problem)
    assert result.report.ok
    assert {(a.volunteer, a.role) for a in result.assignments} == {("c", "r"), ("b", "r")}
    assert result.unfilled == 0
