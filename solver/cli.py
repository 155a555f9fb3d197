"""Command line of the engine: ``python -m solver solve|check`` (spec, "Command line").

Exit codes (SOLVER_API.md): ``solve`` gives 0 for an optimal or feasible solution, 1 for
infeasible or unknown, 2 for invalid input; ``check`` gives 0 when the solution breaks no
hard rule (and agrees with its reported objective), 1 otherwise, 2 for invalid input. Invalid
input is reported one fault per line on standard error, never as a traceback. The engine and
the checker are imported only by the command that needs them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from typing import Optional, Sequence, TextIO

from solver.domain import FEASIBLE, OPTIMAL, Problem, Solution
from solver.parse import ProblemError, load_json, parse_problem, parse_solution

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

#: Relative tolerance for comparing a reported objective with the recomputed one.
OBJECTIVE_TOLERANCE = 1e-6


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2 (its default too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"{self.prog}: error: {message}\n")


def _positive_seconds(text: str) -> float:
    """``--time-limit``: a finite number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, not {text}")
    return value


def _non_negative_int(text: str) -> int:
    """``--workers`` and ``--seed``: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m solver`` argument parser with its two subcommands."""
    parser = _ArgumentParser(prog="python -m solver",
                             description="Volunteer schedule engine (schedule format v1).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_ArgumentParser)
    solve = commands.add_parser("solve", help="solve a problem document")
    solve.add_argument("problem", metavar="PROBLEM.json")
    solve.add_argument("-o", "--output", metavar="SOLUTION.json",
                       help="write the solution here (default: standard output)")
    solve.add_argument("--time-limit", type=_positive_seconds, default=30.0, metavar="SECONDS",
                       help="stop after this many seconds with the best solution (default 30)")
    solve.add_argument("--workers", type=_non_negative_int, default=0, metavar="N",
                       help="CP-SAT search workers; 0 = one per core (default)")
    solve.add_argument("--seed", type=_non_negative_int, default=0, metavar="N",
                       help="random seed; with --workers 1 the result is reproducible")
    solve.set_defaults(run=run_solve)
    check = commands.add_parser("check", help="check a solution against its problem")
    check.add_argument("problem", metavar="PROBLEM.json")
    check.add_argument("solution", metavar="SOLUTION.json")
    check.set_defaults(run=run_check)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ProblemError as error:
        _print_errors(error, sys.stderr)
        return EXIT_INVALID


def _print_errors(error: ProblemError, stream: TextIO) -> None:
    """One line per fault (a fault's text never spans lines)."""
    for line in error.errors:
        print(" ".join(line.split("\n")), file=stream)


def _load_problem(path: str) -> Problem:
    """Read and validate a problem file; faults name the file."""
    doc = load_json(path)
    try:
        return parse_problem(doc)
    except ProblemError as error:
        raise ProblemError(f"{path}: {line}" for line in error.errors) from None


def run_solve(args: argparse.Namespace) -> int:
    """``solve``: write the solution document; a one-line summary goes to standard error."""
    problem = _load_problem(args.problem)  # validated before the engine is even imported
    if args.output is not None:
        _check_writable(args.output)  # before a long solve, not after it
    from solver.engine import solve  # lazily: `check` must not need the model's code

    solution = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    text = json.dumps(solution.to_document(), ensure_ascii=False, indent=2, allow_nan=False)
    if args.output is None:
        _write_stdout_utf8(text + "\n")
    else:
        _write_atomically(args.output, text + "\n")
    print(_summary(solution), file=sys.stderr)
    for conflict in solution.conflicts:
        print(f"conflict: {conflict}", file=sys.stderr)
    return EXIT_OK if solution.status in (OPTIMAL, FEASIBLE) else EXIT_FAILED


def _write_stdout_utf8(text: str) -> None:
    """Write `text` to standard output as UTF-8, whatever the locale's encoding is."""
    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a replaced text-only stream
        sys.stdout.write(text)
    else:
        binary.write(text.encode("utf-8"))
        binary.flush()


def _check_writable(path: str) -> None:
    """Fail early when `path` cannot be written: its folder is missing or read-only."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ProblemError([f"{path}: cannot write: is a directory"])
    if not os.path.isdir(directory):
        raise ProblemError([f"{path}: cannot write: no folder {directory}"])
    if not os.access(directory, os.W_OK):
        raise ProblemError([f"{path}: cannot write: folder {directory} is read-only"])


def _write_atomically(path: str, text: str) -> None:
    """Write `text` to `path` via a temporary file, so a failure leaves no half file."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".solution-", suffix=".tmp")
    except OSError as exc:
        raise ProblemError([f"{path}: cannot write: {exc.strerror or exc}"]) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        os.unlink(temporary)
        raise ProblemError([f"{path}: cannot write: {exc.strerror or exc}"]) from None


def _summary(solution: Solution) -> str:
    """``status: objective X (bound Y), N unfilled places, T s``."""
    missing = sum(u.missing for u in solution.unfilled)
    parts = [f"status {solution.status}"]
    if solution.objective is not None:
        parts.append(f"objective {solution.objective:g}")
    if solution.bound is not None:
        parts.append(f"bound {solution.bound:g}")
    parts.append(f"{missing} unfilled place{'s' if missing != 1 else ''}")
    seconds = solution.stats.get("seconds")
    if isinstance(seconds, (int, float)):
        parts.append(f"{seconds:.2f} s")
    return ", ".join(parts)


def run_check(args: argparse.Namespace) -> int:
    """``check``: print every broken hard rule, then the recomputed objective and components."""
    problem = _load_problem(args.problem)
    doc = load_json(args.solution)
    try:
        solution = parse_solution(doc, problem)
    except ProblemError as error:
        raise ProblemError(f"{args.solution}: {line}" for line in error.errors) from None
    from solver.checker import check  # lazily, like the engine

    report = check(problem, solution.assignments)
    for violation in report.violations:
        print(f"violation: {violation}")
    mismatches = _mismatches(solution, report.objective, report.components)
    for mismatch in mismatches:
        print(f"mismatch: {mismatch}")
    print(f"objective: {report.objective:.6f}")
    for name, value in report.components.items():
        print(f"  {name}: {value:g}")
    verdict = "ok" if not report.violations and not mismatches else (
        f"{len(report.violations)} violation(s), {len(mismatches)} mismatch(es)")
    print(f"result: {verdict}")
    return EXIT_OK if verdict == "ok" else EXIT_FAILED


def _mismatches(solution: Solution, objective: float,
                components: dict[str, float]) -> list[str]:
    """Where the solution's reported objective or components differ from the recomputed ones."""
    found = []
    if solution.objective is not None and not _close(solution.objective, objective):
        found.append(f"reported objective {solution.objective:g}, recomputed {objective:g}")
    for name, reported in solution.components.items():
        if name in components and not _close(reported, components[name]):
            found.append(f"reported {name} {reported:g}, recomputed {components[name]:g}")
    return found


def _close(a: float, b: float) -> bool:
    """Equal within `OBJECTIVE_TOLERANCE` relative (absolute near zero)."""
    return math.isclose(a, b, rel_tol=OBJECTIVE_TOLERANCE, abs_tol=OBJECTIVE_TOLERANCE)
