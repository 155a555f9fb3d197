"""One CP-SAT search: a built model, its parameters, a progress callback, and the outcome.

`run_search` solves one `ScheduleModel` (a whole problem or one part of it, see
`solver.decompose`) and returns the best schedule it found, the model's bound in document
units and CP-SAT's statistics. `configure` holds the engine's CP-SAT parameters.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from ortools.sat.python import cp_model

from solver.domain import Assignment
from solver.model import ScheduleModel

#: CP-SAT's full-problem workers, best first (as many are used as there are workers left).
FULL_SUBSOLVERS = ("max_lp", "lb_tree_search", "default_lp", "core", "quick_restart",
                   "reduced_costs", "pseudo_costs", "no_lp", "quick_restart_no_lp", "fixed")
#: Up to this many candidate triples, and with a feasible hint, two workers both search the
#: whole model (max_lp and lb_tree_search: proofs in about half the time on our weeks).
#: Otherwise the second one runs CP-SAT's first-solution and large neighbourhood searches,
#: which find good schedules in big models and feasible ones in tight rosters.
PROVE_TRIPLES = 4000

#: Called with (model objective, model bound) in document units and the places below
#: ``need`` on each CP-SAT solution.
OnSolution = Callable[[float, Optional[float], int], None]


@dataclass
class SearchOutcome:
    """What one CP-SAT search found."""

    status: int
    assignments: Optional[list[Assignment]]
    bound: Optional[float]
    first_seconds: Optional[float] = None
    stats: dict[str, object] = field(default_factory=dict)
    #: Non-zero named penalties of the schedule (``unfilled[s042/instructor]``: 1), fairness aside.
    penalties: dict[str, int] = field(default_factory=dict)

    @property
    def infeasible(self) -> bool:
        """CP-SAT proved that no schedule keeps the hard rules."""
        return self.status == cp_model.INFEASIBLE


def configure(params: "cp_model.SatParameters", *, time_limit: float, workers: int, seed: int,
              triples: int = 0, feasible_hint: bool = False, light_presolve: bool = False,
              first_only: bool = False) -> None:
    """CP-SAT parameters of a search of a model with `triples` candidate triples.

    The cover constraints of roles that need one person become clauses in presolve, and
    CP-SAT's default LP worker leaves clauses out of its relaxation, which costs half the
    bound on fairness-heavy weeks. So the first full worker is `max_lp` (every constraint in
    the LP), or, with one worker, linearization level 2.
    """
    params.max_time_in_seconds = max(0.05, time_limit)
    params.num_workers = max(0, workers)
    params.random_seed = seed
    if light_presolve:
        # Symmetry detection and probing took most of a second-long search of one person's
        # year (Curtois 24: search starts at 1.0 s instead of 1.85 s).
        params.symmetry_level = 0
        params.cp_model_probing_level = 0
    if first_only:
        params.stop_after_first_solution = True
    if workers == 1:
        params.linearization_level = 2
        return
    params.subsolvers.extend(FULL_SUBSOLVERS)
    threads = workers or os.cpu_count() or 1
    if threads <= 2 and triples <= PROVE_TRIPLES and feasible_hint:
        params.num_full_subsolvers = threads


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, model: ScheduleModel, started: float, on_solution: Optional[OnSolution]) -> None:
        super().__init__()
        self.model = model
        self.started = started
        self.on_solution = on_solution
        self.first_seconds: Optional[float] = None

    def on_solution_callback(self) -> None:
        if self.first_seconds is None:
            self.first_seconds = time.perf_counter() - self.started
        if self.on_solution is not None:
            scale = self.model.scale
            bound = document_bound(self.model, self.best_objective_bound)
            self.on_solution(scale.to_document(self.objective_value), bound, self._short_places())

    def _short_places(self) -> int:
        """Places below ``need`` in the current solution."""
        total = 0
        for s, shift in enumerate(self.model.problem.shifts):
            for r, role in enumerate(shift.roles):
                if role.need:
                    people = sum(self.boolean_value(x) for x in self.model.role_vars(s, r))
                    total += max(0, role.need - people)
        return total


def document_bound(model: ScheduleModel, value: float) -> Optional[float]:
    """A model bound in document units, lowered by the scaling error; None if not finite."""
    if not math.isfinite(value):
        return None
    return model.scale.to_document(value) - model.scale.error


def run_search(model: ScheduleModel, *, time_limit: float, workers: int, seed: int,
               started: float, on_solution: Optional[OnSolution] = None,
               feasible_hint: bool = False, light_presolve: bool = False,
               first_only: bool = False) -> SearchOutcome:
    """Solve `model`; `started` is the perf_counter origin of the reported seconds.

    `feasible_hint` says that the model's hint is a complete schedule keeping every rule and
    that both workers may search the whole model (`configure`). `light_presolve` skips
    CP-SAT's costlier presolve steps, for the many short searches of `solver.lns`;
    `first_only` stops at the first schedule found.
    """
    solver = cp_model.CpSolver()
    configure(solver.parameters, time_limit=time_limit, workers=workers, seed=seed,
              triples=len(model.x), feasible_hint=feasible_hint, light_presolve=light_presolve,
              first_only=first_only)
    callback = _Callback(model, started, on_solution)
    status = solver.solve(model.cp, callback)
    stats: dict[str, object] = {"cp_sat_status": solver.status_name(status),
                                "branches": solver.num_branches, "conflicts": solver.num_conflicts,
                                "deterministic_time": round(solver.deterministic_time, 3)}
    if status == cp_model.MODEL_INVALID:
        stats["error"] = model.cp.validate()
    assignments = None
    bound = None
    penalties: dict[str, int] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = solver.response_proto.solution
        assignments = model.assignments_from(lambda vs: [bool(values[v.index]) for v in vs])
        bound = document_bound(model, solver.best_objective_bound)
        penalties = {name: int(values[var.index]) for name, var in model.penalties.items()
                     if not name.startswith("fairness[") and values[var.index]}
    return SearchOutcome(status, assignments, bound, callback.first_seconds, stats, penalties)
