"""Running the engine for a benchmark: in a child process, timed, and checked independently.

`solve_measured` parses and solves a document in a fresh process (so the peak memory is the
solve's own), records when the first solution arrived, and `verify` re-checks the result with
the independent checker (`solver.checker.check`): hard-rule violations and whether the
engine's reported objective equals the recomputed one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional

from solver.checker import check
from solver.domain import Assignment, Problem

from bench.stats import ChildError, Stopwatch, run_measured

#: Keys under which an engine's `Solution.stats` may report its model size.
VARIABLE_KEYS = ("variables", "num_variables", "booleans", "num_booleans")


@dataclass(frozen=True)
class EngineOutcome:
    """One engine run, as seen from outside: everything a table row needs."""

    status: str
    objective: Optional[float]
    bound: Optional[float]
    components: dict[str, float]
    assignments: tuple[Assignment, ...]
    seconds: float  # wall clock of parse + solve, in the child
    first_seconds: Optional[float]  # wall clock from the start until the first solution
    peak_rss: int = 0  # bytes, of the child process
    cpu_seconds: float = 0.0  # of the child process (about workers x seconds on idle cores)
    variables: Optional[int] = None  # as reported by the engine, if it does
    stats: dict = field(default_factory=dict)
    error: Optional[str] = None  # a crash or a timeout of the child, with its message

    @property
    def unfilled(self) -> Optional[float]:
        """Places left below `need`, in persons (engine's own count)."""
        return self.components.get("unfilled") if self.components else None


@dataclass(frozen=True)
class Verification:
    """The independent checker's view of an engine result."""

    violations: list[str]
    objective: float
    unfilled: float
    objective_agrees: bool


def solve_document(doc: dict, time_limit: float, workers: int, seed: int) -> EngineOutcome:
    """Parse `doc` and solve it with `solver.engine.solve`; meant to run in a child process."""
    from solver.engine import solve
    from solver.parse import parse_problem

    watch = Stopwatch()
    first: list[float] = []

    def on_progress(objective: float, bound: Optional[float], seconds: float) -> None:
        if not first:
            first.append(watch.seconds)

    problem = parse_problem(doc)
    solution = solve(problem, time_limit=time_limit, workers=workers, seed=seed, on_progress=on_progress)
    seconds = watch.seconds
    first_seconds = first[0] if first else (seconds if solution.assignments or solution.objective is not None
                                            else None)
    stats = {k: v for k, v in dict(solution.stats).items() if isinstance(v, (int, float, str, bool))}
    stats.update(_part_statuses(solution.stats))
    variables = next((int(stats[k]) for k in VARIABLE_KEYS if isinstance(stats.get(k), (int, float))), None)
    return EngineOutcome(
        status=solution.status, objective=solution.objective, bound=solution.bound,
        components=dict(solution.components), assignments=tuple(solution.assignments),
        seconds=seconds, first_seconds=first_seconds, variables=variables, stats=stats,
    )


def _part_statuses(stats: object) -> dict[str, str]:
    """``{"part_statuses": "OPTIMAL 15, FEASIBLE 5"}`` when the engine reports per-part CP-SAT
    statistics (a list under ``cp_sat``), else nothing."""
    parts = stats.get("cp_sat") if isinstance(stats, Mapping) else None
    if not isinstance(parts, list):
        return {}
    counts: dict[str, int] = {}
    for part in parts:
        status = str(part.get("cp_sat_status", "?")) if isinstance(part, Mapping) else "?"
        counts[status] = counts.get(status, 0) + 1
    return {"part_statuses": ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))}


def solve_measured(doc: dict, *, time_limit: float, workers: int = 2, seed: int = 0,
                   grace: float = 60.0) -> EngineOutcome:
    """`solve_document` in a spawned child, with its peak RSS; a crash or hang becomes `error`.

    The child is killed when it has not answered `grace` seconds after the time limit
    (building the model and writing the answer take time too, but not that much).
    """
    try:
        measured = run_measured(solve_document, doc, time_limit, workers, seed,
                                timeout=time_limit * 1.5 + grace)
    except (ChildError, TimeoutError) as exc:
        status = "timeout" if isinstance(exc, TimeoutError) else "crash"
        return EngineOutcome(status, None, None, {}, (), 0.0, None, error=str(exc))
    outcome: EngineOutcome = measured.value
    return replace(outcome, peak_rss=measured.peak_rss, cpu_seconds=measured.cpu_seconds)


def verify(problem: Problem, outcome: EngineOutcome) -> Verification:
    """Re-check `outcome` with the independent checker."""
    report = check(problem, outcome.assignments)
    agrees = (outcome.objective is not None
              and math.isclose(outcome.objective, report.objective, rel_tol=1e-6, abs_tol=1e-6))
    return Verification(report.violations, report.objective,
                        report.components.get("unfilled", 0.0), agrees)


def unfilled_only(doc: dict) -> dict:
    """`doc` with every objective weight 0 except `unfilled`: its optimum is the fewest
    unfilled places the hard rules allow (the generator sets no per-role `under_weight`)."""
    variant = copy.deepcopy(doc)
    variant["weights"] = {"unfilled": 1, "overfilled": 0, "preference": 0, "fairness": 0,
                          "continuity": 0, "change": 0}
    for shift in variant["shifts"]:
        for role in shift["roles"]:
            role.pop("under_weight", None)
            role.pop("over_weight", None)
    return variant


def pairs(assignments: Iterable[Assignment]) -> set[tuple[str, str]]:
    """(volunteer, shift) pairs, the unit in which the spec counts changes."""
    return {(a.volunteer, a.shift) for a in assignments}
