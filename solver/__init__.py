"""The scheduling engine: the schedule document (spec version 1) solved with OR-Tools CP-SAT.

Pure Python and OR-Tools; nothing here knows about Flask or SQL. The usual path is
``solve(parse_problem(doc), time_limit=...)`` and ``check(problem, solution.assignments)``
for the independent verification.
"""

from solver.checker import CheckReport, blocking_reasons, check
from solver.domain import (
    Assignment,
    Forbidden,
    Limits,
    Preference,
    Problem,
    Role,
    Rules,
    Shift,
    Solution,
    Succession,
    Supervision,
    UnfilledRole,
    Volunteer,
    Weights,
)
from solver.engine import solve
from solver.explain import explain_unfilled
from solver.parse import ProblemError, load_json, parse_problem, parse_solution

__all__ = [
    "Assignment", "CheckReport", "Forbidden", "Limits", "Preference", "Problem", "ProblemError",
    "Role", "Rules", "Shift", "Solution", "Succession", "Supervision", "UnfilledRole",
    "Volunteer", "Weights", "blocking_reasons", "check", "explain_unfilled", "load_json",
    "parse_problem", "parse_solution", "solve",
]
