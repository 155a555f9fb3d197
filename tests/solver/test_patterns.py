"""Work patterns (`solver.rules.patterns`): exactly the weeks the volunteer's own rules allow.

The pattern formulation is redundant: it must never cut off a week that keeps the hard
rules. The reference is the independent checker: every subset of a volunteer's candidate
shifts is a pattern exactly when the checker finds no break of the timing and counting
rules that the patterns list (the day-run rules are left to the model).
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from solver.checker_rules import CheckContext, volunteer_violations
from solver.eligibility import compute_eligibility
from solver.engine import solve
from solver.model import build_model
from solver.rules import patterns
from solver.rules.patterns import volunteer_patterns
from tests.solver.engine_helpers import validated
from tests.solver.test_properties import parsed, random_documents

#: The checker's names of the rules that patterns enforce.
PATTERN_RULES = {"overlap", "travel", "min_rest", "max_shifts_per_day", "max_shifts",
                 "max_shifts_per_activity", "max_minutes", "min_minutes"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=3, max_shifts=7))
def test_patterns_are_exactly_the_weeks_the_checker_allows(doc: dict):
    p = parsed(doc)
    elig = compute_eligibility(p)
    ctx = CheckContext(p)
    for v, vol in enumerate(p.volunteers):
        shifts = [p.shifts[s] for s in elig.shifts_of[v]]
        patterns = volunteer_patterns(p, vol, shifts, cap=10_000)
        allowed = {
            subset for k in range(len(shifts) + 1) for subset in itertools.combinations(range(len(shifts)), k)
            if not any(x.rule in PATTERN_RULES
                       for x in volunteer_violations(ctx, vol, [shifts[i].id for i in subset]))
        }
        assert patterns is not None
        assert set(patterns) == allowed
        assert len(patterns) == len(set(patterns))


def test_a_volunteer_with_too_many_weeks_keeps_the_plain_model(make_problem, make_volunteer, make_shift):
    shifts = [make_shift(f"s{d}", f"2026-12-{7 + d:02d}T09:00", f"2026-12-{7 + d:02d}T11:00") for d in range(7)]
    p = make_problem(volunteers=[make_volunteer("v1")], shifts=shifts)
    assert len(volunteer_patterns(p, p.volunteers[0], p.shifts, cap=128)) == 2 ** 7
    assert volunteer_patterns(p, p.volunteers[0], p.shifts, cap=127) is None


def test_patterns_keep_a_hint_complete_and_the_optimum(make_problem, make_volunteer, make_shift, make_role):
    """Fairness spreads six two-hour shifts over three volunteers whose weeks the patterns list."""
    shifts = [make_shift(f"s{d}", f"2026-12-{7 + d:02d}T09:00", f"2026-12-{7 + d:02d}T11:00",
                         roles=[make_role("helper", need=1)]) for d in range(6)]
    volunteers = [make_volunteer(f"v{i}", limits={"max_minutes": 360}) for i in range(3)]
    p = make_problem(volunteers=volunteers, shifts=shifts)
    sol = validated(p, solve(p, time_limit=10, workers=1))
    assert sol.status == "optimal"
    loads = sorted(sum(1 for a in sol.assignments if a.volunteer == v["id"]) for v in volunteers)
    assert loads == [2, 2, 2]
    assert sol.components["fairness"] == 3 * (240 / 60) ** 2

    model = build_model(p, compute_eligibility(p))
    assert len(model.cp.proto.variables) > len(model.x) + 3 * 2 ** 3  # pattern literals are there
    assert model.add_hint(sol.assignments)
    assert len(model.cp.proto.solution_hint.vars) == len(model.cp.proto.variables)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    assert solver.solve(model.cp) == cp_model.OPTIMAL  # the hinted values keep every constraint
    assert model.scale.to_document(solver.objective_value) == sol.objective


def test_a_listing_that_finds_little_gives_up_instead_of_visiting_every_subset(make_problem, make_volunteer,
                                                                             make_shift):
    # 40 one-hour shifts and min_minutes of 39 hours: only 41 weeks qualify, but a plain
    # search would visit about 2**40 partial subsets to find them.
    shifts = [make_shift(f"s{i}", f"2026-12-{7 + i // 8:02d}T{8 + i % 8:02d}:00",
                         f"2026-12-{7 + i // 8:02d}T{9 + i % 8:02d}:00") for i in range(40)]
    vol = make_volunteer("v1", limits={"min_minutes": 39 * 60, "min_minutes_strict": True})
    p = make_problem(volunteers=[vol], shifts=shifts)
    assert volunteer_patterns(p, p.volunteers[0], p.shifts, cap=300) is None


def test_a_few_busy_volunteers_are_listed_beyond_the_usual_cap(make_problem, make_volunteer, make_shift):
    shifts = [make_shift(f"s{d}", f"2026-12-{7 + d // 2:02d}T{9 + 4 * (d % 2):02d}:00",
                         f"2026-12-{7 + d // 2:02d}T{11 + 4 * (d % 2):02d}:00") for d in range(9)]
    p = make_problem(volunteers=[make_volunteer("busy"), make_volunteer("capped", limits={"max_shifts": 1})],
                     shifts=shifts)
    elig = compute_eligibility(p)
    model = build_model(p, elig)
    # 2**9 weeks of the busy volunteer are listed although the usual cap is 300; the one-shift
    # weeks of the other add nothing the plain model lacks, so they are left out.
    assert patterns.MAX_PATTERNS_PER_VOLUNTEER < 2 ** 9 <= patterns.MAX_PATTERNS_PER_BUSY_VOLUNTEER
    assert len(model.cp.proto.variables) - len(model.x) >= 2 ** 9
    assert len(model.cp.proto.variables) - len(model.x) < 2 ** 9 + 30
