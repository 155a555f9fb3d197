"""Why roles were left below `need`: reasons a coordinator can act on.

For every short role: how many volunteers qualify at all (skills and levels, groups, areas),
then, for the most relevant candidates (qualified first, fewest blocking reasons first), why
each could not take the place. The reasons come from the checker's rule functions
(`solver.checker.blocking_violations`), so an explanation never disagrees with the checker.
A qualified volunteer who could be added without breaking a hard rule is named as such: the
place was left open for the objective, and the sentence says by how much it would change.
"""

from __future__ import annotations

import heapq
import math
import time
from typing import Callable, Iterator, NamedTuple, Optional, Sequence

from solver.checker import AssignmentIndex, blocking_violations, reference_violations
from solver.checker_objective import objective_terms, role_counts
from solver.checker_rules import CheckContext, Violation, has_skills, in_role_groups, serves_area
from solver.domain import Assignment, Problem, Role, Shift, UnfilledRole, Volunteer

#: The rules that decide whether a volunteer qualifies for a role whatever the timetable.
QUALIFICATION_RULES = (has_skills, in_role_groups, serves_area)


def explain_unfilled(
    problem: Problem, assignments: Sequence[Assignment], *, max_candidates: int = 5,
    deadline: Optional[float] = None,
) -> tuple[UnfilledRole, ...]:
    """One `UnfilledRole` per role with fewer than `need` people, with its reasons.

    Reasons are English sentences with ids and names: first who qualifies at all, then one
    sentence per candidate (at most `max_candidates`), then how many more were not listed.
    After `deadline` (a `time.perf_counter` value) the remaining roles get only the first
    sentence: on a long roster with thousands of short roles, weighing every candidate
    would take minutes.
    """
    valid = [a for a in assignments if not reference_violations(problem, a, "")]
    explainer = _Explainer(problem, valid, max_candidates)
    counts = role_counts(valid)
    unfilled = []
    for shift in problem.shifts:
        for role in shift.roles:
            n = counts.get((shift.id, role.name), 0)
            if n < role.need:
                brief = deadline is not None and time.perf_counter() > deadline
                reasons = explainer.reasons(shift, role, brief=brief)
                unfilled.append(UnfilledRole(shift.id, role.name, role.need - n, tuple(reasons)))
    return tuple(unfilled)


def label(v: Volunteer) -> str:
    """``v003 王秀英`` (the bare id when there is no name)."""
    return f"{v.id} {v.name}" if v.name else v.id


class _Explainer:
    """Explains short roles against one fixed set of assignments."""

    def __init__(self, problem: Problem, assignments: list[Assignment], max_candidates: int) -> None:
        self.problem = problem
        self.assignments = assignments
        self.index = AssignmentIndex(assignments)
        self.ctx = CheckContext(problem)
        self.max_candidates = max(0, max_candidates)
        self.order = {v.id: i for i, v in enumerate(problem.volunteers)}
        self._faults: dict[tuple, dict[str, int]] = {}
        self._terms: dict[str, float] | None = None

    def reasons(self, shift: Shift, role: Role, *, brief: bool = False) -> list[str]:
        """The summary of who qualifies, then (unless `brief`) the candidates' reasons."""
        inside = {a.volunteer for a in self.index.by_shift.get(shift.id, ()) if a.role == role.name}
        faults = self._fault_counts(shift, role)
        reasons = [qualification_summary(self.problem, shift, role, faults, len(inside))]
        if brief:
            return reasons
        outside = [v for v in self.problem.volunteers if v.id not in inside]
        qualified = [v for v in outside if not faults[v.id]]
        blocked = {v.id: self._blocking(v, shift, role) for v in qualified}
        qualified.sort(key=lambda v: (len(blocked[v.id]), self.order[v.id]))
        shown = qualified[: self.max_candidates]
        hidden = qualified[len(shown):]
        closest = heapq.nsmallest(self.max_candidates - len(shown), (v for v in outside if faults[v.id]),
                                  key=lambda v: (faults[v.id], _shortfall(v, role), self.order[v.id]))
        for v in closest:
            blocked[v.id] = self._blocking(v, shift, role)
        for v in shown + closest:
            reasons.append(self._candidate_sentence(v, shift, role, blocked[v.id]))
        free = sum(1 for v in hidden if not blocked[v.id])
        if free:
            reasons.append(f"{_count(free, 'more qualified volunteer')} could take it too")
        stuck = len(hidden) - free
        if stuck:
            verb = "is" if stuck == 1 else "are"
            reasons.append(f"{_count(stuck, 'more qualified volunteer')} {verb} blocked too")
        return reasons

    def _fault_counts(self, shift: Shift, role: Role) -> dict[str, int]:
        """Per volunteer, how many qualification rules the role breaks (0: qualified).

        They depend only on the role's skills and groups and the shift's area, so roles
        alike share one computation.
        """
        key = (tuple(sorted(role.skills.items())), role.groups, shift.area)
        counts = self._faults.get(key)
        if counts is None:
            counts = {v.id: sum(1 for rule in QUALIFICATION_RULES for _ in rule(self.ctx, v, shift, role))
                      for v in self.problem.volunteers}
            self._faults[key] = counts
        return counts

    def _blocking(self, v: Volunteer, shift: Shift, role: Role) -> list[Violation]:
        return blocking_violations(self.problem, self.index, v.id, shift.id, role.name, self.ctx)

    def _candidate_sentence(self, v: Volunteer, shift: Shift, role: Role, blocked: list[Violation]) -> str:
        if blocked:
            phrases = dict.fromkeys(self._phrase(x, v, shift) for x in blocked)
            return f"{label(v)}: {'; '.join(phrases)}"
        return f"{label(v)} could take it without breaking a hard rule; {self._objective_note(v, shift, role)}"

    def _phrase(self, x: Violation, v: Volunteer, shift: Shift) -> str:
        """A short phrase for violation `x` of candidate `v` in `shift`."""
        if x.rule == "overlap":
            other = self._other(x, shift)
            title = f"{other.title}, " if other.title else ""
            return f"taken by overlapping shift {other.id} ({title}{self.ctx.when(other)})"
        if x.rule == "succession":
            other = self._other(x, shift)
            return f"{x.short} with {other.id} on {other.start.date()}"
        if x.rule == "one_role_per_shift":
            roles = sorted(a.role or "" for a in self.index.by_volunteer.get(v.id, ()) if a.shift == shift.id)
            return f"already in {shift.id} as {', '.join(roles)}"
        return x.short

    def _other(self, x: Violation, shift: Shift) -> Shift:
        """The shift of a pairwise violation that is not the candidate's."""
        return self.problem.shift_by_id[next(sid for sid in x.shifts if sid != shift.id)]

    def _objective_note(self, v: Volunteer, shift: Shift, role: Role) -> str:
        """How the objective would change by adding `v`: why the solver left the place open."""
        if self._terms is None:
            self._terms = objective_terms(self.problem, self.assignments)
        before = self._terms
        after = objective_terms(self.problem, self.assignments + [Assignment(v.id, shift.id, role.name)])
        delta = {k: after[k] - before[k] for k in before if abs(after[k] - before[k]) > 1e-9}
        total = math.fsum(delta.values())
        parts = ", ".join(f"{k} {_signed(d)}" for k, d in delta.items())
        if not delta:
            return "adding would not change the objective"
        if total >= 0:
            return f"the place was left open for the objective (adding would cost {_signed(total)}: {parts})"
        return f"adding would improve the objective by {_signed(-total)[1:]} ({parts}); the solver did not find it"


def qualification_summary(
    problem: Problem, shift: Shift, role: Role, faults: dict[str, int], inside: int = 0
) -> str:
    """``2 volunteers have baking >= 2`` or ``nobody has baking >= 2 (best: v003 王秀英 has baking 1)``.

    `faults` counts the qualification rules each volunteer breaks; `inside` how many people
    the role already has.
    """
    requirements = list(_requirements(problem, shift, role))
    qualified = sum(1 for n in faults.values() if not n)
    where = f"{shift.id}/{role.name}"
    already = f"; {inside} already in it" if inside else ""
    if not requirements:
        return f"{_count(qualified)} may take {where} (no skill, group or area needed{already})"
    if qualified:
        wording = " and ".join(r.singular if qualified == 1 else r.plural for r in requirements)
        return f"{_count(qualified)} {wording} for {where}" + (f" ({already[2:]})" if inside else "")
    notes = []
    for requirement in requirements:
        count = sum(1 for v in problem.volunteers if requirement.meets(v))
        if count == 0 and requirement.skill is not None:
            notes.append(_best_note(problem, requirement.skill))
        elif len(requirements) > 1:
            notes.append(f"{count} {requirement.singular if count == 1 else requirement.plural}")
    wording = " and ".join(r.singular for r in requirements)
    tail = f" ({'; '.join(notes)})" if notes else ""
    return f"nobody {wording} for {where}{tail}"


class _Requirement(NamedTuple):
    """One requirement of a role, worded for one volunteer and for several."""

    singular: str
    plural: str
    meets: Callable[[Volunteer], bool]
    skill: Optional[str] = None


def _requirements(problem: Problem, shift: Shift, role: Role) -> Iterator[_Requirement]:
    """The role's skills, its groups, and the shift's area when someone does not serve it."""
    for skill, level in sorted(role.skills.items()):
        yield _Requirement(f"has {skill} >= {level}", f"have {skill} >= {level}",
                           lambda v, skill=skill, level=level: v.skills.get(skill, 0) >= level, skill)
    groups = role.groups
    if groups is not None:
        wanted = " or ".join(sorted(groups))
        yield _Requirement(f"is in group {wanted}", f"are in group {wanted}", lambda v: bool(v.groups & groups))
    area = shift.area
    if area is not None and any(v.areas is not None and area not in v.areas for v in problem.volunteers):
        yield _Requirement(f"serves {area}", f"serve {area}", lambda v: v.areas is None or area in v.areas)


def _best_note(problem: Problem, skill: str) -> str:
    """For a skill nobody has at the level wanted: the first volunteer with the highest level."""
    best = max(problem.volunteers, key=lambda v: v.skills.get(skill, 0), default=None)
    if best is None or best.skills.get(skill, 0) == 0:
        return f"nobody has {skill} at all"
    return f"best: {label(best)} has {skill} {best.skills[skill]}"


def _signed(x: float) -> str:
    """``+1012.5``, ``-1000``: a signed number with at most two decimals."""
    text = f"{x:+.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _count(n: int, noun: str = "volunteer") -> str:
    """``1 volunteer``, ``2 volunteers``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _shortfall(v: Volunteer, role: Role) -> int:
    """Total skill levels missing for the role (ranks the unqualified)."""
    return sum(max(0, level - v.skills.get(skill, 0)) for skill, level in role.skills.items())
