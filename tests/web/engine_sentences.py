"""Real sentences of the engine, from small problems made so that each of its f-strings occurs.

`crafted_samples()` builds schedule documents in the week of Monday 7 December 2026 and
collects what the engine says about them through its own functions: the reasons of
unfilled roles (`solve`, `explain_unfilled`), the checker's sentences and phrases (`check`,
`blocking_violations`), the conflicts of infeasible weeks (`solve`, and `static_conflicts`
/ `describe` / `explain_infeasible` for the cases a valid document cannot reach), and the
parser's words on a fixed entry (as `scheduler.export` keeps them for a run's notes).
Nothing here writes an engine sentence itself. Each sample carries the glossary of its
problem (`glossary_of`), as the planning pages would have one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Iterable, Sequence

import pytest
from ortools.sat.python import cp_model

import solver.conflicts
from solver import Assignment, Forbidden, Problem, ProblemError, check, explain_unfilled, parse_problem, solve
from solver.checker import AssignmentIndex, blocking_violations
from solver.conflicts import describe, explain_infeasible, static_conflicts
from solver.eligibility import Eligibility, compute_eligibility
from solver.model import Guard
from web.planning.glossary import Glossary, ShiftFacts

MONDAY = date(2026, 12, 7)
#: Engine settings small enough for the test machine.
SOLVE = {"time_limit": 10, "workers": 1, "seed": 0}
#: Someone who qualifies for the calligraphy roles of `candidates_problem`.
QUALIFIED = {"groups": ["retired_cadre"], "skills": {"calligraphy": 2, "science": 1}}


@dataclass(frozen=True)
class Sample:
    """Sentences the engine said about one problem, and the names behind its ids."""

    glossary: Glossary
    sentences: tuple[str, ...]
    volunteer_ids: frozenset[str]
    shift_ids: frozenset[str]


def glossary_of(problem: Problem) -> Glossary:
    """The glossary a planning page would have for `problem` (codes stay codes)."""
    return Glossary(
        volunteers={v.id: v.name for v in problem.volunteers},
        shifts={s.id: ShiftFacts(s.title or s.activity, s.start, s.end, frozenset(r.name for r in s.roles))
                for s in problem.shifts})


def sample(problem: Problem, sentences: Iterable[str]) -> Sample:
    """The sentences about `problem`, with its glossary and ids."""
    return Sample(glossary_of(problem), tuple(dict.fromkeys(sentences)),
                  frozenset(v.id for v in problem.volunteers), frozenset(s.id for s in problem.shifts))


# --------------------------------------------------------------------------- documents


def at(day: int, clock: str) -> str:
    """``2026-12-09T09:00`` for day 2 (Wednesday) of the week."""
    return f"{MONDAY + timedelta(days=day)}T{clock}"


def shift(sid: str, activity: str, day: int, start: str, end: str, roles: Sequence[dict], **extra) -> dict:
    """A shift entry starting and ending on `day`."""
    return {"id": sid, "activity": activity, "start": at(day, start), "end": at(day, end), "roles": list(roles),
            **extra}


def role(name: str, need: int = 1, **extra) -> dict:
    """A role entry."""
    return {"role": name, "need": need, **extra}


def volunteer(vid: str, name: str, **extra) -> dict:
    """A volunteer entry."""
    return {"id": vid, "name": name, **extra}


def document(volunteers: Sequence[dict], shifts: Sequence[dict], **top) -> dict:
    """A schedule document of the week."""
    return {"format": "volunteer-schedule/1", "timezone": "Asia/Shanghai",
            "horizon": {"start": str(MONDAY), "end": str(MONDAY + timedelta(days=6))},
            "volunteers": list(volunteers), "shifts": list(shifts), **top}


def problem_of(volunteers: Sequence[dict], shifts: Sequence[dict], **top) -> Problem:
    """A parsed problem of the week."""
    return parse_problem(document(volunteers, shifts, **top))


def given(*triples: tuple[str, str, str]) -> list[Assignment]:
    """Assignments from (volunteer, shift, role) triples."""
    return [Assignment(*triple) for triple in triples]


# --------------------------------------------------------------------------- collecting


def everything_about(problem: Problem, assignments: Sequence[Assignment]) -> list[str]:
    """What the pages may show about `problem` with `assignments`: the engine's own answer
    (reasons or conflicts), the reasons of the short roles with every candidate, the
    checker's sentences, and each blocker of every volunteer in every role (hint and sentence)."""
    said: list[str] = []
    solution = solve(problem, **SOLVE)
    said += solution.conflicts
    said += [reason for unfilled in solution.unfilled for reason in unfilled.reasons]
    for draft, candidates in ((assignments, 5), (assignments, 50), ([], 5)):
        said += [reason for unfilled in explain_unfilled(problem, draft, max_candidates=candidates)
                 for reason in unfilled.reasons]
    said += check(problem, assignments).violations
    index = AssignmentIndex(assignments)
    for v in problem.volunteers:
        for s in problem.shifts:
            for r in s.roles:
                for violation in blocking_violations(problem, index, v.id, s.id, r.name):
                    said += [violation.short, str(violation)]
    return said


def candidates_problem() -> tuple[Problem, list[Assignment]]:
    """A calligraphy class on Wednesday (s001) short of teachers, and a volunteer held back
    from it by each rule in turn, by the shifts they have (`given`) or by their limits."""
    shifts = [
        shift("s001", "class", 2, "09:00", "11:00", [
            role("讲师", 3, skills={"calligraphy": 2}, groups=["retired_cadre", "party_member"]),
            role("助教", 1)], title="书画班", venue="hall", area="north"),
        shift("s002", "talk", 2, "10:00", "12:00", [role("讲解")], title="健康讲座", venue="hall"),
        shift("s003", "talk", 2, "08:30", "09:30", [role("讲解")], venue="hall"),
        shift("s004", "duty", 2, "06:00", "08:00", [role("值班")], title="早班", venue="hall"),
        shift("s005", "duty", 2, "11:10", "12:00", [role("值班")], title="公园值班", venue="park"),
        shift("s006", "duty", 2, "18:00", "19:00", [role("值班")], title="晚班", venue="hall"),
        shift("s007", "class", 0, "09:00", "11:00", [
            role("讲师", skills={"calligraphy": 2}), role("助教")], title="书画班", venue="hall"),
        shift("s008", "duty", 1, "09:00", "10:00", [role("值班", 3)], title="周二值班", venue="hall"),
        shift("s009", "duty", 3, "09:00", "10:00", [role("值班", 2)], title="周四值班", venue="hall"),
        shift("s010", "duty", 4, "09:00", "10:00", [role("值班")], title="周五值班", venue="hall"),
        shift("s011", "night", 1, "20:00", "22:00", [role("巡查")], title="夜间巡查", venue="hall"),
        shift("s013", "museum", 6, "09:00", "12:00", [
            role("讲解员", 2, skills={"science": 1}), role("值班负责人", 1, max=1, groups=["retired_cadre"])],
              title="科普馆值班", venue="museum", supervision=[{"group": "student", "by": ["retired_cadre"]}]),
        shift("s014", "helper", 5, "14:00", "16:00", [role("助理", under_weight=1)], title="周六助理"),
        shift("s015", "master", 5, "09:00", "10:00", [role("书法老师", 2, skills={"calligraphy": 3})],
              title="书法大师课"),
        shift("s016", "baking", 5, "10:00", "11:00", [role("烘焙老师", skills={"baking": 2})], title="烘焙班"),
        shift("s017", "painting", 5, "11:00", "12:00", [role("国画老师", skills={"painting": 1})], title="国画班"),
        shift("s018", "youth", 5, "13:00", "14:00", [
            role("学生讲师", skills={"calligraphy": 3}, groups=["student"])], title="青少年书法", area="north"),
        shift("s019", "closed", 5, "15:00", "16:00", [role("特邀", groups=["guest"])], title="特邀活动"),
        shift("s020", "open", 6, "14:00", "15:00", [role("志愿者", 30)], title="开放日"),
    ]
    volunteers = [
        volunteer("v001", "王秀英", **QUALIFIED),
        volunteer("v002", "李建国", **QUALIFIED),
        volunteer("v003", "张静", **QUALIFIED, limits={"min_rest_minutes": 120}),
        volunteer("v004", "刘洋", **QUALIFIED),
        volunteer("v005", "陈敏", **QUALIFIED, limits={"max_shifts_per_day": 1}),
        volunteer("v006", "杨磊", **QUALIFIED, limits={"max_shifts": 1}),
        volunteer("v007", "赵娟", **QUALIFIED, limits={"max_shifts_per_activity": {"class": 1}}),
        volunteer("v008", "黄涛", **QUALIFIED, limits={"max_minutes": 150}),
        volunteer("v009", "周霞", **QUALIFIED, limits={"min_minutes": 600}),
        volunteer("v010", "吴婷", **QUALIFIED, limits={"max_consecutive_days": 2}),
        volunteer("v011", "徐颖", **QUALIFIED, limits={"min_consecutive_days": 2}),
        volunteer("v012", "孙鹏", **QUALIFIED, limits={"min_consecutive_days_off": 2}),
        volunteer("v013", "马慧", **QUALIFIED, unavailable=[[at(2, "09:30"), at(2, "10:00")]]),
        volunteer("v014", "朱晓燕", **QUALIFIED, available=[[at(0, "08:00"), at(0, "18:00")]]),
        volunteer("v015", "胡海燕", **QUALIFIED, days_off=[str(MONDAY + timedelta(days=2))]),
        volunteer("v016", "郭文静", **QUALIFIED),
        volunteer("v017", "何晓东", **QUALIFIED),
        volunteer("v018", "林丽娟", **QUALIFIED),
        volunteer("v019", "高春梅", groups=["retired_cadre"], skills={"calligraphy": 1, "baking": 1}),
        volunteer("v020", "罗志强", groups=["student"], areas=["south"]),
        volunteer("v021", "梁子涵", **QUALIFIED, areas=[]),
        volunteer("v022", "宋欣怡", groups=["student"], skills={"science": 1}),
        volunteer("v023", "唐宇航", **QUALIFIED, limits={"max_weekends": 0}),
        volunteer("v024", "许佳怡", **QUALIFIED),
        volunteer("v025", "韩德明", groups=["retired_cadre"], skills={"calligraphy": 3}),
        volunteer("v026", "冯玉兰", **QUALIFIED, limits={"min_minutes": 60, "min_minutes_strict": True}),
    ]
    problem = problem_of(
        volunteers, shifts, forbidden=[{"volunteer": "v016", "shift": "s001"}],
        fixed=[{"volunteer": "v024", "shift": "s020", "role": "志愿者"}, {"volunteer": "v025", "shift": "s020"}],
        rules={"travel_minutes": 30, "forbidden_successions": [{"from": "night", "to": "class"}]})
    held_back = given(
        ("v001", "s002", "讲解"), ("v002", "s003", "讲解"), ("v003", "s004", "值班"), ("v004", "s005", "值班"),
        ("v005", "s006", "值班"), ("v006", "s008", "值班"), ("v007", "s007", "助教"), ("v008", "s008", "值班"),
        ("v010", "s008", "值班"), ("v010", "s009", "值班"), ("v012", "s007", "讲师"), ("v012", "s010", "值班"),
        ("v017", "s011", "巡查"), ("v018", "s001", "助教"), ("v025", "s015", "书法老师"),
        ("v020", "s020", "志愿者"), ("v022", "s013", "讲解员"))
    return problem, held_back


def broken_rules(problem: Problem) -> list[Assignment]:
    """Assignments to `candidates_problem` that break every hard rule the checker knows."""
    return given(
        ("v019", "s001", "讲师"), ("v020", "s001", "讲师"), ("v021", "s001", "讲师"), ("v014", "s001", "讲师"),
        ("v013", "s001", "讲师"), ("v015", "s001", "讲师"), ("v016", "s001", "讲师"), ("v018", "s001", "助教"),
        ("v018", "s001", "讲师"), ("v024", "s007", "助教"), ("v024", "s007", "助教"),
        ("v001", "s001", "助教"), ("v001", "s002", "讲解"), ("v004", "s001", "助教"), ("v004", "s005", "值班"),
        ("v003", "s004", "值班"), ("v003", "s001", "助教"), ("v005", "s001", "助教"), ("v005", "s006", "值班"),
        ("v006", "s007", "讲师"), ("v006", "s008", "值班"), ("v007", "s007", "助教"), ("v007", "s001", "助教"),
        ("v008", "s007", "讲师"), ("v008", "s001", "助教"), ("v009", "s001", "助教"), ("v010", "s008", "值班"),
        ("v010", "s001", "助教"),
        ("v010", "s009", "值班"), ("v011", "s001", "助教"), ("v012", "s007", "助教"), ("v012", "s001", "助教"),
        ("v012", "s010", "值班"), ("v023", "s020", "志愿者"), ("v022", "s013", "讲解员"),
        ("v017", "s011", "巡查"), ("v017", "s001", "助教"))


def count_problem() -> Problem:
    """Roles whose hidden candidates are one or several, free or blocked (`max_candidates` 5)."""
    free = [volunteer(f"v1{i:02d}", f"志愿者{i}", groups=["g"] if i < 6 else []) for i in range(7)]
    blocked = [volunteer("v190", "甲", unavailable=[[at(0, "09:00"), at(0, "10:00")]]),
               volunteer("v191", "乙", unavailable=[[at(1, "09:00"), at(1, "10:00")]]),
               volunteer("v192", "丙", unavailable=[[at(1, "09:00"), at(1, "10:00")]])]
    return problem_of(free + blocked, [
        shift("s101", "a", 0, "09:00", "10:00", [role("甲岗")], title="周一活动"),
        shift("s102", "b", 1, "09:00", "10:00", [role("乙岗")], title="周二活动"),
        shift("s103", "c", 2, "09:00", "10:00", [role("丙岗", groups=["g"])], title="周三活动"),
    ])


def lonely_problems() -> list[Problem]:
    """A one-volunteer week (``1 volunteer may take``) and one where adding changes nothing."""
    lonely = problem_of([volunteer("v201", "独")], [
        shift("s201", "a", 0, "09:00", "10:00", [role("岗", 3)], title="活动")],
        fixed=[{"volunteer": "v201", "shift": "s201", "role": "岗"}])
    alone = problem_of([volunteer("v202", "单")], [shift("s202", "a", 0, "09:00", "10:00", [role("岗", 2)])])
    indifferent = problem_of([volunteer("v203", "闲")], [
        shift("s203", "a", 0, "09:00", "10:00", [role("岗", under_weight=0)], title="可有可无")],
        weights={"fairness": 0, "preference": 0, "continuity": 0})
    return [lonely, alone, indifferent]


# --------------------------------------------------------------------------- conflicts


def static_problem() -> Problem:
    """Fixed entries no candidate can carry, found before any search."""
    wednesday = [[at(2, "08:00"), at(2, "12:00")]]
    people = [
        volunteer("v301", "甲", available=[[at(0, "08:00"), at(0, "12:00")]]),
        volunteer("v302", "乙", unavailable=[[at(2, "09:00"), at(2, "09:30")]]),
        volunteer("v303", "丙", days_off=[str(MONDAY + timedelta(days=2))]),
        volunteer("v304", "丁", limits={"max_shifts": 0}, available=wednesday),
        volunteer("v305", "戊", limits={"max_shifts_per_day": 0}),
        volunteer("v306", "己", limits={"max_consecutive_days": 0}),
        volunteer("v307", "庚", limits={"max_shifts_per_activity": {"class": 0}}),
        volunteer("v308", "辛", limits={"max_minutes": 60}),
    ]
    return problem_of(people, [shift("s301", "class", 2, "09:00", "11:00", [role("岗", 10)], title="书画班")],
                      fixed=[{"volunteer": p["id"], "shift": "s301", "role": "岗"} for p in people])


def unreachable_static() -> Sample:
    """`static_conflicts` on fixed entries a valid document cannot hold (the parser refuses
    them first): withdrawn, another grid, the teams or skills of the role, any role, and an
    entry the eligibility left out for no reason the engine can name."""
    people = (volunteer("v311", "壬"), volunteer("v312", "癸", areas=["south"]),
              volunteer("v313", "子", groups=["student"]), volunteer("v314", "丑", skills={"calligraphy": 2}))
    base = problem_of(people, [
        shift("s311", "class", 2, "09:00", "11:00", [
            role("讲师", skills={"calligraphy": 2}), role("学生岗", groups=["retired_cadre"])],
              title="书画班", area="north")])
    broken = replace(base, forbidden=(Forbidden("v311", "s311"),), fixed=(
        *given(("v311", "s311", "讲师"), ("v312", "s311", "讲师"), ("v313", "s311", "讲师"),
               ("v313", "s311", "学生岗")), Assignment("v313", "s311", None)))
    said = static_conflicts(broken, compute_eligibility(broken))
    nothing = Eligibility({}, tuple(() for _ in base.volunteers), tuple(() for _ in base.shifts))
    said += static_conflicts(replace(base, fixed=tuple(given(("v314", "s311", "讲师")))), nothing)
    return sample(base, said)


def conflict_problems() -> list[Problem]:
    """Infeasible weeks, one per kind of conflict the search explains."""
    days = [shift(f"s4{d}0", "duty", d, "09:00", "11:00", [role("岗", 0, max=5)], title=f"值班{d}")
            for d in range(7)]

    def fixed(vid: str, *sids: str, role_name: str = "岗") -> list[dict]:
        return [{"volunteer": vid, "shift": sid, "role": role_name} for sid in sids]

    one = volunteer("v401", "甲")
    return [
        problem_of([one, volunteer("v402", "乙"), volunteer("v403", "丙")],
                   [shift("s401", "a", 0, "09:00", "10:00", [role("岗", 1, max=2)], title="满员")],
                   fixed=fixed("v401", "s401") + fixed("v402", "s401") + fixed("v403", "s401")),
        problem_of([volunteer("v401", "甲", limits={"min_minutes": 60, "min_minutes_strict": True})],
                   [shift("s401", "a", 0, "09:00", "10:00", [role("岗", 0, max=0)], title="关闭")]),
        problem_of([volunteer("v401", "学生", groups=["student"]),
                    volunteer("v402", "老干部", groups=["retired_cadre"], limits={"min_minutes": 600})],
                   [shift("s401", "museum", 0, "09:00", "10:00", [role("岗", 0, max=2)], title="科普馆",
                          supervision=[{"group": "student", "by": ["retired_cadre"]}])],
                   fixed=fixed("v401", "s401")),
        problem_of([volunteer("v401", "学生", groups=["student"], limits={"min_minutes": 60,
                                                                        "min_minutes_strict": True})],
                   [shift("s401", "museum", 0, "09:00", "10:00", [role("岗", 0, max=2)], title="科普馆",
                          supervision=[{"group": "student", "by": ["retired_cadre"]}])]),
        problem_of([volunteer("v401", "甲", limits={"max_shifts": 2})], days[:3], fixed=fixed("v401", *(
            s["id"] for s in days[:3]))),
        problem_of([volunteer("v401", "甲", limits={"max_minutes": 180})], days[:2],
                   fixed=fixed("v401", "s400", "s410")),
        problem_of([volunteer("v401", "甲", limits={"max_shifts_per_day": 1})], [
            shift("s401", "a", 0, "09:00", "10:00", [role("岗", 0, max=1)]),
            shift("s402", "b", 0, "14:00", "15:00", [role("岗", 0, max=1)])], fixed=fixed("v401", "s401", "s402")),
        problem_of([volunteer("v401", "甲", limits={"max_shifts_per_activity": {"duty": 1}})], days[:2],
                   fixed=fixed("v401", "s400", "s410")),
        problem_of([volunteer("v401", "甲", limits={"min_minutes": 240})], days[:1], fixed=fixed("v401", "s400")),
        problem_of([volunteer("v401", "甲", limits={"min_minutes": 240, "min_minutes_strict": True})], [
            shift("s401", "a", 0, "09:00", "13:00", [role("岗", 0, max=1)], title="长班"),
            shift("s402", "b", 0, "12:00", "13:00", [role("岗", 0, max=1)], title="短班")],
            fixed=fixed("v401", "s402")),
        problem_of([volunteer("v401", "甲")], [
            shift("s401", "night", 1, "20:00", "22:00", [role("岗", 0, max=1)], title="夜巡"),
            shift("s402", "class", 2, "09:00", "11:00", [role("岗", 0, max=1)], title="书画班")],
            fixed=fixed("v401", "s401", "s402"), rules={"forbidden_successions": [{"from": "night", "to": "class"}]}),
        problem_of([volunteer("v401", "甲", limits={"min_minutes": 240, "min_minutes_strict": True})], [
            shift("s401", "night", 1, "20:00", "22:00", [role("岗", 0, max=1)], title="夜巡"),
            shift("s402", "class", 2, "09:00", "11:00", [role("岗", 0, max=1)], title="书画班")],
            rules={"forbidden_successions": [{"from": "night", "to": "class"}]}),
        problem_of([volunteer("v401", "甲", limits={"max_consecutive_days": 2})], days[:3],
                   fixed=fixed("v401", "s400", "s410", "s420")),
        problem_of([volunteer("v401", "甲", limits={"min_consecutive_days": 2})], days[1:4],
                   fixed=fixed("v401", "s420"), forbidden=[{"volunteer": "v401", "shift": "s410"},
                                                           {"volunteer": "v401", "shift": "s430"}]),
        problem_of([volunteer("v401", "甲", limits={"min_consecutive_days_off": 2})], days[1:4],
                   fixed=fixed("v401", "s410", "s430"), forbidden=[{"volunteer": "v401", "shift": "s420"}]),
        problem_of([volunteer("v401", "甲", limits={"max_weekends": 0})], days[5:6], fixed=fixed("v401", "s450")),
        problem_of([volunteer("v401", "甲", limits={"max_consecutive_days": 2, "min_minutes": 360,
                                                       "min_minutes_strict": True})], days[:3]),
        problem_of([one], [
            shift("s401", "a", 0, "09:00", "10:00", [role("岗", 0, max=1)], title="早"),
            shift("s402", "b", 0, "09:30", "10:30", [role("岗", 0, max=1)], title="叠")],
            fixed=fixed("v401", "s401", "s402")),
        problem_of([volunteer("v401", "甲", limits={"min_rest_minutes": 120})], [
            shift("s401", "a", 0, "09:00", "10:00", [role("岗", 0, max=1)], title="早"),
            shift("s403", "c", 0, "11:00", "12:00", [role("岗", 0, max=1)], title="近")],
            fixed=fixed("v401", "s401", "s403")),
        problem_of([one], [
            shift("s401", "a", 0, "09:00", "10:00", [role("岗", 0, max=1)], title="站", venue="station"),
            shift("s402", "b", 0, "10:10", "11:00", [role("岗", 0, max=1)], title="馆", venue="museum")],
            fixed=fixed("v401", "s401", "s402"), rules={"travel_minutes": 30}),
    ]


def unreachable_conflicts() -> Sample:
    """Conflict sentences a valid document does not lead the search to: two roles of one
    shift (the parser refuses the pair), and leftover fixed entries (`describe` on a core)."""
    base = problem_of([volunteer("v501", "甲"), volunteer("v502", "乙", limits={"max_shifts": 0})], [
        shift("s501", "a", 0, "09:00", "10:00", [role("甲岗", 0, max=1), role("乙岗", 0, max=1)], title="双岗")])
    twice = replace(base, fixed=tuple(given(("v501", "s501", "甲岗"), ("v501", "s501", "乙岗"))))
    said = explain_infeasible(twice, compute_eligibility(twice), time_limit=5)
    said += describe(base, [Guard("fixed", 0, 0, 0, 0)])
    said += describe(base, [Guard("max_shifts", 1), Guard("fixed", 0, 0, None, 0)])
    return sample(base, said)


def ran_out_of_time(problem: Problem) -> Sample:
    """The conflict search's answer when CP-SAT never decides (its fallback sentence)."""
    class Undecided(cp_model.CpSolver):
        def solve(self, *args, **kwargs):
            return cp_model.UNKNOWN

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver.conflicts.cp_model, "CpSolver", Undecided)
        return sample(problem, explain_infeasible(problem, compute_eligibility(problem), time_limit=1))


def parser_notes() -> Sample:
    """What the parser says of fixed entries the volunteer cannot take, as a run's notes
    keep it (`scheduler.export._settle_fixed`: the message after the JSON path)."""
    doc = document([volunteer("v601", "甲", areas=["south"], groups=["student"])], [
        shift("s601", "a", 0, "09:00", "10:00", [role("讲师", skills={"calligraphy": 2}, groups=["retired_cadre"])],
              area="north")])
    notes = []
    for fixed in ({"volunteer": "v601", "shift": "s601", "role": "讲师"}, {"volunteer": "v601", "shift": "s601"}):
        with pytest.raises(ProblemError) as refused:
            parse_problem({**doc, "fixed": [fixed]})
        notes += [message.split(": ", 1)[-1] for message in refused.value.errors]
    return sample(parse_problem(doc), notes)


def crafted_samples() -> list[Sample]:
    """Every crafted problem with what the engine says about it."""
    problem, held_back = candidates_problem()
    samples = [sample(problem, everything_about(problem, held_back) + check(problem, broken_rules(problem)).violations)]
    for other in (count_problem(), *lonely_problems()):
        samples.append(sample(other, everything_about(other, list(other.fixed))))
    static = static_problem()
    samples += [sample(static, solve(static, **SOLVE).conflicts), unreachable_static()]
    conflicting = conflict_problems()
    samples += [sample(infeasible, solve(infeasible, **SOLVE).conflicts) for infeasible in conflicting]
    anyone = replace(conflicting[0], fixed=(replace(conflicting[0].fixed[0], role=None), *conflicting[0].fixed[1:]))
    samples += [ran_out_of_time(infeasible) for infeasible in (anyone, conflicting[1])]
    samples += [unreachable_conflicts(), parser_notes()]
    return samples
