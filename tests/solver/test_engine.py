"""`solver.engine.solve` as a whole: the spec's example, statuses, conflicts, progress, seeds.

Every schedule returned is validated by the independent checker (`engine_helpers`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from solver.checker import check
from solver.domain import FEASIBLE, INFEASIBLE, OPTIMAL, Problem
from solver.engine import solve
from solver.eligibility import compute_eligibility
from solver.greedy import Roster, greedy_assign
from solver.parse import parse_problem
from tests.solver.docs import make_role, make_shift
from tests.solver.docs import make_volunteer as vol
from tests.solver.engine_helpers import day, pairs, problem, shift, solved, validated

EXAMPLES = Path(__file__).parent / "examples"


def fixed(v: str, s: str, role: str | None = "helper") -> dict:
    entry = {"volunteer": v, "shift": s}
    if role is not None:
        entry["role"] = role
    return entry


def community_week(volunteers: int = 24, days: int = 7) -> Problem:
    """A small but not trivial week: three shifts a day, two roles, mixed limits and wishes."""
    vols = []
    for i in range(volunteers):
        limits = {"max_shifts_per_day": 1 + i % 2, "max_minutes": 360 + 60 * (i % 4)}
        if i % 5 == 0:
            limits["max_consecutive_days"] = 2
        vols.append(vol(f"v{i:02d}", groups=["student" if i % 3 == 0 else "party_member"],
                        skills={"first_aid": 1 + i % 3}, history_minutes=30 * (i % 7), limits=limits,
                        prefers=[{"weekday": i % 7, "weight": 1 + i % 3}]))
    shifts = []
    for d in range(days):
        for k, (start, end) in enumerate((("08:00", "10:00"), ("10:30", "12:30"), ("14:00", "17:00"))):
            shifts.append(make_shift(f"s{d}{k}", *day(d, start, end), activity=f"a{k}", venue=f"hall{k % 2}",
                                     roles=[make_role("medic", 1, skills={"first_aid": 2}, continuity=k == 0),
                                            make_role("helper", 1, max=2)]))
    return problem(vols, shifts, rules={"travel_minutes": 45})


# --- the spec's example and small worlds ----------------------------------------------------


def test_spec_example_is_solved_and_validated():
    p = parse_problem(json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8")))
    sol = solved(p)
    assert sol.assignments
    for entry in p.fixed:
        assert any(a.volunteer == entry.volunteer and a.shift == entry.shift for a in sol.assignments)
    doc = sol.to_document()
    assert doc["format"] == "volunteer-schedule-solution/1"
    assert json.loads(json.dumps(doc)) == doc


def test_problem_without_shifts_is_optimal_and_empty():
    sol = solved(problem([vol("v1")], []))
    assert sol.assignments == () and sol.objective == 0 and sol.bound == 0


def test_problem_without_volunteers_leaves_everything_unfilled():
    sol = solved(problem([], [shift("s1", day(0, "09:00", "11:00"), need=2)]))
    assert sol.components["unfilled"] == 2
    assert [(u.shift, u.role, u.missing) for u in sol.unfilled] == [("s1", "helper", 2)]
    assert sol.unfilled[0].reasons  # explained by solver.explain


def test_community_week_is_solved_to_optimality_with_stats():
    p = community_week(volunteers=16, days=4)
    sol = solved(p, time_limit=30)
    for key in ("seconds", "variables", "assignment_variables", "first_solution_seconds", "hint"):
        assert key in sol.stats
    assert sol.bound == pytest.approx(sol.objective)
    assert sol.stats["hint"] == "feasible"


def test_time_limit_returns_the_best_schedule_found():
    p = community_week(volunteers=40, days=7)
    sol = validated(p, solve(p, time_limit=0.5, workers=1))
    assert sol.status in (OPTIMAL, FEASIBLE)
    assert sol.stats["seconds"] < 5


def test_greedy_assign_keeps_every_hard_rule():
    p = community_week()
    assignments = greedy_assign(p)
    assert assignments
    assert check(p, assignments).ok


def test_greedy_moves_a_volunteer_to_fill_a_place_and_its_students():
    # v1 (party member, max one shift) sits on s1, where v2 could stand in; s2's instructor
    # place can only be v1's, and its two students need a party member to supervise them.
    p = problem([vol("v1", groups=["party_member"], limits={"max_shifts": 1}),
                 vol("v2", groups=["party_member"]),
                 vol("v3", groups=["student"]), vol("v4", groups=["student"])],
                [shift("s1", day(0, "09:00", "11:00")),
                 make_shift("s2", *day(1, "09:00", "11:00"), roles=[
                     make_role("instructor", 1, groups=["party_member"]),
                     make_role("assistant", 2, groups=["student"])],
                     supervision=[{"group": "student", "by": ["party_member"]}])],
                forbidden=[{"volunteer": "v2", "shift": "s2"}])
    roster = Roster(p, compute_eligibility(p))
    roster.add(0, 0, 0)  # v1 on s1, as a myopic fill would leave it
    roster.shift_to_fill()
    moved = roster.assignments()
    assert {(a.volunteer, a.shift) for a in moved} == {("v2", "s1"), ("v1", "s2"), ("v3", "s2"), ("v4", "s2")}
    assert check(p, moved).ok and not roster.problems()


def test_same_seed_and_one_worker_reproduce_the_schedule():
    p = community_week(volunteers=16, days=4)
    # A generous limit: the search must end on its own, not be cut at a wall-clock moment.
    first = solve(p, time_limit=60, workers=1, seed=7)
    second = solve(p, time_limit=60, workers=1, seed=7)
    validated(p, first)
    assert first.status == OPTIMAL
    assert first.assignments == second.assignments
    assert first.objective == second.objective


def test_on_progress_reports_improving_objectives_with_valid_bounds():
    p = community_week()
    seen: list[tuple[float, float | None, float]] = []
    sol = solved(p, status=None, time_limit=5, on_progress=lambda o, b, s: seen.append((o, b, s)))
    assert seen
    objectives = [o for o, _, _ in seen]
    assert objectives == sorted(objectives, reverse=True)
    assert len(set(objectives)) == len(objectives)  # strictly improving
    assert objectives[-1] == pytest.approx(sol.objective)
    for o, b, s in seen:
        assert b is None or b <= o + 1e-6
        assert s >= 0
    assert [s for _, _, s in seen] == sorted(s for _, _, s in seen)


def test_on_progress_with_an_unfilled_keyword_gets_the_places_below_need():
    # Two volunteers for three one-person shifts at the same time: one place stays empty.
    p = problem([vol("v1"), vol("v2")], [shift(f"s{i}", day(0, "09:00", "11:00")) for i in range(3)])
    seen: list[int] = []
    sol = solved(p, on_progress=lambda o, b, s, *, unfilled: seen.append(unfilled))
    assert sum(u.missing for u in sol.unfilled) == 1
    assert seen and all(n >= 1 for n in seen) and seen[-1] == 1


def test_a_failing_progress_callback_does_not_break_the_solve():
    def broken(objective: float, bound: float | None, seconds: float) -> None:
        raise RuntimeError("progress bar gone")

    sol = solved(problem([vol("v1")], [shift("s1", day(0, "09:00", "11:00"))]), on_progress=broken)
    assert pairs(sol) == {("v1", "s1")}


# --- infeasible problems: conflicts that name volunteers, shifts and limits -----------------


def test_fixed_to_an_unavailable_shift_is_named_without_search():
    p = problem([vol("v1", unavailable=[["2026-12-07T10:00", "2026-12-07T12:00"]])],
                [shift("s1", day(0, "09:00", "11:00"))], fixed=[fixed("v1", "s1")])
    sol = solved(p, status=INFEASIBLE)
    assert len(sol.conflicts) == 1
    assert sol.conflicts[0].startswith("fixed: v1 in s1/helper cannot hold: v1 is unavailable during s1")


def test_fixed_beyond_max_shifts_names_the_volunteer_and_limit():
    p = problem([vol("v1", limits={"max_shifts": 2})],
                [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(3)],
                fixed=[fixed("v1", f"s{d}") for d in range(3)])
    sol = solved(p, status=INFEASIBLE)
    assert sol.conflicts == ("v1 is fixed to 3 shifts (s0, s1, s2) but max_shifts is 2",)


def test_fixed_beyond_max_shifts_per_day():
    p = problem([vol("v1", name="Wang", limits={"max_shifts_per_day": 1})],
                [shift("s1", day(0, "09:00", "11:00")), shift("s2", day(0, "14:00", "16:00"))],
                fixed=[fixed("v1", "s1"), fixed("v1", "s2")])
    sol = solved(p, status=INFEASIBLE)
    assert sol.conflicts == ("v1 (Wang) is fixed to 2 shifts starting on 2026-12-07 (s1, s2) "
                             "but max_shifts_per_day is 1",)


def test_fixed_beyond_a_roles_max():
    p = problem([vol("v1"), vol("v2"), vol("v3")], [shift("s1", day(0, "09:00", "11:00"), max=2)],
                fixed=[fixed("v1", "s1"), fixed("v2", "s1"), fixed("v3", "s1")])
    sol = solved(p, status=INFEASIBLE)
    assert sol.conflicts == ("s1/helper: 3 volunteers are fixed to it (v1, v2, v3) but its max is 2",)


def test_fixed_student_without_any_supervisor():
    p = problem([vol("v1", groups=["student"])],
                [shift("s1", day(0, "09:00", "11:00"), supervision=[{"group": "student", "by": ["social_worker"]}])],
                fixed=[fixed("v1", "s1")])
    sol = solved(p, status=INFEASIBLE)
    assert len(sol.conflicts) == 1
    assert sol.conflicts[0].startswith("s1: v1 of group student is fixed to it and needs a supervisor "
                                       "from social_worker")


def test_fixed_days_beyond_max_consecutive_days():
    p = problem([vol("v1", limits={"max_consecutive_days": 2})],
                [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(3)],
                fixed=[fixed("v1", f"s{d}") for d in range(3)])
    sol = solved(p, status=INFEASIBLE)
    assert sol.conflicts == ("v1 is fixed to work on 2026-12-07, 2026-12-08, 2026-12-09 (s0, s1, s2) "
                             "but max_consecutive_days 2 forbids it",)


def test_conflict_set_is_shrunk_to_the_volunteer_at_fault():
    # Many harmless fixed entries and limits; only v9's max_minutes clashes with its fixed shifts.
    vols = [vol(f"v{i}", limits={"max_minutes": 600, "max_shifts": 5}) for i in range(9)]
    vols.append(vol("v9", limits={"max_minutes": 200, "max_shifts": 5}))
    shifts = [shift(f"s{d}{k}", day(d, f"{9 + 3 * k:02d}:00", f"{11 + 3 * k:02d}:00"), need=3, max=10)
              for d in range(5) for k in range(2)]
    entries = [fixed(f"v{i}", f"s{i % 5}{i % 2}") for i in range(9)]
    entries += [fixed("v9", "s00"), fixed("v9", "s11")]
    sol = solved(problem(vols, shifts, fixed=entries), status=INFEASIBLE)
    assert sol.conflicts == ("v9 is fixed to 240 minutes (s00, s11) but max_minutes is 200",)


def test_strict_minimum_against_a_maximum_names_both():
    p = problem([vol("v1", limits={"min_minutes": 300, "min_minutes_strict": True, "max_shifts": 2})],
                [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(3)])
    sol = solved(p, status=INFEASIBLE)
    text = " ".join(sol.conflicts)
    assert "v1" in text and "min_minutes 300" in text and "max_shifts" in text


# --- independent parts ----------------------------------------------------------------------


def two_communities() -> Problem:
    """Two areas that share no volunteer, a continuity series, and a previous plan across."""
    vols = [vol(f"r{i}", areas=["riverside"], history_minutes=60 * i) for i in range(3)]
    vols += [vol(f"h{i}", areas=["hillside"], prefers=[{"weekday": i, "weight": 2}]) for i in range(3)]
    shifts = []
    for area in ("riverside", "hillside"):
        for d in range(3):
            shifts.append(make_shift(f"{area[0]}{d}", *day(d, "09:00", "11:00"), activity=f"{area}-class",
                                     area=area, roles=[make_role("teacher", 1, continuity=True),
                                                       make_role("helper", 1, max=2)]))
    previous = [{"volunteer": "r0", "shift": "h0"}, {"volunteer": "h1", "shift": "h1"}]
    return problem(vols, shifts, previous=previous)


def test_independent_parts_are_solved_apart_to_the_same_optimum(monkeypatch):
    p = two_communities()
    whole = solved(p)
    assert whole.stats["parts"] == 1
    monkeypatch.setattr("solver.decompose.MIN_PART_TRIPLES", 1)
    seen: list[float] = []
    apart = solved(p, on_progress=lambda o, b, s: seen.append(o))
    assert apart.stats["parts"] == 2
    assert apart.objective == pytest.approx(whole.objective)
    assert apart.bound == pytest.approx(whole.objective)
    assert apart.components["changes"] == whole.components["changes"] >= 1  # r0 can never be in h0
    assert seen[-1] == pytest.approx(apart.objective)


def test_time_left_by_a_quick_part_goes_to_a_part_cut_short(monkeypatch):
    import solver.engine

    p = two_communities()
    monkeypatch.setattr("solver.decompose.MIN_PART_TRIPLES", 1)
    real_search = solver.engine.run_search
    limits: dict[str, list[float]] = {}

    def first_search_cut_short(model, *, time_limit, **kwargs):
        part = model.problem.shifts[0].area
        limits.setdefault(part, []).append(time_limit)
        outcome = real_search(model, time_limit=time_limit, **kwargs)
        if len(limits[part]) == 1 and part == "riverside":
            outcome.bound = None  # as if its share had run out before any proof
        return outcome

    monkeypatch.setattr(solver.engine, "run_search", first_search_cut_short)
    sol = solved(p, time_limit=20)
    assert len(limits["riverside"]) == 2 and len(limits["hillside"]) == 1
    assert limits["riverside"][1] >= solver.engine.MIN_RESUME_SECONDS
    assert sol.status == OPTIMAL and sol.objective == pytest.approx(solved(p).objective)


def test_building_the_model_counts_against_the_time_limit(monkeypatch):
    import solver.engine

    real_build, real_search = solver.engine.build_model, solver.engine.run_search
    limits: list[float] = []

    def slow_build(*args, **kwargs):
        time.sleep(1.5)  # as on a roster of a million candidate triples
        return real_build(*args, **kwargs)

    def recorded_search(model, *, time_limit, **kwargs):
        limits.append(time_limit)
        return real_search(model, time_limit=time_limit, **kwargs)

    monkeypatch.setattr(solver.engine, "build_model", slow_build)
    monkeypatch.setattr(solver.engine, "run_search", recorded_search)
    solved(community_week(volunteers=4, days=2), status=None, time_limit=2)
    assert limits and limits[0] <= 2 - 1.5


def test_an_infeasible_part_makes_the_whole_infeasible(monkeypatch):
    p = problem([vol("r0", areas=["riverside"], limits={"max_shifts": 1}), vol("h0", areas=["hillside"])],
                [shift("r1", day(0, "09:00", "11:00"), area="riverside"),
                 shift("r2", day(1, "09:00", "11:00"), area="riverside"),
                 shift("h1", day(0, "09:00", "11:00"), area="hillside")],
                fixed=[fixed("r0", "r1"), fixed("r0", "r2")])
    monkeypatch.setattr("solver.decompose.MIN_PART_TRIPLES", 1)
    sol = solved(p, status=INFEASIBLE)
    assert sol.conflicts == ("r0 is fixed to 2 shifts (r1, r2) but max_shifts is 1",)


def test_the_time_kept_for_explanations_follows_the_best_schedule():
    from solver.decompose import Part
    from solver.domain import Assignment
    from solver.engine import EXPLAIN_SECONDS_PER_ROLE, EXPLAIN_SHARE, _explain_reserve, _PartState
    from solver.greedy import GreedyResult

    p = problem([vol("v1")], [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(4)])
    state = _PartState(Part(p, (0,), tuple(range(4)), 4), compute_eligibility(p),
                       GreedyResult([], ["a rule the greedy schedule breaks"]))
    assert _explain_reserve([state], time_limit=60) == pytest.approx(4 * EXPLAIN_SECONDS_PER_ROLE)
    state.best = [Assignment("v1", "s0", "helper"), Assignment("v1", "s1", "helper")]
    assert _explain_reserve([state], time_limit=60) == pytest.approx(2 * EXPLAIN_SECONDS_PER_ROLE)
    assert _explain_reserve([state], time_limit=1) == pytest.approx(EXPLAIN_SHARE)  # the cap
