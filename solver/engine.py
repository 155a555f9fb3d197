"""`solve`: the engine's front door, from a `Problem` to a `Solution` (SOLVER_API.md).

1. Candidate triples (`solver.eligibility`); a fixed entry that no candidate can carry is
   reported as a conflict at once.
2. A greedy fill (`solver.greedy`); when it keeps every hard rule it is CP-SAT's complete
   hint, the first reported solution and the fallback if CP-SAT finds nothing better in time.
3. The CP-SAT model (`solver.model`), solved with a progress callback.
4. The answer: the exact objective of the best schedule (`solver.evaluate`), the model's
   bound in document units, explanations of the unfilled roles (`solver.explain`) and, when
   the hard rules cannot all hold, the conflicts (`solver.conflicts`).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Callable, Optional, Sequence

from ortools.sat.python import cp_model

from solver.conflicts import explain_infeasible, static_conflicts
from solver.domain import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN, Assignment, Problem, Solution, UnfilledRole
from solver.eligibility import compute_eligibility
from solver.evaluate import evaluate
from solver.explain import explain_unfilled
from solver.greedy import greedy_fill
from solver.model import ScheduleModel, build_model

log = logging.getLogger(__name__)

Progress = Callable[[float, Optional[float], float], None]

#: Relative tolerance when comparing objectives (SOLVER_API.md).
TOLERANCE = 1e-6
#: CP-SAT's full-problem workers, best first (as many are used as there are workers left).
FULL_SUBSOLVERS = ("max_lp", "default_lp", "core", "quick_restart", "reduced_costs",
                   "pseudo_costs", "no_lp", "lb_tree_search", "quick_restart_no_lp", "fixed")


class _ProgressReporter(cp_model.CpSolverSolutionCallback):
    """Calls `on_progress(objective, bound, seconds)` on each improving CP-SAT solution."""

    def __init__(self, model: ScheduleModel, started: float, report: "_Reports") -> None:
        super().__init__()
        self.model = model
        self.started = started
        self.report = report
        self.first_seconds: Optional[float] = None

    def on_solution_callback(self) -> None:
        seconds = time.perf_counter() - self.started
        if self.first_seconds is None:
            self.first_seconds = seconds
        scale = self.model.scale
        objective = scale.to_document(self.objective_value)
        bound = _bound(scale.to_document(self.best_objective_bound), scale.error)
        self.report(objective, bound, seconds)


class _Reports:
    """Forwards strictly improving objectives to the caller's callback, never raising."""

    def __init__(self, on_progress: Optional[Progress]) -> None:
        self.on_progress = on_progress
        self.best = math.inf

    def __call__(self, objective: float, bound: Optional[float], seconds: float) -> None:
        if self.on_progress is None or objective >= self.best - TOLERANCE * max(1.0, abs(self.best)):
            return
        self.best = objective
        if bound is not None:
            bound = min(bound, objective)
        try:
            self.on_progress(objective, bound, seconds)
        except Exception:  # a broken progress bar must not break the solve
            log.exception("on_progress callback failed; no more progress reports")
            self.on_progress = None


def solve(problem: Problem, *, time_limit: float = 30.0, workers: int = 0, seed: int = 0,
          on_progress: Optional[Progress] = None) -> Solution:
    """Solve `problem` within about `time_limit` seconds and return the best schedule found.

    `workers` is CP-SAT's number of search workers (0: one per core); with `workers=1` and
    the same `seed` the result is reproducible (as long as the search ends before the time
    limit). `on_progress(objective, bound, seconds)` is called on every improving solution;
    `bound` is a proven lower bound in document units or ``None``.
    """
    started = time.perf_counter()
    try:
        return _solve(problem, time_limit, workers, seed, _Reports(on_progress), started)
    except Exception as exc:  # never raise on a valid problem: report what happened instead
        log.exception("solve failed on %r", problem.name)
        return Solution(UNKNOWN, None, None, {}, (), stats={
            "seconds": round(time.perf_counter() - started, 3), "error": f"{type(exc).__name__}: {exc}"})


def _solve(problem: Problem, time_limit: float, workers: int, seed: int, report: _Reports,
           started: float) -> Solution:
    elig = compute_eligibility(problem)
    stats: dict[str, object] = {"triples": elig.num_triples}
    clash = static_conflicts(problem, elig)
    if clash:
        stats["seconds"] = round(time.perf_counter() - started, 3)
        return Solution(INFEASIBLE, None, None, {}, (), conflicts=tuple(clash), stats=stats)

    greedy = greedy_fill(problem, elig)
    greedy_eval = evaluate(problem, greedy.assignments) if greedy.valid else None
    stats["greedy_seconds"] = round(time.perf_counter() - started, 3)
    stats["greedy_objective"] = greedy_eval.objective if greedy_eval else None
    first_seconds: Optional[float] = None
    if greedy_eval is not None:
        first_seconds = time.perf_counter() - started
        report(greedy_eval.objective, None, first_seconds)

    model = build_model(problem, elig)
    hinted = model.add_hint(greedy.assignments) and greedy.valid
    stats.update({"variables": len(model.cp.proto.variables),
                  "constraints": len(model.cp.proto.constraints),
                  "assignment_variables": len(model.x),
                  "objective_scale": model.scale.factor,
                  "hint": "feasible" if hinted else "partial",
                  "model_seconds": round(time.perf_counter() - started, 3)})

    solver = cp_model.CpSolver()
    configure(solver.parameters, time_limit=time_limit - (time.perf_counter() - started),
              workers=workers, seed=seed)
    reporter = _ProgressReporter(model, started, report)
    status = solver.solve(model.cp, reporter)
    stats.update({"cp_sat_status": solver.status_name(status),
                  "cp_sat_first_solution_seconds": _round(reporter.first_seconds),
                  "branches": solver.num_branches, "conflicts": solver.num_conflicts})

    if status == cp_model.INFEASIBLE:
        left = time_limit - (time.perf_counter() - started)
        conflicts = explain_infeasible(problem, elig, time_limit=max(1.0, left), seed=seed)
        stats["seconds"] = round(time.perf_counter() - started, 3)
        return Solution(INFEASIBLE, None, None, {}, (), conflicts=tuple(conflicts), stats=stats)

    assignments: Optional[list[Assignment]] = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignments = model.assignments_from(_reader(solver))
        first_seconds = first_seconds if first_seconds is not None else reporter.first_seconds
        stats["first_solution_source"] = "greedy" if greedy_eval else "cp-sat"
    elif greedy_eval is not None:
        assignments = list(greedy.assignments)
        stats["first_solution_source"] = "greedy"
    stats["first_solution_seconds"] = _round(first_seconds)

    if assignments is None:
        stats["seconds"] = round(time.perf_counter() - started, 3)
        if status == cp_model.MODEL_INVALID:
            stats["error"] = model.cp.validate()
            log.error("CP-SAT rejected the model: %s", stats["error"])
        return Solution(UNKNOWN, None, None, {}, (), stats=stats)

    result = evaluate(problem, assignments)
    if greedy_eval is not None and greedy_eval.objective < result.objective:
        assignments, result = list(greedy.assignments), greedy_eval  # CP-SAT had not caught up
    bound: Optional[float] = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = _bound(model.scale.to_document(solver.best_objective_bound), model.scale.error)
    if bound is not None:
        bound = min(bound, result.objective)
    proven = bound is not None and result.objective - bound <= TOLERANCE * max(1.0, abs(result.objective))
    report(result.objective, bound, time.perf_counter() - started)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return Solution(
        status=OPTIMAL if proven else FEASIBLE,
        objective=result.objective,
        bound=bound,
        components=dict(result.components),
        assignments=tuple(assignments),
        unfilled=_unfilled(problem, assignments),
        stats=stats,
    )


def configure(params: "cp_model.SatParameters", *, time_limit: float, workers: int, seed: int) -> None:
    """CP-SAT parameters of the main solve.

    The cover constraints of roles that need one person become clauses in presolve, and
    CP-SAT's default LP worker leaves clauses out of its relaxation, which costs half the
    bound on fairness-heavy weeks. So the first full worker is `max_lp` (every constraint in
    the LP), or, with one worker, linearization level 2.
    """
    params.max_time_in_seconds = max(0.1, time_limit)
    params.num_workers = max(0, workers)
    params.random_seed = seed
    if workers == 1:
        params.linearization_level = 2
    else:
        params.subsolvers.extend(FULL_SUBSOLVERS)


def _reader(solver: cp_model.CpSolver) -> Callable[[Sequence[cp_model.IntVar]], list[bool]]:
    """A vectorised reader of the Boolean values of the best solution."""
    values = solver.response_proto.solution

    def read(variables: Sequence[cp_model.IntVar]) -> list[bool]:
        return [bool(values[var.index]) for var in variables]

    return read


def _bound(value: float, error: float) -> Optional[float]:
    """A model bound in document units, lowered by the scaling error; None if not finite."""
    if not math.isfinite(value):
        return None
    return value - error


def _round(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds, 3)


def _unfilled(problem: Problem, assignments: Sequence[Assignment]) -> tuple[UnfilledRole, ...]:
    """The short roles with their explanations (`solver.explain`; bare counts if that fails)."""
    try:
        return explain_unfilled(problem, assignments)
    except Exception:
        log.exception("explain_unfilled failed; reporting the unfilled roles without reasons")
    people: dict[tuple[str, str], int] = {}
    for a in assignments:
        people[(a.shift, a.role or "")] = people.get((a.shift, a.role or ""), 0) + 1
    return tuple(UnfilledRole(s.id, r.name, r.need - people.get((s.id, r.name), 0))
                 for s in problem.shifts for r in s.roles if people.get((s.id, r.name), 0) < r.need)
