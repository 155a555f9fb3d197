"""One CP-SAT search: a built model, its parameters, a progress callback, and the outcome.

`run_search` solves one `ScheduleModel` (a whole problem or one part of it, see
`solver.decompose`) and returns the best schedule it found, the model's bound in document
units and CP-SAT's statistics. `configure` holds the engine's CP-SAT parameters.
"""

from __future__ import annotations

import math
import os
import threading
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

#: A proving search (both workers on the whole model) whose bound is still further than this
#: share of its objective below it, once `PROOF_PROBE_SHARE` of its time (and at least
#: `MIN_PROBE_SECONDS`) has passed, gives up the proof and searches on for better schedules
#: with CP-SAT's neighbourhood workers. Curtois 9 (2,912 triples, a valid greedy schedule):
#: after 15 s of 60 the proving search holds 2,470 against a bound of 181, and ends at
#: 754-1,069; the same model from the same hint with the neighbourhood workers reaches
#: 448-472. Our community weeks are within 6-12% of their bound by the probe.
PROOF_HOPELESS_GAP = 0.5
PROOF_PROBE_SHARE = 0.25
MIN_PROBE_SECONDS = 4.0
#: The probe looks at the gap this often, and gives up only with this much time left.
PROBE_EVERY_SECONDS = 0.25
MIN_SWITCH_SECONDS = 1.0

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


def proves(*, workers: int, triples: int, feasible_hint: bool) -> bool:
    """Whether a search puts every worker on the whole model (`PROVE_TRIPLES`)."""
    threads = workers or os.cpu_count() or 1
    return workers != 1 and threads <= 2 and triples <= PROVE_TRIPLES and feasible_hint


def configure(params: "cp_model.SatParameters", *, time_limit: float, workers: int, seed: int,
              triples: int = 0, feasible_hint: bool = False, light_presolve: bool = False,
              first_only: bool = False) -> None:
    """CP-SAT parameters of a search of a model with `triples` candidate triples.

    The cover constraints of roles that need one person become clauses in presolve, and
    CP-SAT's default LP worker leaves clauses out of its relaxation, which costs half the
    bound on fairness-heavy weeks. So the first full worker is `max_lp` (every constraint in
    the LP), or, with one worker, linearization level 2. `proves` says when the second
    worker searches the whole model too.
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
    if proves(workers=workers, triples=triples, feasible_hint=feasible_hint):
        params.num_full_subsolvers = workers or os.cpu_count() or 1


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, model: ScheduleModel, started: float, on_solution: Optional[OnSolution]) -> None:
        super().__init__()
        self.model = model
        self.started = started
        self.on_solution = on_solution
        self.first_seconds: Optional[float] = None
        #: The latest solution's objective and the best bound seen (model units).
        self.objective = math.inf
        self.bound = -math.inf

    def on_bound(self, bound: float) -> None:
        """CP-SAT's best bound callback."""
        self.bound = max(self.bound, bound)

    def hopeless(self) -> bool:
        """Whether the proof of the latest solution is out of reach (`proof_out_of_reach`)."""
        return proof_out_of_reach(self.objective, self.bound)

    def on_solution_callback(self) -> None:
        if self.first_seconds is None:
            self.first_seconds = time.perf_counter() - self.started
        self.objective = self.objective_value
        self.bound = max(self.bound, self.best_objective_bound)
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


def proof_out_of_reach(objective: float, bound: float) -> bool:
    """Whether `bound` lies further below `objective` than `PROOF_HOPELESS_GAP` of the larger
    of their sizes (False while either is unknown, i.e. infinite)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return False
    return objective - bound > PROOF_HOPELESS_GAP * max(abs(objective), abs(bound), 1.0)


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
    that both workers may search the whole model (`configure`); such a search whose proof
    is out of reach (`PROOF_HOPELESS_GAP`) goes on from its best schedule with CP-SAT's
    neighbourhood workers. `light_presolve` skips CP-SAT's costlier presolve steps, for the
    many short searches of `solver.lns`; `first_only` stops at the first schedule found.
    """
    deadline = time.perf_counter() + time_limit
    proving = proves(workers=workers, triples=len(model.x), feasible_hint=feasible_hint) and not first_only
    first = _search_once(model, time_limit=time_limit, workers=workers, seed=seed, started=started,
                         on_solution=on_solution, feasible_hint=feasible_hint,
                         light_presolve=light_presolve, first_only=first_only,
                         probe_at=max(MIN_PROBE_SECONDS, PROOF_PROBE_SHARE * time_limit) if proving else None)
    left = deadline - time.perf_counter()
    if not first.stats.get("proof_abandoned") or left < MIN_SWITCH_SECONDS:
        return first
    if first.assignments is not None:
        model.add_hint(first.assignments)
    second = _search_once(model, time_limit=left, workers=workers, seed=seed, started=started,
                          on_solution=on_solution, feasible_hint=False, light_presolve=light_presolve)
    return _combined(first, second)


def _combined(first: SearchOutcome, second: SearchOutcome) -> SearchOutcome:
    """The outcome of a proving search cut short (`first`) and of the search after it."""
    better = second if second.assignments is not None else first
    bounds = [b for b in (first.bound, second.bound) if b is not None]
    stats = dict(second.stats, proof_abandoned=first.stats["proof_abandoned"],
                 proving=dict(first.stats), branches=first.stats["branches"] + second.stats["branches"],
                 conflicts=first.stats["conflicts"] + second.stats["conflicts"],
                 deterministic_time=round(first.stats["deterministic_time"] + second.stats["deterministic_time"], 3))
    return SearchOutcome(second.status if second.assignments is not None or second.infeasible else first.status,
                         better.assignments, max(bounds) if bounds else None, first.first_seconds,
                         stats, better.penalties)


def _search_once(model: ScheduleModel, *, time_limit: float, workers: int, seed: int, started: float,
                 on_solution: Optional[OnSolution], feasible_hint: bool, light_presolve: bool,
                 first_only: bool = False, probe_at: Optional[float] = None) -> SearchOutcome:
    """One CP-SAT solve of `model`; from `probe_at` seconds on, it stops itself once its
    proof is out of reach (``stats["proof_abandoned"]``: the seconds when it did)."""
    solver = cp_model.CpSolver()
    configure(solver.parameters, time_limit=time_limit, workers=workers, seed=seed,
              triples=len(model.x), feasible_hint=feasible_hint, light_presolve=light_presolve,
              first_only=first_only)
    callback = _Callback(model, started, on_solution)
    abandoned: list[float] = []
    done = threading.Event()
    probe = None
    if probe_at is not None:
        solver.best_bound_callback = callback.on_bound
        probe_until = time.perf_counter() + time_limit - MIN_SWITCH_SECONDS

        def watch() -> None:
            if done.wait(probe_at):
                return
            while time.perf_counter() < probe_until:
                if callback.hopeless():
                    abandoned.append(round(time.perf_counter() - started, 3))
                    solver.stop_search()
                    return
                if done.wait(PROBE_EVERY_SECONDS):
                    return

        probe = threading.Thread(target=watch, name="proof-probe", daemon=True)
        probe.start()
    try:
        status = solver.solve(model.cp, callback)
    finally:
        done.set()
        if probe is not None:
            probe.join()
    stats: dict[str, object] = {"cp_sat_status": solver.status_name(status),
                                "branches": solver.num_branches, "conflicts": solver.num_conflicts,
                                "deterministic_time": round(solver.deterministic_time, 3)}
    if abandoned:
        stats["proof_abandoned"] = abandoned[0]
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
