"""One tiny instance per business rule, where that rule decides what the engine does.

Each hard-rule test offers a temptation (a strong preference, a cheaper volunteer, an
unfilled place) that only the rule stands against, and asserts the specific outcome; each
objective test asserts the component's value and the choice it drives. Every result goes
through the independent checker (`engine_helpers.solved`).
"""

from __future__ import annotations

from solver.domain import INFEASIBLE
from solver.parse import parse_problem
from tests.solver.docs import make_doc, make_role, make_shift
from tests.solver.docs import make_volunteer as vol
from tests.solver.engine_helpers import day, pairs, problem, shift, solved, triples

MORNING = day(0, "09:00", "11:00")
LIKES_S1 = [{"shift": "s1", "weight": 5}]


# --- candidates: who may take a role at all -------------------------------------------------


def test_skills_and_levels_decide_who_teaches():
    p = problem([vol("v1", skills={"calligraphy": 1}, prefers=LIKES_S1),
                 vol("v2", skills={"calligraphy": 2})],
                [shift("s1", MORNING, "teacher", skills={"calligraphy": 2})])
    assert pairs(solved(p)) == {("v2", "s1")}


def test_role_groups_admit_only_members():
    p = problem([vol("v1", groups=["retired_cadre"], prefers=LIKES_S1), vol("v2", groups=["student"])],
                [shift("s1", MORNING, groups=["student"])])
    assert pairs(solved(p)) == {("v2", "s1")}


def test_areas_keep_volunteers_in_their_community():
    p = problem([vol("v1", areas=["hillside"], prefers=LIKES_S1), vol("v2")],
                [shift("s1", MORNING, area="riverside")])
    assert pairs(solved(p)) == {("v2", "s1")}


def test_availability_must_cover_the_whole_shift():
    p = problem([vol("v1", available=[["2026-12-07T08:00", "2026-12-07T10:00"]], prefers=LIKES_S1),
                 vol("v2")],
                [shift("s1", MORNING)])
    assert pairs(solved(p)) == {("v2", "s1")}


def test_availability_touching_intervals_join():
    p = problem([vol("v1", available=[["2026-12-07T08:00", "2026-12-07T10:00"],
                                      ["2026-12-07T10:00", "2026-12-07T12:00"]], prefers=LIKES_S1),
                 vol("v2")],
                [shift("s1", MORNING)])
    assert pairs(solved(p)) == {("v1", "s1")}


def test_unavailable_blocks_an_overlapping_shift_but_not_a_touching_one():
    p = problem([vol("v1", unavailable=[["2026-12-07T10:30", "2026-12-07T12:00"]], prefers=LIKES_S1),
                 vol("v2", unavailable=[["2026-12-07T11:00", "2026-12-07T12:00"]])],
                [shift("s1", MORNING)])
    assert pairs(solved(p)) == {("v2", "s1")}


def test_days_off_forbid_shifts_starting_that_day():
    p = problem([vol("v1", days_off=["2026-12-07"], prefers=LIKES_S1), vol("v2")],
                [shift("s1", MORNING)])
    assert pairs(solved(p)) == {("v2", "s1")}


def test_forbidden_pair_is_never_assigned():
    p = problem([vol("v1", prefers=LIKES_S1), vol("v2")], [shift("s1", MORNING)],
                forbidden=[{"volunteer": "v1", "shift": "s1"}])
    assert pairs(solved(p)) == {("v2", "s1")}


# --- hard rules of shifts -------------------------------------------------------------------


def test_role_max_caps_people_even_when_all_want_it():
    likes = [{"shift": "s1", "weight": 9}]
    p = problem([vol(v, prefers=likes) for v in ("v1", "v2", "v3")],
                [shift("s1", MORNING, need=1, max=2)])
    sol = solved(p)
    assert len(sol.assignments) == 2
    assert sol.components["overfilled"] == 1


def test_one_role_per_shift():
    p = problem([vol("v1", skills={"first_aid": 1})],
                [make_shift("s1", *MORNING, roles=[make_role("medic", 1, skills={"first_aid": 1}),
                                                   make_role("helper", 1)])])
    sol = solved(p)
    assert len(sol.assignments) == 1
    assert sol.components["unfilled"] == 1


def test_supervision_needs_someone_of_the_by_groups():
    students_only = problem([vol("v1", groups=["student"]), vol("v2", groups=["student"])],
                            [shift("s1", MORNING, need=2,
                                   supervision=[{"group": "student", "by": ["social_worker"]}])])
    sol = solved(students_only)
    assert sol.assignments == ()
    assert sol.components["unfilled"] == 2

    with_worker = problem([vol("v1", groups=["student"]), vol("v2", groups=["social_worker"])],
                          [shift("s1", MORNING, need=2,
                                 supervision=[{"group": "student", "by": ["social_worker"]}])])
    assert pairs(solved(with_worker)) == {("v1", "s1"), ("v2", "s1")}


def test_supervisor_must_not_belong_to_the_supervised_group():
    p = problem([vol("v1", groups=["student"]), vol("v2", groups=["student", "social_worker"])],
                [shift("s1", MORNING, need=2,
                       supervision=[{"group": "student", "by": ["social_worker"]}])])
    assert solved(p).assignments == ()


# --- hard rules of one volunteer's timetable ------------------------------------------------


def test_no_overlap_between_a_volunteers_shifts():
    p = problem([vol("v1")], [shift("s1", MORNING), shift("s2", day(0, "10:00", "12:00"))])
    sol = solved(p)
    assert len(sol.assignments) == 1
    assert sol.components["unfilled"] == 1


def test_back_to_back_shifts_do_not_overlap():
    p = problem([vol("v1")], [shift("s1", MORNING), shift("s2", day(0, "11:00", "13:00"))])
    assert pairs(solved(p)) == {("v1", "s1"), ("v1", "s2")}


def test_min_rest_minutes_between_shifts():
    shifts = [shift("s1", MORNING), shift("s2", day(0, "11:30", "13:00"))]
    assert len(solved(problem([vol("v1", limits={"min_rest_minutes": 60})], shifts)).assignments) == 1
    assert len(solved(problem([vol("v1", limits={"min_rest_minutes": 30})], shifts)).assignments) == 2


def test_travel_minutes_between_different_venues_only():
    far = [shift("s1", MORNING, venue="a"), shift("s2", day(0, "11:20", "13:00"), venue="b")]
    near = [shift("s1", MORNING, venue="a"), shift("s2", day(0, "11:20", "13:00"), venue="a")]
    rules = {"travel_minutes": 30}
    assert len(solved(problem([vol("v1")], far, rules=rules)).assignments) == 1
    assert len(solved(problem([vol("v1")], near, rules=rules)).assignments) == 2


def test_travel_minutes_with_same_venue_neighbours_too():
    # Same-venue pairs 10 minutes apart are fine, the cross-venue pair s2 -> s3 is not: the
    # travel time cannot be folded into the interval lengths and is kept per close pair.
    shifts = [shift("s1", MORNING, venue="a"), shift("s2", day(0, "11:10", "12:00"), venue="a"),
              shift("s3", day(0, "12:10", "13:00"), venue="b"), shift("s4", day(0, "13:10", "14:00"), venue="b")]
    sol = solved(problem([vol("v1")], shifts, rules={"travel_minutes": 30}))
    taken = {a.shift for a in sol.assignments}
    assert len(taken) == 3
    assert not {"s2", "s3"} <= taken


def test_max_shifts_per_day():
    p = problem([vol("v1", limits={"max_shifts_per_day": 1})],
                [shift("s1", MORNING), shift("s2", day(0, "14:00", "16:00")),
                 shift("s3", day(1, "09:00", "11:00"))])
    sol = solved(p)
    assert len(sol.assignments) == 2
    assert ("v1", "s3") in pairs(sol)


def test_max_shifts_over_the_horizon():
    p = problem([vol("v1", limits={"max_shifts": 2})],
                [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(3)])
    assert len(solved(p).assignments) == 2


def test_max_shifts_per_activity():
    p = problem([vol("v1", limits={"max_shifts_per_activity": {"patrol": 1}})],
                [shift("s1", MORNING, activity="patrol"), shift("s2", day(1, "09:00", "11:00"), activity="patrol"),
                 shift("s3", day(2, "09:00", "11:00"), activity="duty")])
    sol = solved(p)
    assert len(sol.assignments) == 2
    assert ("v1", "s3") in pairs(sol)


def test_max_minutes():
    p = problem([vol("v1", limits={"max_minutes": 200})],
                [shift("s1", MORNING), shift("s2", day(1, "09:00", "11:00"))])
    assert len(solved(p).assignments) == 1


def test_min_minutes_only_for_a_volunteer_with_a_shift():
    one_short_shift = problem([vol("v1", limits={"min_minutes": 180})], [shift("s1", MORNING)])
    sol = solved(one_short_shift)
    assert sol.assignments == ()  # one 2-hour shift alone would break min_minutes 180
    two_shifts = problem([vol("v1", limits={"min_minutes": 180})],
                         [shift("s1", MORNING), shift("s2", day(1, "09:00", "11:00"))])
    assert len(solved(two_shifts).assignments) == 2


def test_min_minutes_strict_forces_work_against_a_preference():
    p = problem([vol("v1", limits={"min_minutes": 120, "min_minutes_strict": True},
                     prefers=[{"activity": "duty", "weight": -5}]),
                 vol("v2")],
                [shift("s1", MORNING)])
    assert pairs(solved(p)) == {("v1", "s1")}


def test_min_minutes_strict_unreachable_is_infeasible_and_named():
    p = problem([vol("v1", limits={"min_minutes": 600, "min_minutes_strict": True})],
                [shift("s1", MORNING)])
    sol = solved(p, status=INFEASIBLE)
    assert any("v1" in c and "min_minutes 600" in c for c in sol.conflicts), sol.conflicts


def test_max_consecutive_days_caps_every_run_even_at_the_edges():
    p = problem([vol("v1", limits={"max_consecutive_days": 2})],
                [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(3)])
    sol = solved(p)
    assert len(sol.assignments) == 2  # days 0-2 would be a 3-day run touching the first day
    assert sol.components["unfilled"] == 1


def test_max_consecutive_days_with_min_days_off_between_runs():
    # Runs of at most 2 days and inner rests of at least 2: at most 4 of the 7 days.
    p = problem([vol("v1", limits={"max_consecutive_days": 2, "min_consecutive_days_off": 2})],
                [shift(f"s{d}", day(d, "09:00", "11:00")) for d in range(7)])
    sol = solved(p)
    assert len(sol.assignments) == 4
    assert sol.components["unfilled"] == 3


def test_min_consecutive_days_inside_the_horizon():
    lone_day = problem([vol("v1", limits={"min_consecutive_days": 2})],
                       [shift("s3", day(3, "09:00", "11:00"))])
    assert solved(lone_day).assignments == ()
    two_days = problem([vol("v1", limits={"min_consecutive_days": 2})],
                       [shift("s3", day(3, "09:00", "11:00")), shift("s4", day(4, "09:00", "11:00"))])
    assert len(solved(two_days).assignments) == 2


def test_min_consecutive_days_exempts_runs_touching_an_edge():
    p = problem([vol("v1", limits={"min_consecutive_days": 3})],
                [shift("s0", day(0, "09:00", "11:00")), shift("s6", day(6, "09:00", "11:00"))])
    assert len(solved(p).assignments) == 2


def test_min_consecutive_days_off_between_working_runs():
    shifts = [shift("s1", day(1, "09:00", "11:00")), shift("s3", day(3, "09:00", "11:00"))]
    sol = solved(problem([vol("v1", limits={"min_consecutive_days_off": 2})], shifts))
    assert len(sol.assignments) == 1  # working days 1 and 3 would leave one day off between
    # Working only on day 3 leaves off-runs 0-2 and 4-6, both touching an edge: exempt.
    middle = [shift("s3", day(3, "09:00", "11:00"))]
    assert len(solved(problem([vol("v1", limits={"min_consecutive_days_off": 7})], middle)).assignments) == 1


def test_max_weekends():
    doc = make_doc(horizon={"start": "2026-12-07", "end": "2026-12-20"},
                   volunteers=[vol("v1", limits={"max_weekends": 1})],
                   shifts=[shift("sat1", day(5, "09:00", "11:00")), shift("sun2", day(13, "09:00", "11:00")),
                           shift("sun1", day(6, "09:00", "11:00"))])
    sol = solved(parse_problem(doc))
    weekend_of = {"sat1": 1, "sun1": 1, "sun2": 2}
    assert len({weekend_of[a.shift] for a in sol.assignments}) == 1
    assert len(sol.assignments) == 2  # both days of the first weekend


def test_forbidden_successions():
    shifts = [shift("n0", day(0, "20:00", "23:00"), activity="night"),
              shift("e1", day(1, "07:00", "10:00"), activity="early")]
    rules = {"forbidden_successions": [{"from": "night", "to": "early"}]}
    assert len(solved(problem([vol("v1")], shifts, rules=rules)).assignments) == 1
    assert len(solved(problem([vol("v1")], shifts)).assignments) == 2


# --- fixed ----------------------------------------------------------------------------------


def test_fixed_assignment_holds_against_preference():
    p = problem([vol("v1", prefers=[{"shift": "s1", "weight": -9}]), vol("v2", prefers=LIKES_S1)],
                [shift("s1", MORNING)], fixed=[{"volunteer": "v1", "shift": "s1", "role": "helper"}])
    assert pairs(solved(p)) == {("v1", "s1")}


def test_fixed_without_role_takes_any_role_of_the_shift():
    p = problem([vol("v1", skills={"first_aid": 1}), vol("v2", skills={"first_aid": 1})],
                [make_shift("s1", *MORNING, roles=[make_role("medic", 1, skills={"first_aid": 1}),
                                                   make_role("helper", 1)])],
                fixed=[{"volunteer": "v1", "shift": "s1"}])
    sol = solved(p)
    assert ("v1", "s1") in pairs(sol)
    assert sol.components["unfilled"] == 0


def test_fixed_overlap_is_infeasible_and_names_both_shifts():
    p = problem([vol("v1")], [shift("s1", MORNING), shift("s2", day(0, "10:00", "12:00"))],
                fixed=[{"volunteer": "v1", "shift": "s1", "role": "helper"},
                       {"volunteer": "v1", "shift": "s2", "role": "helper"}])
    sol = solved(p, status=INFEASIBLE)
    assert sol.conflicts == ("fixed: v1 in s1/helper and s2/helper overlap",)


# --- objective components -------------------------------------------------------------------


def test_unfilled_costs_its_under_weight():
    p = problem([vol("v1", skills={"baking": 1})],
                [shift("s1", MORNING, need=2, under_weight=300)])
    sol = solved(p)
    assert sol.components["unfilled"] == 1
    assert sol.objective == 300 + 4  # one missing person, plus fairness (2 h)^2 of v1
    assert sol.stats["penalties"] == {"unfilled[s1/helper]": 1}  # named for reports


def test_overfilled_costs_its_over_weight():
    likes = [{"shift": "s1", "weight": 1}]
    cheap = problem([vol("v1", prefers=likes), vol("v2", prefers=likes)],
                    [shift("s1", MORNING, need=1, max=2, over_weight=5)],
                    weights={"fairness": 0})
    sol = solved(cheap)
    assert sol.components["overfilled"] == 1  # -10 for the preference beats +5
    assert sol.objective == 5 - 20
    dear = problem([vol("v1", prefers=likes), vol("v2", prefers=likes)],
                   [shift("s1", MORNING, need=1, max=2, over_weight=50)],
                   weights={"fairness": 0})
    assert solved(dear).components["overfilled"] == 0


def test_preference_picks_the_volunteer_who_wants_it():
    p = problem([vol("v1", prefers=[{"weekday": 0, "weight": -1}]),
                 vol("v2", prefers=[{"venue": "hall", "weight": 2}, {"activity": "duty", "weight": 1}])],
                [shift("s1", MORNING, venue="hall")])
    sol = solved(p)
    assert pairs(sol) == {("v2", "s1")}
    assert sol.components["preference"] == -3


def test_fairness_favours_the_volunteer_with_less_history():
    p = problem([vol("v1", history_minutes=600), vol("v2", history_minutes=37.5)],
                [shift("s1", MORNING)])
    sol = solved(p)
    assert pairs(sol) == {("v2", "s1")}
    assert abs(sol.components["fairness"] - (((120 + 37.5) / 60) ** 2 - (37.5 / 60) ** 2)) < 1e-9


def test_fairness_spreads_the_load():
    p = problem([vol("v1"), vol("v2")],
                [shift("s1", MORNING), shift("s2", day(1, "09:00", "11:00"))])
    sol = solved(p)
    assert {a.volunteer for a in sol.assignments} == {"v1", "v2"}
    assert sol.components["fairness"] == 8


def test_continuity_keeps_one_volunteer_on_a_series():
    shifts = [shift("s1", MORNING, "teacher", activity="baking", continuity=True),
              shift("s2", day(1, "09:00", "11:00"), "teacher", activity="baking", continuity=True)]
    sol = solved(problem([vol("v1"), vol("v2")], shifts))
    assert len({a.volunteer for a in sol.assignments}) == 1  # fairness 16 - 8 < continuity 20
    assert sol.components["continuity"] == 0
    spread = solved(problem([vol("v1"), vol("v2")], shifts, weights={"continuity": 5}))
    assert spread.components["continuity"] == 1


def test_changes_against_previous_keep_the_published_plan():
    previous = [{"volunteer": "v2", "shift": "s1", "role": "helper"}]
    p = problem([vol("v1", prefers=LIKES_S1), vol("v2")], [shift("s1", MORNING)], previous=previous)
    sol = solved(p)
    assert pairs(sol) == {("v2", "s1")}  # a change costs 2 * 50 > 5 * 10
    assert sol.components["changes"] == 0
    withdrawn = problem([vol("v1"), vol("v2")], [shift("s1", MORNING)], previous=previous,
                        forbidden=[{"volunteer": "v2", "shift": "s1"}])
    moved = solved(withdrawn)
    assert pairs(moved) == {("v1", "s1")}
    assert moved.components["changes"] == 2


def test_multi_role_shift_fills_each_role_once():
    p = problem([vol("v1", skills={"baking": 2}), vol("v2", skills={"baking": 1}), vol("v3")],
                [make_shift("s1", *MORNING, roles=[make_role("instructor", 1, skills={"baking": 2}),
                                                   make_role("assistant", 2)])])
    sol = solved(p)
    assert ("v1", "s1", "instructor") in triples(sol)
    assert sol.components["unfilled"] == 0


def test_minutes_are_absolute_across_a_dst_change():
    # In Berlin the night of 2026-03-28 loses an hour: 22:00-06:00 lasts 7 hours, not 8.
    doc = make_doc(timezone="Europe/Berlin", horizon={"start": "2026-03-23", "end": "2026-03-29"},
                   volunteers=[vol("v1", limits={"max_minutes": 420})],
                   shifts=[make_shift("night", "2026-03-28T22:00", "2026-03-29T06:00")])
    sol = solved(parse_problem(doc))
    assert pairs(sol) == {("v1", "night")}
    assert sol.components["fairness"] == 49  # (7 h)^2
