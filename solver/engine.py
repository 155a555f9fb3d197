"""`solve`: the engine's front door, from a `Problem` to a `Solution` (SOLVER_API.md).

1. Candidate triples (`solver.eligibility`); a fixed entry that no candidate can carry is
   reported as a conflict at once.
2. Independent parts (`solver.decompose`): communities that share no volunteer are solved
   one after the other, smallest first, each with a share of the time proportional to its
   size (time a part does not need goes to the next ones).
3. Per part, a greedy fill (`solver.greedy`); when every part's fill keeps the hard rules,
   their union is the first reported solution, and each is its part's complete CP-SAT hint
   and fallback. A part whose fill breaks rules (a tight roster) is repaired and improved
   by a large-neighbourhood search (`solver.lns`) first, so that CP-SAT starts from a
   good, complete schedule there too; a huge one is improved by that search alone.
4. Per part, the CP-SAT model (`solver.model`) searched with a progress callback
   (`solver.search`).
5. The answer: the exact objective of the best schedule (`solver.evaluate`), the sum of the
   parts' bounds, explanations of the unfilled roles (`solver.explain`) and, when the hard
   rules cannot all hold, the conflicts (`solver.conflicts`).
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from ortools.sat.python import cp_model

from solver.conflicts import explain_infeasible, static_conflicts
from solver.decompose import Part, decompose
from solver.domain import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN, Assignment, Problem, Solution, UnfilledRole
from solver.eligibility import Eligibility, compute_eligibility
from solver.evaluate import evaluate, people_per_role
from solver.explain import explain_unfilled
from solver.greedy import GreedyResult, greedy_fill
from solver.lns import BIG_MOVES, SMALL_MOVES, improve, repair
from solver.model import ScheduleModel, build_model
from solver.search import SearchOutcome, run_search

log = logging.getLogger(__name__)

#: ``on_progress(objective, bound, seconds)``, or with a keyword parameter ``unfilled`` too.
Progress = Callable[..., None]

#: Relative tolerance when comparing objectives (SOLVER_API.md).
TOLERANCE = 1e-6
#: How many of the model's named penalties the stats list.
MAX_PENALTIES_IN_STATS = 200
#: Share of the time limit for the greedy fills (each part its share, at least the minimum).
#: A greedy fill that keeps the rules ends long before (community weeks of 33,000 triples:
#: 0.5 s); one that runs into its deadline is a tight roster whose fill breaks rules, and
#: its later rounds do not give the repair a better start: Curtois 17 repaired to 13,342
#: after 0.5 s of greedy and 15,115 after 5.6 s, 19 to 17,387 after 1.3 s and 18,429 after
#: 6.1 s (13: 9,252 against 7,953, a difference that 5 s of neighbourhood search make up).
GREEDY_SHARE = 0.02
MIN_GREEDY_SECONDS = 1.0
#: Time kept for `explain_unfilled` after the search: per short role, and at most this share.
EXPLAIN_SECONDS_PER_ROLE = 0.08
EXPLAIN_SHARE = 0.15
#: Shares of a part's time for repairing a greedy schedule that breaks rules, and for the
#: large-neighbourhood search before CP-SAT's (which stops earlier after `LNS_PATIENCE`
#: moves in a row without a better schedule).
REPAIR_SHARE = 0.9
LNS_SHARE = 0.75
LNS_PATIENCE = 30
#: A repaired part above this many candidate triples keeps the neighbourhood search for
#: `LNS_LONG_SHARE` of its time: there CP-SAT's whole-model search gains little in the time
#: left (Curtois 13, 40,000 triples: 7,081 -> 7,066 in its last 17 s), while the
#: neighbourhoods still improve nearly every move. 60 s, seeds 0 / 1 / 2, benchmark terms:
#: 12 (10,452 triples) 6,097 / 5,644 / 5,784 -> 5,196 / 5,495 (seeds 1, 2); 13 7,066 /
#: 8,181 / 7,806 -> 5,367 / 7,058 / 6,331; 15 (6,726) 6,429 -> 6,222 and 19 (9,728) 7,069 ->
#: 5,527 (seed 1). Smaller ones keep `LNS_SHARE`, where CP-SAT's whole-model search pays:
#: 8 (2,158) 1,922 / 2,031 -> 1,751 / 1,966, 14 (3,572) 1,792 / 1,582 -> 1,589 / 1,678,
#: 16 (2,250) 3,649 / 3,650 -> 3,650 / 4,153 (seeds 1, 2). Since the greedy fill's share
#: shrank, 17 (5,304) gains from the longer search too: seeds 0 / 1, 6,509 / 6,514 ->
#: 6,299 / 6,006, while 14 gives 1,405 / 1,313 -> 1,419 / 1,444 and 16 3,459 / 3,443 ->
#: 3,545 / 3,437.
LNS_LONG_TRIPLES = 4000
LNS_LONG_SHARE = 0.95
#: A repaired part of up to this many candidate triples goes to CP-SAT's search at once
#: (Curtois 3-7, 600-1,250 triples, proven or within 0.4% there); bigger ones get the
#: neighbourhood search first (Curtois 14, 3,600: 1,421 and 1,641 against 1,692 and 1,944).
LNS_MIN_TRIPLES = 1500
#: Above this many candidate triples a repaired part leaves the whole model out, and its
#: neighbourhood search keeps the part's whole time, in big neighbourhoods
#: (`solver.lns.BIG_MOVES`): on Curtois 23 (333,000 triples) building and searching the
#: whole model took its last 110 s for 0.1%, and on 24 (1.04 million) found nothing,
#: while each neighbourhood was still gaining more.
LNS_ONLY_TRIPLES = 250_000
#: A part still open after every part had its turn searches again only with this much time.
MIN_RESUME_SECONDS = 1.0


class _Reports:
    """Forwards strictly improving objectives to the caller's callback, never raising.

    A callback that declares a keyword parameter ``unfilled`` also gets the schedule's
    places below ``need``, so that a progress bar can show them while the search runs.
    """

    def __init__(self, on_progress: Optional[Progress], started: float) -> None:
        self.on_progress = on_progress
        self.started = started
        self.best = math.inf
        self.with_unfilled = on_progress is not None and _takes_keyword(on_progress, "unfilled")

    def __call__(self, objective: float, bound: Optional[float], unfilled: int) -> None:
        if self.on_progress is None or objective >= self.best - TOLERANCE * max(1.0, abs(self.best)):
            return
        self.best = objective
        if bound is not None:
            bound = min(bound, objective)
        extra = {"unfilled": unfilled} if self.with_unfilled else {}
        try:
            self.on_progress(objective, bound, time.perf_counter() - self.started, **extra)
        except Exception:  # a broken progress bar must not break the solve
            log.exception("on_progress callback failed; no more progress reports")
            self.on_progress = None


def _takes_keyword(fn: Callable[..., None], name: str) -> bool:
    """Whether `fn` accepts a keyword argument `name` (by name or through ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is p.VAR_KEYWORD or (p.name == name and p.kind is not p.POSITIONAL_ONLY)
               for p in params)


@dataclass
class _PartState:
    """One part's best schedule so far, its value and bound (document units)."""

    part: Part
    elig: Eligibility
    greedy: GreedyResult
    best: Optional[list[Assignment]] = None
    value: Optional[float] = None
    #: Places below ``need`` in `best`.
    unfilled: int = 0
    bound: Optional[float] = None
    stats: dict[str, object] = field(default_factory=dict)
    #: The model's named penalties of `best`, when it is CP-SAT's schedule.
    penalties: dict[str, int] = field(default_factory=dict)
    #: The part's model, kept while the part is short of a proof (to search it again).
    model: Optional[ScheduleModel] = None
    #: Whether CP-SAT searches the whole model (not for a huge repaired part, `LNS_ONLY_TRIPLES`).
    whole_model: bool = True


def solve(problem: Problem, *, time_limit: float = 30.0, workers: int = 0, seed: int = 0,
          on_progress: Optional[Progress] = None) -> Solution:
    """Solve `problem` within about `time_limit` seconds and return the best schedule found.

    `workers` is CP-SAT's number of search workers (0: one per core); with `workers=1` and
    the same `seed` the result is reproducible (as long as the search ends before the time
    limit). `on_progress(objective, bound, seconds)` is called on every improving solution;
    `bound` is a proven lower bound in document units or ``None``. If `on_progress` takes a
    keyword parameter ``unfilled``, it gets the places below ``need`` too.
    """
    started = time.perf_counter()
    try:
        return _solve(problem, time_limit, workers, seed, _Reports(on_progress, started), started)
    except Exception as exc:  # never raise on a valid problem: report what happened instead
        log.exception("solve failed on %r", problem.name)
        return Solution(UNKNOWN, None, None, {}, (), stats={
            "seconds": round(time.perf_counter() - started, 3), "error": f"{type(exc).__name__}: {exc}"})


def _solve(problem: Problem, time_limit: float, workers: int, seed: int, report: _Reports,
           started: float) -> Solution:
    def elapsed() -> float:
        return time.perf_counter() - started

    elig = compute_eligibility(problem)
    stats: dict[str, object] = {"triples": elig.num_triples}
    clash = static_conflicts(problem, elig)
    if clash:
        stats["seconds"] = round(elapsed(), 3)
        return Solution(INFEASIBLE, None, None, {}, (), conflicts=tuple(clash), stats=stats)

    split = decompose(problem, elig)
    count_changes = bool(problem.previous)
    all_triples = max(1, elig.num_triples)
    states = [_greedy_part(part, elig if part.problem is problem else None, count_changes,
                           seconds=max(MIN_GREEDY_SECONDS, GREEDY_SHARE * time_limit * part.triples / all_triples))
              for part in split.parts]
    stats.update(parts=len(states), greedy_seconds=round(elapsed(), 3))
    first_seconds: Optional[float] = None
    if all(s.value is not None for s in states):
        first_seconds = elapsed()
        stats["first_solution_source"] = "greedy"
        report(_total(states, split.constant), None, sum(s.unfilled for s in states))

    # Keep time for explaining the unfilled roles after the search, so that the whole answer
    # comes within the time limit.
    def reserve() -> float:
        return _explain_reserve(states, time_limit)

    totals = {"variables": 0, "constraints": 0, "assignment_variables": 0}
    order = sorted(states, key=lambda s: s.part.triples)
    for i, state in enumerate(order):
        share = max(1, state.part.triples) / sum(max(1, s.part.triples) for s in order[i:])
        budget = max(0.05, (time_limit - reserve() - elapsed()) * share)
        outcome = _search_part(state, states, split.constant, count_changes, totals, report,
                               time_limit=budget, workers=workers, seed=seed, started=started,
                               reserve=reserve)
        if outcome.infeasible:
            conflicts = explain_infeasible(state.part.problem, state.elig,
                                           time_limit=max(1.0, time_limit - elapsed()), seed=seed)
            stats.update(totals, seconds=round(elapsed(), 3), cp_sat=[s.stats for s in states if s.stats])
            return Solution(INFEASIBLE, None, None, {}, (), conflicts=tuple(conflicts), stats=stats)
        if first_seconds is None and all(s.value is not None for s in states):
            # The other parts had schedules already: this part's first one completed the set.
            repaired_at = state.stats.get("repaired_at")
            first_seconds = (repaired_at if repaired_at is not None else outcome.first_seconds
                             if outcome.first_seconds is not None else elapsed())
            stats["first_solution_source"] = "repair" if repaired_at is not None else "cp-sat"
    # Parts that finished early leave time over: the parts still short of a proof get it,
    # each searching again from its best schedule (widest gap first).
    still_open = sorted((s for s in order if s.whole_model and _gap(s) > 0), key=_gap, reverse=True)
    for i, state in enumerate(still_open):
        share = max(1, state.part.triples) / sum(max(1, s.part.triples) for s in still_open[i:])
        budget = (time_limit - reserve() - elapsed()) * share
        if budget >= MIN_RESUME_SECONDS:
            _search_part(state, states, split.constant, count_changes, None, report,
                         time_limit=budget, workers=workers, seed=seed, started=started)
    for state in states:
        state.model = None  # the models are big; only the schedules are needed from here on

    penalties = {name: value for s in states for name, value in s.penalties.items()}
    stats.update(totals, first_solution_seconds=_round(first_seconds),
                 hint="feasible" if all(s.greedy.valid for s in states) else "partial",
                 cp_sat=[s.stats for s in states],
                 penalties=dict(sorted(penalties.items())[:MAX_PENALTIES_IN_STATS]))
    if any(s.best is None for s in states):
        stats["seconds"] = round(elapsed(), 3)
        return Solution(UNKNOWN, None, None, {}, (), stats=stats)
    return _answer(problem, states, split.constant, report, stats, elapsed, deadline=started + time_limit)


def _explain_reserve(states: Sequence[_PartState], time_limit: float) -> float:
    """Seconds to keep for explaining the short roles of the parts' best schedules (of their
    greedy schedules while they have none): `EXPLAIN_SECONDS_PER_ROLE` each, at most
    `EXPLAIN_SHARE` of the time limit. A greedy schedule that breaks rules can leave many
    more roles short than its repair does (Curtois 12: 15% kept, 0.6 s used)."""
    short = sum(len(_shortfalls(s.part.problem, s.best if s.best is not None else s.greedy.assignments))
                for s in states)
    return min(EXPLAIN_SHARE * time_limit, EXPLAIN_SECONDS_PER_ROLE * short)


def _shortfalls(problem: Problem, assignments: Sequence[Assignment]) -> list[UnfilledRole]:
    """The roles of `problem` that `assignments` leave below `need`, with the places missing."""
    people = people_per_role(assignments)
    return [UnfilledRole(s.id, r.name, r.need - people.get((s.id, r.name), 0))
            for s in problem.shifts for r in s.roles if people.get((s.id, r.name), 0) < r.need]


def _short_places(problem: Problem, assignments: Sequence[Assignment]) -> int:
    """How many places (people below `need`) `assignments` leave over the roles of `problem`."""
    return sum(u.missing for u in _shortfalls(problem, assignments))


def _greedy_part(part: Part, elig: Optional[Eligibility], count_changes: bool, *,
                 seconds: float) -> _PartState:
    """A part's state with its greedy schedule (its best so far when it keeps every rule)."""
    elig = elig or compute_eligibility(part.problem)
    greedy = greedy_fill(part.problem, elig, count_changes=count_changes, seconds=seconds)
    state = _PartState(part, elig, greedy)
    if greedy.valid:
        _keep(state, list(greedy.assignments),
              evaluate(part.problem, greedy.assignments, count_changes=count_changes).objective)
    return state


def _gap(state: _PartState) -> float:
    """How far the part's best schedule may be from its optimum: 0 when proven (or when it
    has no schedule at all, which no more time given afterwards is meant to fix), infinite
    without a bound."""
    if state.value is None:
        return 0.0
    if state.bound is None:
        return math.inf
    gap = state.value - state.bound
    return gap if gap > TOLERANCE * max(1.0, abs(state.value)) else 0.0


def _search_part(state: _PartState, states: list[_PartState], constant: float, count_changes: bool,
                 totals: Optional[dict[str, int]], report: _Reports, *, time_limit: float, workers: int,
                 seed: int, started: float, reserve: Callable[[], float] = lambda: 0.0) -> SearchOutcome:
    """Build and search one part's model from its best schedule (else the greedy's); keep
    the result if it beats the part's best. `totals` counts the model's size (None when the
    part is searched again). Building the model counts against `time_limit`; a part short
    of a proof keeps its model for the next search. `reserve()` is the time kept for the
    explanations: what a repair or neighbourhood search changes in it moves the deadline."""
    def on_solution(objective: float, bound: Optional[float], unfilled: int) -> None:
        others = [s for s in states if s is not state]
        if any(s.value is None for s in others):
            return
        total_bound = None
        if bound is not None and all(s.bound is not None for s in others):
            total_bound = sum(s.bound for s in others) + bound + constant
        report(sum(s.value for s in others) + objective + constant, total_bound,
               sum(s.unfilled for s in others) + unfilled)

    deadline = time.perf_counter() + time_limit
    if totals is not None:
        held = reserve()

        def freed() -> float:
            return held - reserve()

        _first_and_better(state, count_changes, on_solution=lambda value, unfilled: on_solution(value, None, unfilled),
                          time_limit=time_limit, workers=workers, seed=seed, started=started, freed=freed)
        deadline = max(time.perf_counter() + 0.05, deadline + freed())
    if not state.whole_model:
        state.stats.update(triples=state.part.triples, seconds=round(time.perf_counter() - started, 3))
        return SearchOutcome(cp_model.UNKNOWN, None, None)
    before = dict(state.stats)
    model = state.model if state.model is not None else build_model(
        state.part.problem, state.elig, count_changes=count_changes)
    if state.best is not None:
        complete = model.add_hint(state.best)
    else:
        complete = model.add_hint(state.greedy.assignments) and state.greedy.valid
    for key, value in (("variables", len(model.cp.proto.variables)),
                       ("constraints", len(model.cp.proto.constraints)),
                       ("assignment_variables", len(model.x))):
        if totals is not None:
            totals[key] += value

    # A roster the greedy could not fill keeps CP-SAT's neighbourhood worker, even from a
    # repaired (complete) hint: on such rosters it finds better schedules than a second
    # full-model worker (Curtois 8: 1,415 against 2,066 in 60 s).
    outcome = run_search(model, time_limit=deadline - time.perf_counter(), workers=workers, seed=seed,
                         started=started, on_solution=on_solution,
                         feasible_hint=complete and state.greedy.valid)
    state.stats = dict(before, **outcome.stats, hint="feasible" if complete else "partial",
                       triples=state.part.triples, seconds=round(time.perf_counter() - started, 3),
                       resumed=totals is None)
    if outcome.assignments is not None:
        value = evaluate(state.part.problem, outcome.assignments, count_changes=count_changes).objective
        if state.value is None or value <= state.value:
            _keep(state, outcome.assignments, value, outcome.penalties)
    if outcome.bound is not None:
        state.bound = outcome.bound if state.bound is None else max(state.bound, outcome.bound)
    state.model = model if _gap(state) > 0 else None
    return outcome


def _first_and_better(state: _PartState, count_changes: bool, *, on_solution: Callable[[float, int], None],
                      time_limit: float, workers: int, seed: int, started: float,
                      freed: Callable[[], float] = lambda: 0.0) -> None:
    """When the greedy schedule breaks rules (a tight roster, where CP-SAT's own search finds
    first schedules slowly or not at all), before the part's CP-SAT search: a valid schedule
    (`solver.lns.repair`), then a large-neighbourhood search from it (`solver.lns.improve`)
    until it stops finding better schedules, so that CP-SAT starts from a good one. A part
    too big for a whole-model search (`LNS_ONLY_TRIPLES`) gets the search for all its time.

    A valid greedy schedule is left to CP-SAT alone: on community weeks it proves the optimum
    from there, and time taken by a search before it would come out of the proof. `freed()`
    is the time that the repair freed from the reserve for explanations, which the search
    shares in."""
    if state.greedy.valid:
        return  # CP-SAT's own search from a valid greedy schedule proves our weeks sooner
    problem, elig = state.part.problem, state.elig
    begun = time.perf_counter()
    if state.best is None:
        repaired = repair(problem, elig, state.greedy.assignments, deadline=begun + REPAIR_SHARE * time_limit,
                          workers=workers, seed=seed, count_changes=count_changes)
        if repaired is None:
            return
        _keep(state, repaired, evaluate(problem, repaired, count_changes=count_changes).objective)
        state.stats.update(repaired_at=round(time.perf_counter() - started, 3), repaired_value=state.value)
        on_solution(state.value, state.unfilled)

    if state.part.triples <= LNS_MIN_TRIPLES:
        return  # a model this small is CP-SAT's to search whole: neighbourhoods would be all of it
    state.whole_model = state.part.triples <= LNS_ONLY_TRIPLES
    if not state.whole_model:
        share, patience, limits = 1.0, None, BIG_MOVES
    else:
        share = LNS_LONG_SHARE if state.part.triples > LNS_LONG_TRIPLES else LNS_SHARE
        patience, limits = LNS_PATIENCE, SMALL_MOVES
    # Each better schedule leaves fewer roles to explain: the search keeps the time freed.
    def search_end() -> float:
        return begun + share * (time_limit + freed())

    end = search_end()

    def on_improve(value: float, assignments: list[Assignment]) -> None:
        nonlocal end
        _keep(state, assignments, value)
        end = search_end()
        on_solution(value, state.unfilled)

    best, _, lns_stats = improve(problem, elig, state.best, state.value,
                                 deadline=lambda: end, workers=workers, seed=seed,
                                 count_changes=count_changes, patience=patience, on_improve=on_improve,
                                 limits=limits)
    _keep(state, best, evaluate(problem, best, count_changes=count_changes).objective)
    state.stats["lns"] = dict(lns_stats.as_dict(), value=state.value)


def _keep(state: _PartState, assignments: list[Assignment], value: float,
          penalties: Optional[dict[str, int]] = None) -> None:
    """Make `assignments` (valid, of objective `value`) the part's best schedule."""
    state.best = assignments
    state.value = value
    state.unfilled = _short_places(state.part.problem, assignments)
    state.penalties = penalties or {}


def _answer(problem: Problem, states: list[_PartState], constant: float, report: _Reports,
            stats: dict[str, object], elapsed: Callable[[], float], *, deadline: float) -> Solution:
    """The solution document of the parts' best schedules; roles explained after `deadline`
    get only their first sentence."""
    volunteer_rank = {v.id: i for i, v in enumerate(problem.volunteers)}
    shift_rank = {s.id: i for i, s in enumerate(problem.shifts)}
    assignments = sorted((a for s in states for a in s.best),
                         key=lambda a: (shift_rank[a.shift], volunteer_rank[a.volunteer]))
    result = evaluate(problem, assignments)
    bound: Optional[float] = None
    if all(s.bound is not None for s in states):
        bound = min(sum(s.bound for s in states) + constant, result.objective)
    proven = bound is not None and result.objective - bound <= TOLERANCE * max(1.0, abs(result.objective))
    report(result.objective, bound, _short_places(problem, assignments))
    explaining = time.perf_counter()
    unfilled = _unfilled(problem, assignments, deadline)
    stats["explain_seconds"] = round(time.perf_counter() - explaining, 3)
    stats["seconds"] = round(elapsed(), 3)
    return Solution(
        status=OPTIMAL if proven else FEASIBLE,
        objective=result.objective,
        bound=bound,
        components=dict(result.components),
        assignments=tuple(assignments),
        unfilled=unfilled,
        stats=stats,
    )


def _total(states: list[_PartState], constant: float) -> float:
    return sum(s.value for s in states) + constant


def _round(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds, 3)


def _unfilled(problem: Problem, assignments: Sequence[Assignment], deadline: float) -> tuple[UnfilledRole, ...]:
    """The short roles with their explanations (`solver.explain`; bare counts if that fails),
    briefer after `deadline`."""
    try:
        return explain_unfilled(problem, assignments, deadline=deadline)
    except Exception:
        log.exception("explain_unfilled failed; reporting the unfilled roles without reasons")
    return tuple(_shortfalls(problem, assignments))
