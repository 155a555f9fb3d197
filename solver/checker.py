"""The independent checker: every hard rule and the objective, from the assignments alone.

Written from `shared/spec/schedule-format.md` and never from the CP-SAT model, so that a
model bug cannot hide behind itself. `check` is what `python -m solver check` runs and what
every solver test runs on a result; `blocking_reasons` says why one more assignment would
break a hard rule, with the same rule functions (`solver.checker_rules`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from solver.checker_objective import evaluate
from solver.checker_rules import (
    CheckContext,
    Violation,
    assignment_violations,
    shift_violations,
    volunteer_violations,
)
from solver.domain import Assignment, Problem

__all__ = ["CheckReport", "check", "blocking_reasons", "blocking_violations", "AssignmentIndex"]


@dataclass
class CheckReport:
    """The checker's verdict: violated hard rules (sentences), components and objective."""

    violations: list[str] = field(default_factory=list)
    components: dict[str, float] = field(default_factory=dict)
    objective: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations


class AssignmentIndex:
    """Valid assignments grouped by volunteer and by shift, for running the rules."""

    def __init__(self, assignments: Iterable[Assignment]) -> None:
        self.by_volunteer: dict[str, list[Assignment]] = defaultdict(list)
        self.by_shift: dict[str, list[Assignment]] = defaultdict(list)
        for a in assignments:
            self.by_volunteer[a.volunteer].append(a)
            self.by_shift[a.shift].append(a)


def check(problem: Problem, assignments: Iterable[Assignment]) -> CheckReport:
    """Recompute every hard rule and the objective of `assignments` for `problem`.

    Assignments with unknown ids or roles are reported and left out of everything else.
    """
    ctx = CheckContext(problem)
    violations: list[Violation] = []
    valid: list[Assignment] = []
    for i, a in enumerate(assignments):
        faults = reference_violations(problem, a, f"assignments[{i}]")
        violations += faults
        if not faults:
            valid.append(a)
    index = AssignmentIndex(valid)
    for a in dict.fromkeys(valid):  # a triple listed twice is reported once, by one_role_per_shift
        violations += assignment_violations(ctx, a)
    for s in problem.shifts:
        violations += shift_violations(ctx, s, index.by_shift.get(s.id, ()))
    for v in problem.volunteers:
        violations += volunteer_violations(ctx, v, (a.shift for a in index.by_volunteer.get(v.id, ())))
    violations += fixed_present(ctx, index)
    components, objective = evaluate(problem, valid)
    return CheckReport([str(x) for x in violations], components, objective)


def reference_violations(problem: Problem, a: Assignment, where: str) -> list[Violation]:
    """Unknown volunteer, shift or role, or a missing role, in assignment `a`."""
    subject = f"{where} ({a.volunteer} in {a.shift} as {a.role})"
    faults = []
    if a.volunteer not in problem.volunteer_by_id:
        faults.append(Violation("unknown", subject, f"unknown volunteer {a.volunteer}"))
    shift = problem.shift_by_id.get(a.shift)
    if shift is None:
        faults.append(Violation("unknown", subject, f"unknown shift {a.shift}"))
    elif a.role is None:
        faults.append(Violation("unknown", subject, "no role given"))
    elif shift.role(a.role) is None:
        roles = ", ".join(r.name for r in shift.roles)
        faults.append(Violation("unknown", subject, f"shift {a.shift} has no role {a.role} (roles: {roles})"))
    return faults


def fixed_present(ctx: CheckContext, index: AssignmentIndex) -> list[Violation]:
    """Every `fixed` entry is in the solution (without a role, any role of the shift will do)."""
    missing = []
    for f in ctx.problem.fixed:
        taken = index.by_shift.get(f.shift, ())
        if not any(a.volunteer == f.volunteer and (f.role is None or a.role == f.role) for a in taken):
            v = ctx.problem.volunteer_by_id.get(f.volunteer)
            who = ctx.who(v) if v is not None else f.volunteer
            as_role = f" as {f.role}" if f.role is not None else ""
            missing.append(Violation("fixed", who, f"fixed assignment to {f.shift}{as_role} is missing",
                                     f.volunteer, (f.shift,)))
    return missing


def blocking_violations(
    problem: Problem,
    index: AssignmentIndex,
    volunteer_id: str,
    shift_id: str,
    role_name: str,
    ctx: CheckContext | None = None,
) -> list[Violation]:
    """The hard-rule violations that adding (volunteer, shift, role) to `index` would create.

    Runs the rules of that volunteer and of that shift without and with the candidate and
    keeps the new violations (a limit already broken but made worse counts as new).
    """
    candidate = Assignment(volunteer_id, shift_id, role_name)
    faults = reference_violations(problem, candidate, "candidate")
    if faults:
        return faults
    ctx = ctx or CheckContext(problem)
    volunteer = problem.volunteer_by_id[volunteer_id]
    shift = problem.shift_by_id[shift_id]
    mine = [a.shift for a in index.by_volunteer.get(volunteer_id, ())]
    theirs = list(index.by_shift.get(shift_id, ()))
    before = set(volunteer_violations(ctx, volunteer, mine)) | set(shift_violations(ctx, shift, theirs))
    after = (assignment_violations(ctx, candidate)
             + volunteer_violations(ctx, volunteer, mine + [shift_id])
             + shift_violations(ctx, shift, theirs + [candidate]))
    return [x for x in dict.fromkeys(after) if x not in before]


def blocking_reasons(
    problem: Problem,
    assignments: Iterable[Assignment],
    volunteer_id: str,
    shift_id: str,
    role_name: str,
) -> list[str]:
    """Why adding `volunteer_id` to `role_name` of `shift_id` would break a hard rule.

    Empty when the assignment could be added (given the others) without breaking any.
    Assignments with unknown ids or roles among the others are ignored.
    """
    valid = [a for a in assignments if not reference_violations(problem, a, "")]
    index = AssignmentIndex(valid)
    return [str(x) for x in blocking_violations(problem, index, volunteer_id, shift_id, role_name)]
