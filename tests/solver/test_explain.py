"""Explanations of unfilled roles: one test per kind of reason, then ranking and counts."""

from __future__ import annotations

import time
from typing import Any

from solver.domain import Assignment as A
from solver.domain import Problem, UnfilledRole
from solver.explain import explain_unfilled
from solver.parse import parse_problem
from tests.solver.docs import make_doc, make_role, make_shift, make_volunteer

BAKING = {"baking": 2}


def problem(volunteers: list[dict], shifts: list[dict], **rest: Any) -> Problem:
    """A parsed problem of the default week (Monday 2026-12-07 to Sunday 2026-12-13)."""
    return parse_problem(make_doc(volunteers=volunteers, shifts=shifts, **rest))


def class_shift(sid: str = "s1", start: str = "2026-12-07T14:00", end: str = "2026-12-07T16:00",
                **fields: Any) -> dict:
    """A baking class with one instructor role (baking >= 2, need 1)."""
    roles = fields.pop("roles", [make_role("instructor", 1, skills=BAKING)])
    return make_shift(sid, start, end, activity="baking-class", roles=roles, **fields)


def duty(sid: str, start: str, end: str, **fields: Any) -> dict:
    """A duty shift with one helper role (need 0, max 1) that anyone may take."""
    return make_shift(sid, start, end, activity="duty", roles=[make_role("helper", 0, max=1)], **fields)


def only(explained: tuple[UnfilledRole, ...]) -> UnfilledRole:
    assert len(explained) == 1, explained
    return explained[0]


def candidate_line(unfilled: UnfilledRole, volunteer_label: str) -> str:
    """The one reason that starts with the candidate's label."""
    lines = [r for r in unfilled.reasons if r.startswith(volunteer_label + " ") or r.startswith(volunteer_label + ":")]
    assert len(lines) == 1, unfilled.reasons
    return lines[0]


def baker(vid: str = "v1", **fields: Any) -> dict:
    """A volunteer with baking 2 (qualified for the class)."""
    return make_volunteer(vid, skills=BAKING, **fields)


# --- who qualifies at all --------------------------------------------------------------------


def test_counts_the_qualified_volunteers() -> None:
    vols = [baker("v1"), baker("v2"), baker("v3"), make_volunteer("v4", skills={"baking": 1})]
    # Everyone but v1 has the day off, so the role (need 2) stays short.
    vols = [dict(v, days_off=["2026-12-07"]) if v["id"] != "v1" else v for v in vols]
    roles = [make_role("instructor", 2, skills=BAKING)]
    u = only(explain_unfilled(problem(vols, [class_shift(roles=roles)]), [A("v1", "s1", "instructor")]))
    assert (u.shift, u.role, u.missing) == ("s1", "instructor", 1)
    assert u.reasons[0] == "3 volunteers have baking >= 2 for s1/instructor (1 already in it)"


def test_nobody_has_the_level_names_the_best() -> None:
    vols = [make_volunteer("v1", skills={"sewing": 3}), make_volunteer("v2", name="王秀英", skills={"baking": 1}),
            make_volunteer("v3", skills={"baking": 1})]
    u = only(explain_unfilled(problem(vols, [class_shift()]), []))
    # v2 and v3 both have baking 1: the first in document order is named.
    assert u.reasons[0] == "nobody has baking >= 2 for s1/instructor (best: v2 王秀英 has baking 1)"


def test_nobody_has_the_skill_at_all() -> None:
    u = only(explain_unfilled(problem([make_volunteer("v1")], [class_shift()]), []))
    assert u.reasons[0] == "nobody has baking >= 2 for s1/instructor (nobody has baking at all)"


def test_nobody_meets_all_requirements_together() -> None:
    vols = [baker("v1", groups=["retired_cadre"]), make_volunteer("v2", groups=["student"]),
            make_volunteer("v3", groups=["student"])]
    role = make_role("instructor", 1, skills=BAKING, groups=["student"])
    u = only(explain_unfilled(problem(vols, [class_shift(roles=[role])]), []))
    assert u.reasons[0] == ("nobody has baking >= 2 and is in group student for s1/instructor"
                            " (1 has baking >= 2; 2 are in group student)")


def test_area_is_a_requirement_when_someone_does_not_serve_it() -> None:
    vols = [baker("v1", areas=["hillside"]), baker("v2", areas=["riverside"], days_off=["2026-12-07"])]
    u = only(explain_unfilled(problem(vols, [class_shift(area="riverside")]), []))
    assert u.reasons[0] == "1 volunteer has baking >= 2 and serves riverside for s1/instructor"
    assert candidate_line(u, "v1") == "v1: serves hillside, not riverside"


def test_role_without_requirements() -> None:
    vols = [make_volunteer("v1", days_off=["2026-12-07"])]
    shift = make_shift("s1", "2026-12-07T09:00", "2026-12-07T10:00", roles=[make_role("helper", 1)])
    u = only(explain_unfilled(problem(vols, [shift]), []))
    assert u.reasons[0] == "1 volunteer may take s1/helper (no skill, group or area needed)"


# --- why each candidate could not take it ----------------------------------------------------


def test_not_available_then() -> None:
    vols = [baker("v1", name="王秀英", available=[["2026-12-07T08:00", "2026-12-07T12:00"]])]
    u = only(explain_unfilled(problem(vols, [class_shift()]), []))
    assert candidate_line(u, "v1") == "v1 王秀英: not available then"


def test_unavailable_busy() -> None:
    vols = [baker("v1", unavailable=[["2026-12-07T15:00", "2026-12-07T17:00"]])]
    u = only(explain_unfilled(problem(vols, [class_shift()]), []))
    assert candidate_line(u, "v1") == "v1: busy 2026-12-07 15:00-17:00"


def test_day_off() -> None:
    u = only(explain_unfilled(problem([baker("v1", days_off=["2026-12-07"])], [class_shift()]), []))
    assert candidate_line(u, "v1") == "v1: day off on 2026-12-07"


def test_lacks_skill_level() -> None:
    vols = [make_volunteer("v1", name="Li", skills={"baking": 1})]
    u = only(explain_unfilled(problem(vols, [class_shift()]), []))
    assert candidate_line(u, "v1") == "v1 Li: lacks baking >= 2 (has baking 1)"


def test_not_in_group() -> None:
    vols = [make_volunteer("v1", groups=["party_member"])]
    shift = make_shift("s1", "2026-12-07T09:00", "2026-12-07T10:00",
                       roles=[make_role("assistant", 1, groups=["student", "social_worker"])])
    u = only(explain_unfilled(problem(vols, [shift]), []))
    assert candidate_line(u, "v1") == "v1: not in group social_worker or student"


def test_at_max_minutes() -> None:
    vols = [baker("v1", limits={"max_minutes": 180})]
    shifts = [class_shift(), duty("s2", "2026-12-08T09:00", "2026-12-08T11:00")]
    u = only(explain_unfilled(problem(vols, shifts), [A("v1", "s2", "helper")]))
    assert candidate_line(u, "v1") == "v1: at max_minutes 180 (would have 240)"


def test_at_max_shifts_per_day() -> None:
    vols = [baker("v1", limits={"max_shifts_per_day": 1})]
    shifts = [class_shift(), duty("s2", "2026-12-07T09:00", "2026-12-07T10:00")]
    u = only(explain_unfilled(problem(vols, shifts), [A("v1", "s2", "helper")]))
    assert candidate_line(u, "v1") == "v1: at max_shifts_per_day 1 on 2026-12-07"


def test_taken_by_overlapping_shift() -> None:
    shifts = [class_shift(), duty("s2", "2026-12-07T15:00", "2026-12-07T17:00", title="Gate duty")]
    u = only(explain_unfilled(problem([baker("v1")], shifts), [A("v1", "s2", "helper")]))
    assert candidate_line(u, "v1") == "v1: taken by overlapping shift s2 (Gate duty, 2026-12-07 15:00-17:00)"


def test_travel_gap_to_another_shift() -> None:
    shifts = [class_shift(venue="riverside-station"),
              duty("s2", "2026-12-07T12:00", "2026-12-07T13:45", venue="hall")]
    p = problem([baker("v1")], shifts, rules={"travel_minutes": 30})
    u = only(explain_unfilled(p, [A("v1", "s2", "helper")]))
    assert candidate_line(u, "v1") == ("v1: only 15 minutes between s2 at hall and s1 at riverside-station"
                                       " < travel_minutes 30")


def test_rest_gap_to_another_shift() -> None:
    vols = [baker("v1", limits={"min_rest_minutes": 60})]
    shifts = [class_shift(), duty("s2", "2026-12-07T16:30", "2026-12-07T18:00")]
    u = only(explain_unfilled(problem(vols, shifts), [A("v1", "s2", "helper")]))
    assert candidate_line(u, "v1") == "v1: only 30 minutes of rest between s1 and s2 < min_rest_minutes 60"


def test_forbidden_succession_names_the_other_shift() -> None:
    shifts = [class_shift(), duty("s2", "2026-12-08T07:00", "2026-12-08T08:00")]
    p = problem([baker("v1")], shifts, rules={"forbidden_successions": [{"from": "baking-class", "to": "duty"}]})
    u = only(explain_unfilled(p, [A("v1", "s2", "helper")]))
    assert candidate_line(u, "v1") == "v1: forbidden succession baking-class -> duty with s2 on 2026-12-08"


def test_forbidden_withdrew() -> None:
    p = problem([baker("v1")], [class_shift()], forbidden=[{"volunteer": "v1", "shift": "s1"}])
    u = only(explain_unfilled(p, []))
    assert candidate_line(u, "v1") == "v1: withdrew from s1 (forbidden)"


def test_supervision() -> None:
    shift = class_shift(supervision=[{"group": "student", "by": ["social_worker"]}])
    u = only(explain_unfilled(problem([baker("v1", groups=["student"])], [shift]), []))
    assert candidate_line(u, "v1") == "v1: student needs a supervisor from social_worker in s1"


def test_already_in_another_role_of_the_shift() -> None:
    roles = [make_role("instructor", 1, skills=BAKING), make_role("assistant", 1)]
    u = explain_unfilled(problem([baker("v1")], [class_shift(roles=roles)]), [A("v1", "s1", "assistant")])
    assert candidate_line(only(u), "v1") == "v1: already in s1 as assistant"


def test_several_reasons_in_one_line() -> None:
    vols = [make_volunteer("v1", skills={"baking": 1}, days_off=["2026-12-07"])]
    u = only(explain_unfilled(problem(vols, [class_shift()]), []))
    assert candidate_line(u, "v1") == "v1: lacks baking >= 2 (has baking 1); day off on 2026-12-07"


def test_free_candidate_left_open_for_fairness() -> None:
    roles = [make_role("instructor", 1, skills=BAKING, under_weight=1)]
    vols = [baker("v1", name="王秀英", history_minutes=60)]
    u = only(explain_unfilled(problem(vols, [class_shift(roles=roles)]), []))
    # Adding v1: unfilled -1, fairness ((120 + 60)/60)^2 - (60/60)^2 = 8.
    assert candidate_line(u, "v1") == ("v1 王秀英 could take it without breaking a hard rule; the place was left"
                                       " open for the objective (adding would cost +7: unfilled -1, fairness +8)")


def test_free_candidate_that_would_improve_the_objective() -> None:
    u = only(explain_unfilled(problem([baker("v1")], [class_shift()]), []))
    assert candidate_line(u, "v1") == ("v1 could take it without breaking a hard rule; adding would improve"
                                       " the objective by 996 (unfilled -1000, fairness +4); the solver did not find it")


def test_free_candidate_at_no_cost() -> None:
    roles = [make_role("instructor", 1, skills=BAKING, under_weight=0)]
    p = problem([baker("v1")], [class_shift(roles=roles)], weights={"fairness": 0})
    u = only(explain_unfilled(p, []))
    assert candidate_line(u, "v1") == ("v1 could take it without breaking a hard rule;"
                                       " adding would not change the objective")


# --- which roles, which candidates -------------------------------------------------------------


def test_only_short_roles_with_the_missing_count() -> None:
    roles = [make_role("instructor", 1, skills=BAKING), make_role("assistant", 3)]
    vols = [baker("v1"), make_volunteer("v2")]
    explained = explain_unfilled(problem(vols, [class_shift(roles=roles)]),
                                 [A("v1", "s1", "instructor"), A("v2", "s1", "assistant")])
    assert [(u.shift, u.role, u.missing) for u in explained] == [("s1", "assistant", 2)]
    assert explained[0].reasons[0] == "2 volunteers may take s1/assistant (no skill, group or area needed; 1 already in it)"
    # Both volunteers are already in the shift; nobody is left to take it.
    assert explained[0].reasons[1:] == ("v1: already in s1 as instructor",)


def test_candidates_qualified_first_then_fewest_reasons_capped() -> None:
    vols = [make_volunteer("v1", skills={"baking": 1}),                      # unqualified
            baker("v2", days_off=["2026-12-07"], unavailable=[["2026-12-07T14:00", "2026-12-07T15:00"]]),
            baker("v3", days_off=["2026-12-07"]),                            # one reason
            baker("v4", days_off=["2026-12-07"]),                            # one reason
            baker("v5", days_off=["2026-12-07"])]                            # one reason
    u = only(explain_unfilled(problem(vols, [class_shift()]), [], max_candidates=3))
    assert [r.split(":")[0] for r in u.reasons[1:]] == ["v3", "v4", "v5", "1 more qualified volunteer is blocked too"]


def test_unqualified_candidates_fill_the_list_closest_first() -> None:
    vols = [make_volunteer("v1"), make_volunteer("v2", skills={"baking": 1}), baker("v3", days_off=["2026-12-07"])]
    u = only(explain_unfilled(problem(vols, [class_shift()]), []))
    assert [r.split(":")[0] for r in u.reasons[1:]] == ["v3", "v2", "v1"]


def test_counts_free_candidates_beyond_the_cap() -> None:
    roles = [make_role("instructor", 1, skills=BAKING, under_weight=0)]
    vols = [baker(f"v{i}") for i in range(1, 5)]
    u = only(explain_unfilled(problem(vols, [class_shift(roles=roles)]), [], max_candidates=2))
    assert u.reasons[-1] == "2 more qualified volunteers could take it too"
    assert len(u.reasons) == 4


def test_roles_explained_after_the_deadline_get_only_who_qualifies() -> None:
    vols = [make_volunteer("v1", skills={"baking": 1}, days_off=["2026-12-07"]), baker("v2")]
    p = problem(vols, [class_shift()])
    full = only(explain_unfilled(p, []))
    brief = only(explain_unfilled(p, [], deadline=time.perf_counter() - 1))
    assert len(full.reasons) > 1
    assert brief == UnfilledRole("s1", "instructor", 1, full.reasons[:1])
    assert only(explain_unfilled(p, [], deadline=time.perf_counter() + 60)) == full
