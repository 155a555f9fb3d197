"""Neighbourhoods (`solver.neighbourhood`): sub-problems that are exact for the whole problem.

The reference is the independent checker on the whole problem: every schedule of a
sub-problem that keeps its rules, merged with the kept assignments, must keep the whole
problem's rules, and the whole objective must be the sub-problem's plus one constant.
"""

from __future__ import annotations

import itertools
import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.checker import check
from solver.domain import INFEASIBLE, Assignment
from solver.eligibility import compute_eligibility
from solver.engine import solve
from solver.evaluate import evaluate
from solver.neighbourhood import neighbourhood
from tests.solver.test_properties import parsed, random_documents


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_documents(max_volunteers=3, max_shifts=4), st.data())
def test_every_schedule_of_a_neighbourhood_is_exact_for_the_whole_problem(doc: dict, data: st.DataObject):
    p = parsed(doc)
    solution = solve(p, time_limit=3, workers=1)
    assume(solution.status != INFEASIBLE and solution.assignments)
    current = list(solution.assignments)
    assert check(p, current).ok
    freed = data.draw(st.sets(st.integers(0, len(p.volunteers) - 1), min_size=1), label="freed")
    days = data.draw(st.none() | st.sets(st.integers(0, 6), min_size=1), label="days")
    hood = neighbourhood(p, compute_eligibility(p), current, freed, days)
    sub = hood.problem
    assume(math.prod(1 + len(s.roles) for s in sub.shifts) ** len(sub.volunteers) <= 4000)
    assert check(sub, hood.current).ok, "the current schedule must be a schedule of the neighbourhood"
    count = bool(p.previous)
    constant = evaluate(p, current).objective - evaluate(sub, hood.current, count_changes=count).objective
    options = [[None] + [Assignment(v.id, s.id, r.name) for r in s.roles] for v in sub.volunteers for s in sub.shifts]
    seen = 0
    for choice in itertools.product(*options):
        x = [a for a in choice if a is not None]
        if not check(sub, x).ok:
            continue
        seen += 1
        whole = hood.merge(x)
        assert check(p, whole).ok, f"{x} keeps the neighbourhood's rules but not the whole problem's"
        assert math.isclose(evaluate(p, whole).objective,
                            evaluate(sub, x, count_changes=count).objective + constant, abs_tol=1e-6)
    assert seen >= 1


def test_kept_people_lower_need_and_max_and_frozen_days_become_fixed(make_problem, make_volunteer,
                                                                      make_shift, make_role):
    p = make_problem(
        volunteers=[make_volunteer("a"), make_volunteer("b")],
        shifts=[make_shift("mon", roles=[make_role("r", need=2, max=3)]),
                make_shift("tue", "2026-12-08T09:00", "2026-12-08T11:00", roles=[make_role("r", need=1, max=1)])])
    current = [Assignment("a", "mon", "r"), Assignment("b", "mon", "r"), Assignment("a", "tue", "r")]
    hood = neighbourhood(p, compute_eligibility(p), current, volunteers=[0], days=[0])
    mon, tue = hood.problem.shifts
    assert (mon.roles[0].need, mon.roles[0].max) == (1, 2)
    assert [v.id for v in hood.problem.volunteers] == ["a"]
    assert Assignment("a", "tue", "r") in hood.problem.fixed
    assert hood.kept == (Assignment("b", "mon", "r"),)
    assert hood.free_triples == 1


def test_supervision_kept_people_rely_on_stays_and_a_kept_supervisor_frees_the_rest(
        make_problem, make_volunteer, make_shift, make_role):
    rule = [{"group": "student", "by": ["social_worker"]}]
    p = make_problem(
        volunteers=[make_volunteer("student", groups=["student"]),
                    make_volunteer("worker", groups=["social_worker"]),
                    make_volunteer("other", groups=["student"])],
        shifts=[make_shift("s1", roles=[make_role("r", need=3, max=3)], supervision=rule)])
    elig = compute_eligibility(p)
    current = [Assignment("student", "s1", "r"), Assignment("worker", "s1", "r")]
    # The kept student needs the freed worker: the worker's place is frozen.
    frozen = neighbourhood(p, elig, current, volunteers=[1, 2])
    assert Assignment("worker", "s1", "r") in frozen.problem.fixed
    assert {f.volunteer for f in frozen.problem.forbidden} == {"other"}
    assert frozen.free_triples == 0
    # A kept worker supervises whoever the freed volunteers send: the rule goes.
    covered = neighbourhood(p, elig, current, volunteers=[0, 2])
    assert covered.problem.shifts[0].supervision == ()
    assert not covered.problem.fixed and covered.free_triples == 2
