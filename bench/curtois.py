"""Solve one Curtois and Qu instance with our engine and judge the roster by the benchmark.

    python -m bench.curtois INSTANCE.txt [--time-limit S] [--workers N] [--seed N]
                            [--roster OUT.txt] [--json OUT.json]

The instance is mapped onto a schedule document (`bench.curtois_format`), parsed and solved
by `solver.engine.solve`, and the solution is mapped back to a roster. The roster is then
judged twice, independently of the engine: by the benchmark's own rules and objective
(`bench.curtois_rules`), which must equal the engine's objective plus the sum of the shift-on
weights, and by our spec's checker (`solver.checker.check`). The roster file has one line
`EmployeeID,day,ShiftID` per worked day. Exit status: 0 for a valid, consistent roster; 1 for
no roster, a broken rule or a mismatch; 2 for an unreadable instance.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence, TextIO

from bench.curtois_format import Instance, InstanceError, load_instance, shift_id, to_document
from bench.curtois_rules import Entry, Evaluation, benchmark_objective, roster_violations
from solver.checker import check
from solver.domain import Assignment
from solver.engine import solve
from solver.parse import parse_problem

#: Relative tolerance when comparing objectives (SOLVER_API.md).
TOLERANCE = 1e-6


@dataclass
class CurtoisResult:
    """One solve of one instance, in the benchmark's terms."""

    instance: str
    staff: int
    days: int
    shift_types: int
    status: str
    #: The benchmark objective computed from the roster alone (None without a roster).
    objective: Optional[int]
    #: The engine's objective and bound plus the shift-on weights (benchmark terms).
    engine_objective: Optional[float]
    bound: Optional[float]
    shift_on_total: int
    #: The checker's objective plus the shift-on weights.
    checker_objective: Optional[float]
    evaluation: Optional[dict]
    seconds: float
    first_solution_seconds: Optional[float]
    violations: list[str] = field(default_factory=list)
    checker_violations: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    progress: list[tuple[float, Optional[float], float]] = field(default_factory=list)
    engine_stats: dict = field(default_factory=dict)
    roster: list[Entry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """A roster was found, it breaks no rule and every objective agrees."""
        return (self.objective is not None and not self.violations
                and not self.checker_violations and not self.mismatches)


def roster_from_assignments(instance: Instance, assignments: Iterable[Assignment]) -> list[Entry]:
    """The roster (employee, day, shift type) of the engine's assignments, sorted."""
    by_shift = {shift_id(day, st): (day, st)
                for day in range(instance.days) for st in instance.shift_types}
    roster = []
    for a in assignments:
        if a.shift not in by_shift:
            raise ValueError(f"assignment to unknown shift {a.shift}")
        day, st = by_shift[a.shift]
        roster.append((a.volunteer, day, st))
    return sorted(roster, key=lambda e: (e[0], e[1], e[2]))


def write_roster(roster: Iterable[Entry], path: str | Path) -> None:
    """Write `roster` as lines `EmployeeID,day,ShiftID`."""
    Path(path).write_text("".join(f"{e},{d},{s}\n" for e, d, s in roster), encoding="utf-8")


def read_roster(path: str | Path) -> list[Entry]:
    """Read a roster file written by `write_roster` (or by any other solver)."""
    roster = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 3 or not fields[1].isdigit():
            raise ValueError(f"{path}:{number}: expected EmployeeID,day,ShiftID, not {line!r}")
        roster.append((fields[0], int(fields[1]), fields[2]))
    return roster


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _mismatches(evaluation: Evaluation, engine_objective: float, checker_objective: float,
                offset: int) -> list[str]:
    """Disagreements between the benchmark's objective and ours; `engine_objective` already
    includes the shift-on weights (`offset`), `checker_objective` does not."""
    found = []
    if not _close(evaluation.total, engine_objective):
        found.append(f"benchmark objective {evaluation.total} != engine objective "
                     f"{engine_objective - offset:g} + shift-on weights {offset}")
    if not _close(evaluation.total, checker_objective + offset):
        found.append(f"benchmark objective {evaluation.total} != checker objective "
                     f"{checker_objective:g} + shift-on weights {offset}")
    return found


def solve_instance(instance: Instance, *, time_limit: float = 60.0, workers: int = 2,
                   seed: int = 0) -> CurtoisResult:
    """Map, solve, map back and judge `instance` (see the module docstring)."""
    offset = instance.shift_on_total
    progress: list[tuple[float, Optional[float], float]] = []

    def record(objective: float, bound: Optional[float], seconds: float) -> None:
        progress.append((objective + offset, None if bound is None else bound + offset, seconds))

    started = time.perf_counter()
    problem = parse_problem(to_document(instance))
    solution = solve(problem, time_limit=time_limit, workers=workers, seed=seed,
                     on_progress=record)
    seconds = time.perf_counter() - started
    result = CurtoisResult(
        instance=instance.name, staff=len(instance.staff), days=instance.days,
        shift_types=len(instance.shift_types), status=solution.status, objective=None,
        engine_objective=None if solution.objective is None else solution.objective + offset,
        bound=None if solution.bound is None else solution.bound + offset,
        shift_on_total=offset, checker_objective=None, evaluation=None, seconds=seconds,
        first_solution_seconds=progress[0][2] if progress else None,
        progress=progress, engine_stats=dict(solution.stats))
    if solution.objective is None:
        return result
    result.roster = roster_from_assignments(instance, solution.assignments)
    evaluation = benchmark_objective(instance, result.roster)
    result.objective = evaluation.total
    result.evaluation = asdict(evaluation)
    result.violations = roster_violations(instance, result.roster)
    report = check(problem, solution.assignments)
    result.checker_violations = list(report.violations)
    result.checker_objective = report.objective + offset
    result.mismatches = _mismatches(evaluation, result.engine_objective, report.objective, offset)
    return result


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:g}"


def _seconds(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.2f} s"


def print_result(result: CurtoisResult, out: Optional[TextIO] = None) -> None:
    """The human summary of `result` (on standard output unless `out` is given)."""
    out = out or sys.stdout
    print(f"{result.instance}: {result.staff} staff, {result.days} days, "
          f"{result.shift_types} shift types", file=out)
    print(f"status {result.status}, objective {_fmt(result.objective)}, "
          f"bound {_fmt(result.bound)}, {result.seconds:.1f} s "
          f"(first solution at {_seconds(result.first_solution_seconds)})", file=out)
    if result.evaluation is not None:
        parts = ", ".join(f"{k} {v}" for k, v in result.evaluation.items())
        print(f"benchmark objective parts: {parts}", file=out)
        verdict = "MISMATCH" if result.mismatches else "all equal"
        print(f"benchmark objective from the roster alone {result.objective}; engine objective "
              f"+ shift-on weights {result.shift_on_total} = {_fmt(result.engine_objective)}; "
              f"checker objective + {result.shift_on_total} = {_fmt(result.checker_objective)}: "
              f"{verdict}", file=out)
    print(f"violations: {len(result.violations)} (benchmark rules), "
          f"{len(result.checker_violations)} (checker)", file=out)
    for line in result.violations + result.checker_violations + result.mismatches:
        print(f"  {line}", file=out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.curtois",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("instance", help="an InstanceN.txt file")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--roster", help="write the roster here")
    parser.add_argument("--json", help="write the whole result here as JSON")
    args = parser.parse_args(argv)
    try:
        instance = load_instance(args.instance)
    except (OSError, InstanceError) as error:
        print(f"{args.instance}: {error}", file=sys.stderr)
        return 2
    result = solve_instance(instance, time_limit=args.time_limit, workers=args.workers,
                            seed=args.seed)
    print_result(result)
    if args.roster and result.objective is not None:
        write_roster(result.roster, args.roster)
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(result)), encoding="utf-8")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
