"""The independent checker: one tiny problem per hard rule, then the objective by hand.

Each rule test builds a problem where one assignment breaks exactly that rule: with it the
checker reports one violation naming the rule's subject and limit; without it (or with a
harmless variant) the same problem passes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.checker import blocking_reasons, check
from solver.domain import Assignment as A
from solver.domain import Problem
from solver.parse import parse_problem
from tests.solver.docs import REMOVE, make_doc, make_role, make_shift, make_volunteer


def problem(volunteers: list[dict], shifts: list[dict], **rest: Any) -> Problem:
    """A parsed problem of the default week with these volunteers and shifts."""
    return parse_problem(make_doc(volunteers=volunteers, shifts=shifts, **rest))


def shift(sid: str, start: str, end: str, role: str = "helper", **fields: Any) -> dict:
    """A shift with one role (need 1, max 1 unless `fields` say otherwise)."""
    role_fields = {k: fields.pop(k) for k in ("need", "max", "skills", "groups") if k in fields}
    role_fields.setdefault("need", 1)
    return make_shift(sid, start, end, roles=[make_role(role, **role_fields)], **fields)


def day(d: int, start: str, end: str) -> tuple[str, str]:
    """Start and end on 2026-12-(07 + d)."""
    date = f"2026-12-{7 + d:02d}"
    return f"{date}T{start}", f"{date}T{end}"


def assert_breaks_only(p: Problem, bad: list[A], good: list[A], *fragments: str) -> None:
    """`bad` breaks exactly one rule, with every fragment in its sentence; `good` passes."""
    report = check(p, bad)
    assert len(report.violations) == 1, report.violations
    for fragment in fragments:
        assert fragment in report.violations[0], report.violations[0]
    good_report = check(p, good)
    assert good_report.ok, good_report.violations


WANG = make_volunteer("v1", name="Wang Xiuying")


# --- references ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry, fragment", [
    (A("v9", "s1", "helper"), "unknown volunteer v9"),
    (A("v1", "s9", "helper"), "unknown shift s9"),
    (A("v1", "s1", "cook"), "shift s1 has no role cook"),
    (A("v1", "s1", None), "no role given"),
])
def test_unknown_ids_and_roles(entry: A, fragment: str) -> None:
    p = problem([WANG], [shift("s1", *day(0, "09:00", "11:00"))])
    assert_breaks_only(p, [entry], [A("v1", "s1", "helper")], "assignments[0]", fragment)


# --- shift rules -----------------------------------------------------------------------------


def test_one_role_per_shift_two_roles() -> None:
    s1 = make_shift("s1", *day(0, "09:00", "11:00"), roles=[make_role("a"), make_role("b")])
    p = problem([WANG], [s1])
    assert_breaks_only(p, [A("v1", "s1", "a"), A("v1", "s1", "b")], [A("v1", "s1", "a")],
                       "v1 (Wang Xiuying)", "2 roles of s1 (a, b)")


def test_one_role_per_shift_listed_twice() -> None:
    p = problem([WANG], [shift("s1", *day(0, "09:00", "11:00"), max=2)])
    assert_breaks_only(p, [A("v1", "s1", "helper")] * 2, [A("v1", "s1", "helper")],
                       "listed 2 times in s1/helper")


def test_role_max() -> None:
    vols = [make_volunteer(f"v{i}") for i in (1, 2, 3)]
    p = problem(vols, [shift("s1", *day(0, "09:00", "11:00"), need=1, max=2)])
    bad = [A(f"v{i}", "s1", "helper") for i in (1, 2, 3)]
    assert_breaks_only(p, bad, bad[:2], "s1/helper: 3 people > max 2")


def test_supervision() -> None:
    vols = [make_volunteer("v1", groups=["student"]), make_volunteer("v2", groups=["social_worker"]),
            make_volunteer("v3", groups=["student", "social_worker"])]
    s1 = make_shift("s1", *day(0, "09:00", "11:00"), roles=[make_role("helper", 1, max=3)],
                    supervision=[{"group": "student", "by": ["social_worker", "retired_cadre"]}])
    p = problem(vols, [s1])
    # v3 is a student too, so v3 cannot supervise v1.
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v3", "s1", "helper")],
                       [A("v1", "s1", "helper"), A("v2", "s1", "helper")],
                       "s1: student v1, v3 without a supervisor from retired_cadre or social_worker")
    assert check(p, [A("v2", "s1", "helper")]).ok  # no student: nothing to supervise


# --- assignment rules ------------------------------------------------------------------------


def test_skills_level() -> None:
    vols = [make_volunteer("v1", name="Wang", skills={"baking": 1}), make_volunteer("v2", skills={"baking": 2})]
    p = problem(vols, [shift("s1", *day(0, "09:00", "11:00"), role="instructor", skills={"baking": 2})])
    assert_breaks_only(p, [A("v1", "s1", "instructor")], [A("v2", "s1", "instructor")],
                       "v1 (Wang): lacks baking >= 2 for s1/instructor (has baking 1)")


def test_skills_missing_entirely() -> None:
    vols = [make_volunteer("v1"), make_volunteer("v2", skills=["first_aid"])]
    p = problem(vols, [shift("s1", *day(0, "09:00", "11:00"), skills={"first_aid": 1})])
    assert_breaks_only(p, [A("v1", "s1", "helper")], [A("v2", "s1", "helper")],
                       "lacks first_aid >= 1", "(has none)")


def test_role_groups() -> None:
    vols = [make_volunteer("v1", groups=["party_member"]), make_volunteer("v2", groups=["student"])]
    p = problem(vols, [shift("s1", *day(0, "09:00", "11:00"), groups=["student", "social_worker"])])
    assert_breaks_only(p, [A("v1", "s1", "helper")], [A("v2", "s1", "helper")],
                       "not in group social_worker or student required by s1/helper")


def test_areas() -> None:
    vols = [make_volunteer("v1", areas=["hillside"]), make_volunteer("v2", areas=["riverside"]),
            make_volunteer("v3")]
    shifts = [shift("s1", *day(0, "09:00", "11:00"), area="riverside", max=2),
              shift("s2", *day(1, "09:00", "11:00"))]  # no area: open to everyone
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper")],
                       [A("v2", "s1", "helper"), A("v3", "s1", "helper"), A("v1", "s2", "helper")],
                       "v1: serves hillside, not area riverside of s1")


def test_availability_union_of_touching_intervals() -> None:
    windows = [["2026-12-07T08:00", "2026-12-07T10:00"], ["2026-12-07T10:00", "2026-12-07T12:00"]]
    vols = [make_volunteer("v1", available=windows)]
    shifts = [shift("s1", *day(0, "09:00", "11:00")),  # spans the joint: inside the union
              shift("s2", *day(0, "11:30", "12:30"))]  # runs past the window
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")], [A("v1", "s1", "helper")],
                       "v1: not available for s2 (2026-12-07 11:30-12:30)")


def test_unavailable_overlap_by_positive_length() -> None:
    vols = [make_volunteer("v1", unavailable=[["2026-12-07T10:30", "2026-12-07T11:30"]])]
    shifts = [shift("s1", *day(0, "09:00", "10:31")), shift("s2", *day(0, "09:00", "10:30"))]
    p = problem(vols, shifts)  # s2 only touches the busy interval
    assert_breaks_only(p, [A("v1", "s1", "helper")], [A("v1", "s2", "helper")],
                       "v1: unavailable 2026-12-07 10:30-11:30, during s1")


def test_days_off_by_start_date() -> None:
    vols = [make_volunteer("v1", days_off=["2026-12-08"])]
    shifts = [shift("s1", *day(1, "09:00", "11:00")),
              shift("s2", "2026-12-07T22:00", "2026-12-08T02:00")]  # ends on the day off: allowed
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper")], [A("v1", "s2", "helper")],
                       "v1: day off 2026-12-08 but assigned to s1")


def test_forbidden_pair_absent() -> None:
    p = problem([WANG, make_volunteer("v2")], [shift("s1", *day(0, "09:00", "11:00"))],
                forbidden=[{"volunteer": "v1", "shift": "s1"}])
    assert_breaks_only(p, [A("v1", "s1", "helper")], [A("v2", "s1", "helper")],
                       "v1 (Wang Xiuying): assigned to s1, which is forbidden")


# --- volunteer rules -------------------------------------------------------------------------


def test_overlapping_shifts() -> None:
    shifts = [shift("s1", *day(0, "09:00", "11:00")), shift("s2", *day(0, "10:59", "12:00")),
              shift("s3", *day(0, "11:00", "12:00"))]  # touches s1: no overlap
    p = problem([WANG], shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "v1 (Wang Xiuying): shifts s1 and s2 overlap")


def test_travel_minutes_between_venues() -> None:
    shifts = [shift("s1", *day(0, "09:00", "10:00"), venue="hall"),
              shift("s2", *day(0, "10:20", "11:00"), venue="station"),
              shift("s3", *day(0, "10:20", "11:00"), venue="hall"),     # same venue
              shift("s4", *day(0, "10:30", "11:00"), venue="station"),  # gap == travel
              shift("s5", *day(0, "10:00", "11:00"))]                   # no venue
    p = problem([WANG], shifts, rules={"travel_minutes": 30})
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "only 20 minutes between s1 at hall and s2 at station < travel_minutes 30")
    assert check(p, [A("v1", "s1", "helper"), A("v1", "s4", "helper")]).ok
    assert check(p, [A("v1", "s1", "helper"), A("v1", "s5", "helper")]).ok


def test_min_rest_minutes() -> None:
    vols = [make_volunteer("v1", limits={"min_rest_minutes": 60})]
    shifts = [shift("s1", *day(0, "09:00", "10:00")), shift("s2", *day(0, "10:30", "11:00")),
              shift("s3", *day(0, "11:00", "12:00"))]
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "only 30 minutes of rest between s1 and s2 < min_rest_minutes 60")


def test_min_rest_counts_only_the_next_shift() -> None:
    vols = [make_volunteer("v1", limits={"min_rest_minutes": 60})]
    shifts = [shift("s1", *day(0, "09:00", "10:00")), shift("s2", *day(0, "10:10", "10:20")),
              shift("s3", *day(0, "11:20", "12:00"))]
    p = problem(vols, shifts)
    report = check(p, [A("v1", s, "helper") for s in ("s1", "s2", "s3")])
    assert report.violations == ["v1: only 10 minutes of rest between s1 and s2 < min_rest_minutes 60"]


def test_max_shifts_per_day() -> None:
    vols = [make_volunteer("v1", limits={"max_shifts_per_day": 1})]
    shifts = [shift("s1", *day(0, "09:00", "10:00")), shift("s2", *day(0, "14:00", "15:00")),
              shift("s3", *day(1, "09:00", "10:00"))]
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "2 shifts on 2026-12-07 (s1, s2) > max_shifts_per_day 1")


def test_max_shifts() -> None:
    vols = [make_volunteer("v1", limits={"max_shifts": 2})]
    shifts = [shift(f"s{d}", *day(d, "09:00", "10:00")) for d in (1, 2, 3)]
    p = problem(vols, shifts)
    bad = [A("v1", f"s{d}", "helper") for d in (1, 2, 3)]
    assert_breaks_only(p, bad, bad[:2], "v1: 3 shifts > max_shifts 2")


def test_max_shifts_per_activity() -> None:
    vols = [make_volunteer("v1", limits={"max_shifts_per_activity": {"baking-class": 1}})]
    shifts = [shift("s1", *day(0, "09:00", "10:00"), activity="baking-class"),
              shift("s2", *day(1, "09:00", "10:00"), activity="baking-class"),
              shift("s3", *day(2, "09:00", "10:00"), activity="duty")]
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "2 shifts of baking-class > max_shifts_per_activity 1")


def test_max_minutes() -> None:
    vols = [make_volunteer("v1", name="Wang Xiuying", limits={"max_minutes": 480})]
    shifts = [shift("s1", *day(0, "08:00", "14:00")), shift("s2", *day(1, "08:00", "11:00")),
              shift("s3", *day(2, "08:00", "10:00"))]
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "v1 (Wang Xiuying): 540 minutes > max_minutes 480")


def test_max_minutes_counts_absolute_minutes_across_dst() -> None:
    # Europe/Berlin falls back on 2026-10-25: 01:00-04:00 wall clock is four hours.
    doc = make_doc(timezone="Europe/Berlin", horizon={"start": "2026-10-19", "end": "2026-10-25"},
                   volunteers=[make_volunteer("v1", limits={"max_minutes": 200})],
                   shifts=[shift("s1", "2026-10-25T01:00", "2026-10-25T04:00"),
                           shift("s2", "2026-10-24T01:00", "2026-10-24T04:00")])
    p = parse_problem(doc)
    assert_breaks_only(p, [A("v1", "s1", "helper")], [A("v1", "s2", "helper")],
                       "240 minutes > max_minutes 200")


def test_min_minutes_only_for_volunteers_with_a_shift() -> None:
    vols = [make_volunteer("v1", limits={"min_minutes": 180})]
    shifts = [shift("s1", *day(0, "09:00", "11:00")), shift("s2", *day(1, "09:00", "10:00"))]
    p = problem(vols, shifts)
    assert_breaks_only(p, [A("v1", "s1", "helper")], [], "v1: 120 minutes < min_minutes 180")
    assert check(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")]).ok


def test_min_minutes_strict_applies_without_shifts() -> None:
    vols = [make_volunteer("v1", limits={"min_minutes": 120, "min_minutes_strict": True})]
    p = problem(vols, [shift("s1", *day(0, "09:00", "11:00"))])
    assert_breaks_only(p, [], [A("v1", "s1", "helper")], "v1: 0 minutes < min_minutes 120 (min_minutes_strict)")


def _daily(days: range | tuple[int, ...]) -> list[dict]:
    return [shift(f"s{d}", *day(d, "09:00", "10:00")) for d in days]


def _on(days: tuple[int, ...]) -> list[A]:
    return [A("v1", f"s{d}", "helper") for d in days]


def test_max_consecutive_days_applies_to_edge_runs() -> None:
    p = problem([make_volunteer("v1", limits={"max_consecutive_days": 2})], _daily(range(7)))
    # Days 0-2 touch the horizon's first day and are still limited.
    assert_breaks_only(p, _on((0, 1, 2)), _on((0, 1, 3, 4, 6)),
                       "works 3 days in a row (2026-12-07 to 2026-12-09) > max_consecutive_days 2")


def test_min_consecutive_days_exempts_edge_runs() -> None:
    p = problem([make_volunteer("v1", limits={"min_consecutive_days": 2})], _daily(range(7)))
    # Day 3 alone is an inner run; days 0 and 6 alone touch the edges and are exempt.
    assert_breaks_only(p, _on((0, 3, 6)), _on((0, 3, 4, 6)),
                       "works only 1 day(s) in a row (2026-12-10) < min_consecutive_days 2")


def test_min_consecutive_days_off_exempts_edge_runs() -> None:
    p = problem([make_volunteer("v1", limits={"min_consecutive_days_off": 2})], _daily(range(7)))
    # Off on day 2 only (inner) breaks it; off on day 0 only (edge) does not.
    assert_breaks_only(p, _on((1, 3, 4, 5, 6)), _on((1, 4, 5, 6)),
                       "only 1 day(s) off in a row (2026-12-09) < min_consecutive_days_off 2")
    assert check(p, []).ok  # a whole week off touches both edges


def test_max_weekends() -> None:
    # 2026-12-05 is a Saturday: the horizon holds the weekends 5-6 and 12-13 December.
    doc = make_doc(horizon={"start": "2026-12-05", "end": "2026-12-13"},
                   volunteers=[make_volunteer("v1", limits={"max_weekends": 1})],
                   shifts=[shift("s1", "2026-12-05T09:00", "2026-12-05T10:00"),
                           shift("s2", "2026-12-06T09:00", "2026-12-06T10:00"),
                           shift("s3", "2026-12-13T09:00", "2026-12-13T10:00")])
    p = parse_problem(doc)
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       "works 2 weekends (2026-12-05, 2026-12-12) > max_weekends 1")


def test_forbidden_successions() -> None:
    shifts = [shift("s1", *day(0, "22:00", "23:00"), activity="night-duty"),
              shift("s2", *day(1, "07:00", "08:00"), activity="morning-duty"),
              shift("s3", *day(2, "07:00", "08:00"), activity="morning-duty")]
    p = problem([WANG], shifts, rules={"forbidden_successions": [{"from": "night-duty", "to": "morning-duty"}]})
    assert_breaks_only(p, [A("v1", "s1", "helper"), A("v1", "s2", "helper")],
                       [A("v1", "s1", "helper"), A("v1", "s3", "helper")],
                       "s1 (night-duty) on 2026-12-07 is followed by s2 (morning-duty)",
                       "forbidden succession night-duty -> morning-duty")


# --- fixed -----------------------------------------------------------------------------------


def test_fixed_assignment_present() -> None:
    s1 = make_shift("s1", *day(0, "09:00", "11:00"), roles=[make_role("a"), make_role("b")])
    p = problem([WANG], [s1], fixed=[{"volunteer": "v1", "shift": "s1", "role": "a"}])
    assert_breaks_only(p, [A("v1", "s1", "b")], [A("v1", "s1", "a")],
                       "v1 (Wang Xiuying): fixed assignment to s1 as a is missing")


def test_fixed_without_role_is_met_by_any_role() -> None:
    s1 = make_shift("s1", *day(0, "09:00", "11:00"), roles=[make_role("a"), make_role("b")])
    p = problem([WANG], [s1], fixed=[{"volunteer": "v1", "shift": "s1"}])
    assert_breaks_only(p, [], [A("v1", "s1", "b")], "fixed assignment to s1 is missing")


# --- objective ---------------------------------------------------------------------------------


def test_unfilled_and_overfilled_use_role_weights() -> None:
    vols = [make_volunteer(f"v{i}") for i in (1, 2, 3)]
    shifts = [make_shift("s1", *day(0, "09:00", "10:00"), roles=[make_role("a", 2, under_weight=7)]),
              make_shift("s2", *day(1, "09:00", "10:00"), roles=[make_role("b", 1, max=3, over_weight=3)])]
    p = problem(vols, shifts, weights={"fairness": 0})
    report = check(p, [A(f"v{i}", "s2", "b") for i in (1, 2, 3)])
    assert report.ok
    assert report.components["unfilled"] == 2 and report.components["overfilled"] == 2
    assert report.objective == pytest.approx(2 * 7 + 2 * 3)


def test_fairness_with_history_is_exact() -> None:
    vols = [make_volunteer("v1", history_minutes=45), make_volunteer("v2", history_minutes=600)]
    p = problem(vols, [shift("s1", *day(0, "09:00", "10:30"))])
    report = check(p, [A("v1", "s1", "helper")])
    # v1: (135/60)^2 - (45/60)^2 = 5.0625 - 0.5625; v2 works nothing: 0.
    assert report.components["fairness"] == 4.5
    assert report.objective == 4.5


def test_preference_sums_every_matching_selector() -> None:
    prefers = [{"activity": "baking-class", "weight": 3}, {"weekday": 0, "weight": 2},
               {"venue": "hall", "weight": -1}, {"shift": "s1", "weight": 4},
               {"date": "2026-12-07", "weight": 5}, {"venue": "station", "weight": 100},
               {"weekday": 1, "weight": 100}]
    p = problem([make_volunteer("v1", prefers=prefers)],
                [shift("s1", *day(0, "09:00", "10:00"), activity="baking-class", venue="hall")],
                weights={"fairness": 0})
    report = check(p, [A("v1", "s1", "helper")])
    assert report.components["preference"] == -(3 + 2 - 1 + 4 + 5)
    assert report.objective == 10 * -13


def test_continuity_counts_distinct_volunteers_per_activity_and_role() -> None:
    vols = [make_volunteer(f"v{i}") for i in (1, 2, 3)]
    roles = [make_role("teacher", 1, continuity=True), make_role("helper", 1)]
    shifts = [make_shift(f"s{d}", *day(d, "09:00", "10:00"), activity="class", roles=roles) for d in (0, 1, 2)]
    shifts.append(make_shift("s9", *day(3, "09:00", "10:00"), activity="other",
                             roles=[make_role("teacher", 0, max=1, continuity=True)]))
    p = problem(vols, shifts, weights={"fairness": 0})
    assignments = [A("v1", "s0", "teacher"), A("v1", "s1", "teacher"), A("v2", "s2", "teacher"),
                   A("v1", "s0", "helper"), A("v2", "s1", "helper"), A("v3", "s2", "helper")]
    report = check(p, assignments)
    assert not any("overlap" in v for v in report.violations)
    assert report.components["continuity"] == 1  # class/teacher: {v1, v2}; helper has none; s9 nobody
    assert report.objective == 20 * 1


def test_changes_are_pairs_in_either_plan_but_not_both() -> None:
    vols = [make_volunteer(f"v{i}") for i in (1, 2, 3)]
    s1 = make_shift("s1", *day(0, "09:00", "10:00"), roles=[make_role("a"), make_role("b")])
    previous = [{"volunteer": "v1", "shift": "s1", "role": "a"}, {"volunteer": "v2", "shift": "s1"}]
    p = problem(vols, [s1], previous=previous, weights={"fairness": 0})
    # v1 moved from a to b: the pair (v1, s1) is unchanged. v2 left, v3 came: two changes.
    report = check(p, [A("v1", "s1", "b"), A("v3", "s1", "a")])
    assert report.components["changes"] == 2
    assert report.objective == 50 * 2


def test_objective_formula_with_custom_weights() -> None:
    vols = [make_volunteer("v1", history_minutes=60, prefers=[{"activity": "duty", "weight": 2}])]
    shifts = [shift("s1", *day(0, "09:00", "11:00"), activity="duty"),
              make_shift("s2", *day(1, "09:00", "10:00"), roles=[make_role("t", 1, continuity=True)])]
    weights = {"unfilled": 100, "preference": 3, "fairness": 0.5, "continuity": 7, "change": 11}
    p = problem(vols, shifts, weights=weights, previous=[{"volunteer": "v1", "shift": "s2"}])
    report = check(p, [A("v1", "s1", "helper")])
    fairness = (180 / 60) ** 2 - (60 / 60) ** 2
    assert report.components == {"unfilled": 1, "overfilled": 0, "preference": -2,
                                 "fairness": fairness, "continuity": 0, "changes": 2}
    assert report.objective == pytest.approx(100 * 1 + 3 * -2 + 0.5 * fairness + 7 * 0 + 11 * 2)


def test_invalid_assignments_are_left_out_of_the_objective() -> None:
    p = problem([WANG], [shift("s1", *day(0, "09:00", "10:00"))], weights={"fairness": 0})
    report = check(p, [A("v1", "s1", "nope")])
    assert not report.ok
    assert report.components["unfilled"] == 1


# --- blocking_reasons ------------------------------------------------------------------------


def test_blocking_reasons_lists_only_new_violations() -> None:
    vols = [make_volunteer("v1", limits={"max_minutes": 100, "max_shifts": 1})]
    shifts = [shift("s1", *day(0, "09:00", "11:00")), shift("s2", *day(0, "10:00", "11:00")),
              shift("s3", *day(1, "09:00", "10:00"))]
    p = problem(vols, shifts)
    # Already over max_minutes with s1 alone (120 > 100): only what s2 adds is reported.
    reasons = blocking_reasons(p, [A("v1", "s1", "helper")], "v1", "s2", "helper")
    assert reasons == ["v1: shifts s1 and s2 overlap", "v1: 2 shifts > max_shifts 1",
                       "v1: 180 minutes > max_minutes 100"]


def test_blocking_reasons_empty_when_the_assignment_fits() -> None:
    p = problem([WANG], [shift("s1", *day(0, "09:00", "10:00")), shift("s2", *day(1, "09:00", "10:00"))])
    assert blocking_reasons(p, [A("v1", "s1", "helper")], "v1", "s2", "helper") == []


def test_blocking_reasons_names_shift_rules_and_unknown_roles() -> None:
    vols = [make_volunteer("v1", groups=["student"]), make_volunteer("v2")]
    s1 = make_shift("s1", *day(0, "09:00", "10:00"), roles=[make_role("a", 1, max=2), make_role("b")],
                    supervision=[{"group": "student", "by": ["social_worker"]}])
    p = problem(vols, [s1])
    assert blocking_reasons(p, [A("v2", "s1", "a")], "v2", "s1", "b") == ["v2: in 2 roles of s1 (a, b)"]
    assert blocking_reasons(p, [], "v1", "s1", "a") == ["s1: student v1 without a supervisor from social_worker"]
    assert blocking_reasons(p, [], "v1", "s1", "cook") == [
        "candidate (v1 in s1 as cook): shift s1 has no role cook (roles: a, b)"]


# --- blocking_reasons agrees with check --------------------------------------------------------

_DAYS = ("2026-12-07", "2026-12-08", "2026-12-09")


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    """Random small valid problems that exercise every hard rule (never min_minutes_strict
    or fixed, so that an empty plan is valid)."""
    limit_keys = st.fixed_dictionaries({}, optional={
        "max_shifts_per_day": st.integers(1, 2), "max_shifts": st.integers(1, 3),
        "max_shifts_per_activity": st.just({"duty": 1}), "max_minutes": st.integers(240, 400),
        "min_minutes": st.integers(60, 240), "min_rest_minutes": st.integers(0, 120),
        "max_consecutive_days": st.integers(2, 3), "min_consecutive_days": st.integers(1, 2),
        "min_consecutive_days_off": st.integers(1, 2), "max_weekends": st.just(0)})
    volunteers = [
        make_volunteer(f"v{i}", groups=draw(st.lists(st.sampled_from(["student", "social_worker"]), unique=True)),
                       skills={"baking": draw(st.integers(1, 2))}, limits=draw(limit_keys),
                       days_off=draw(st.lists(st.sampled_from(_DAYS), max_size=1)),
                       unavailable=[[f"{_DAYS[0]}T12:00", f"{_DAYS[0]}T13:00"]] if draw(st.booleans()) else [],
                       available=draw(st.sampled_from([REMOVE, [[f"{d}T08:00", f"{d}T12:00"] for d in _DAYS]])),
                       areas=draw(st.sampled_from([REMOVE, ["north"]])))
        for i in range(draw(st.integers(1, 4)))]
    shifts = []
    for i in range(draw(st.integers(1, 6))):
        date = draw(st.sampled_from(_DAYS + ("2026-12-12",)))
        start = draw(st.integers(8, 12))
        roles = [make_role("helper", draw(st.integers(0, 2)), max=2),
                 make_role("cook", 1, skills={"baking": 2}, groups=["student"])]
        supervision = [{"group": "student", "by": ["social_worker"]}] if draw(st.booleans()) else []
        end = f"{start + draw(st.integers(1, 3)):02d}:{draw(st.sampled_from(['00', '30']))}"
        shifts.append(make_shift(f"s{i}", f"{date}T{start:02d}:00", f"{date}T{end}",
                                 activity=draw(st.sampled_from(["duty", "class"])), roles=roles,
                                 venue=draw(st.sampled_from(["hall", "station", REMOVE])),
                                 area=draw(st.sampled_from(["north", "south", REMOVE])), supervision=supervision))
    forbidden = [{"volunteer": "v0", "shift": "s0"}] if draw(st.booleans()) else []
    return parse_problem(make_doc(volunteers=volunteers, shifts=shifts, forbidden=forbidden,
                                  rules={"travel_minutes": 30,
                                         "forbidden_successions": [{"from": "class", "to": "duty"}]}))


@settings(max_examples=60, deadline=None)
@given(p=small_problems(), data=st.data())
def test_blocking_reasons_empty_exactly_when_the_addition_passes_check(p: Problem, data: st.DataObject) -> None:
    triples = [(v.id, s.id, r.name) for v in p.volunteers for s in p.shifts for r in s.roles]
    plan: list[A] = []
    for vid, sid, role in data.draw(st.permutations(triples)):
        candidate = A(vid, sid, role)
        reasons = blocking_reasons(p, plan, vid, sid, role)
        after = check(p, plan + [candidate])
        assert (not reasons) == after.ok, (reasons, after.violations)
        assert set(reasons) <= set(after.violations)
        if not reasons:
            plan.append(candidate)
    assert check(p, plan).ok
