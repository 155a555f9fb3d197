"""The coordinator's spreadsheet, as a baseline: a greedy first-fit roster.

Shifts in document order, roles in shift order, each role filled up to its `need` with the
first volunteer in the volunteer list who qualifies (skills, groups, area, time windows) and
whose assignment breaks no hard rule given what is already placed. The hard rules are the
independent checker's (`solver.checker.blocking_violations`), so the roster is valid by
construction; `fixed` assignments are placed first, as a coordinator would. `previous` and
every soft term are ignored: that is what a spreadsheet does.

    python -m bench.baseline PROBLEM.json   # prints the unfilled count and the objective
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from solver.checker import AssignmentIndex, CheckReport, blocking_violations, check
from solver.checker_rules import CheckContext
from solver.domain import Assignment, Problem

from bench.eligibility import candidates, eligible


@dataclass(frozen=True)
class BaselineResult:
    """The greedy roster and the checker's verdict on it."""

    assignments: tuple[Assignment, ...]
    report: CheckReport

    @property
    def unfilled(self) -> int:
        """Places left below `need`, in persons."""
        return round(self.report.components.get("unfilled", 0))

    @property
    def objective(self) -> float:
        """The objective of the roster, recomputed by the checker."""
        return self.report.objective


def greedy_roster(problem: Problem) -> list[Assignment]:
    """First-fit assignments: shifts in order, roles in order, volunteers in list order."""
    ctx = CheckContext(problem)
    placed: list[Assignment] = []
    index = AssignmentIndex(())

    def place(assignment: Assignment) -> None:
        placed.append(assignment)
        index.by_volunteer[assignment.volunteer].append(assignment)
        index.by_shift[assignment.shift].append(assignment)

    for pin in problem.fixed:
        place(Assignment(pin.volunteer, pin.shift, pin.role or _fitting_role(problem, pin)))
    pool = candidates(problem)
    for shift in problem.shifts:
        for role in shift.roles:
            taken = sum(1 for a in index.by_shift.get(shift.id, ()) if a.role == role.name)
            for volunteer in pool[(shift.id, role.name)]:
                if taken >= role.need:
                    break
                if not blocking_violations(problem, index, volunteer.id, shift.id, role.name, ctx):
                    place(Assignment(volunteer.id, shift.id, role.name))
                    taken += 1
    return placed


def _fitting_role(problem: Problem, pin: Assignment) -> str:
    """For a `fixed` entry without a role: the first role of the shift the volunteer can take."""
    shift = problem.shift_by_id[pin.shift]
    volunteer = problem.volunteer_by_id[pin.volunteer]
    forbidden = frozenset((f.volunteer, f.shift) for f in problem.forbidden)
    fitting = [r.name for r in shift.roles if eligible(volunteer, shift, r, forbidden)]
    return (fitting or [shift.roles[0].name])[0]


def run_baseline(problem: Problem) -> BaselineResult:
    """The greedy roster with the checker's report (violations must be empty)."""
    assignments = tuple(greedy_roster(problem))
    return BaselineResult(assignments, check(problem, assignments))


def main(argv: list[str] | None = None) -> int:
    """Print the greedy roster's unfilled places, objective and violations for a document."""
    from solver.parse import ProblemError, load_json, parse_problem

    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.split("\n")[0])
    parser.add_argument("problem", help="schedule document (JSON)")
    args = parser.parse_args(argv)
    try:
        problem = parse_problem(load_json(args.problem))
    except ProblemError as error:
        sys.stderr.write("\n".join(error.errors) + "\n")
        return 2
    result = run_baseline(problem)
    print(f"assignments {len(result.assignments)}  unfilled {result.unfilled}  "
          f"objective {result.objective:,.1f}  violations {len(result.report.violations)}")
    for violation in result.report.violations:
        print(f"  {violation}")
    return 0 if result.report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
