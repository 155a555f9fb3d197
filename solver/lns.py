"""Large-neighbourhood search: a first schedule and better ones, from small exact models.

CP-SAT searches the whole model well while it is small. On a long roster (four weeks and
more, tens of people, rules on runs of days) its own first-solution and neighbourhood
workers struggle: the greedy fill breaks the rules that need *more* work (minimum minutes,
minimum runs), and the whole model is slow to move. Both remedies here solve
neighbourhoods (`solver.neighbourhood`): exact sub-problems that free a few volunteers on
a few days and keep the rest of the schedule.

- `repair` turns a schedule that breaks rules into one that keeps them: the volunteers who
  break a rule (and those sharing a broken shift) lose their shifts, then get a new week,
  a few of them at a time, each group solved exactly around the others.
- `improve` is an adaptive large-neighbourhood search: it frees the days around a shift
  whose cover costs, or a random window of days, for as many volunteers as fit a size, or
  a few volunteers for the whole horizon; solves that with the current schedule as a
  complete hint, and keeps the result when it is not worse. Each kind's size adapts: it
  grows after sub-problems solved to optimality and shrinks after time-outs; and each kind
  is drawn by what it gained lately per second (`_Mix`).
  With several CP-SAT workers it solves as many neighbourhoods (of different volunteers)
  side by side, one worker each.
"""

from __future__ import annotations

import logging
import os
import random
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence, Union

from ortools.sat.python import cp_model

from solver.checker import AssignmentIndex, check, fixed_present
from solver.checker_rules import CheckContext, assignment_violations, shift_violations, volunteer_violations
from solver.domain import Assignment, Problem
from solver.eligibility import Eligibility, compute_eligibility
from solver.evaluate import evaluate, people_per_role
from solver.model import build_model
from solver.neighbourhood import Neighbourhood, neighbourhood
from solver.search import run_search

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MoveLimits:
    """Free candidate triples per neighbourhood and seconds per sub-problem in `improve`:
    the first of each, and the range each adapts in."""

    start_triples: int
    min_triples: int
    max_triples: int
    start_seconds: float
    min_seconds: float
    max_seconds: float


#: Many small neighbourhoods gain more in the same time than fewer big ones: from one
#: repaired Curtois 13 roster, 30 s of search reach about 5,400 with these limits and
#: 8,500 with `BIG_MOVES` (three seeds each).
SMALL_MOVES = MoveLimits(150, 50, 1500, 0.3, 0.1, 1.0)
#: On a roster of a year each neighbourhood carries its volunteers' whole year, whatever
#: its size, so small ones cost nearly as much as big ones: Curtois 23 reached 164,202 in
#: 600 s with `SMALL_MOVES`, and 73,391 with these.
BIG_MOVES = MoveLimits(600, 100, 6000, 1.5, 0.5, 5.0)

#: Volunteers repaired together: up to this many free triples (at least one volunteer).
REPAIR_TRIPLES = 600
#: Each group gets the best week found in this many seconds, or else the first valid week
#: found: a roster of 150 people over a year has no time for more (Curtois 24: 1.5 s a
#: person). The best week of each group, around the groups before it, is a first schedule
#: far better than any valid week: Curtois 13 repaired to 8,883 instead of 28,479 (in 10 s
#: instead of 7.7 s), which the neighbourhood search takes 10 s to reach from the latter.
REPAIR_SECONDS = 0.1
#: `improve` gives up after this many neighbourhoods in a row with nothing free in them.
MAX_EMPTY_PICKS = 50
#: At most this many neighbourhoods solved at once in `improve` (one per CP-SAT worker).
MAX_LANES = 4
#: Kinds of neighbourhood (`_pick`), and the least share of draws each keeps in `_Mix`.
KINDS = ("around", "window", "horizon")
MIN_KIND_SHARE = 0.1
#: How much of a kind's gains and seconds `_Mix` keeps at each move of the kind.
KIND_MEMORY = 0.8
#: Relative tolerance when comparing objectives.
TOLERANCE = 1e-9

#: Called with the new whole objective and schedule after each improvement.
OnImprove = Callable[[float, list[Assignment]], None]


@dataclass
class LnsStats:
    """What a search did, for the engine's stats."""

    moves: int = 0
    improving: int = 0
    optimal: int = 0
    #: Results dropped because a move solved meanwhile left them breaking a rule.
    stale: int = 0
    #: Results judged again because another move changed the schedule meanwhile.
    rejudged: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """The stats as plain values."""
        return {"moves": self.moves, "improving": self.improving, "optimal": self.optimal,
                "rejudged": self.rejudged, "stale": self.stale, "seconds": round(self.seconds, 3)}


def repair(problem: Problem, elig: Eligibility, assignments: Sequence[Assignment], *,
           deadline: float, workers: int, seed: int, count_changes: bool) -> Optional[list[Assignment]]:
    """A schedule keeping every hard rule, rebuilt around the parts of `assignments` that do;
    None when time runs out or a group of volunteers has no valid week around the others."""
    kept, broken = _valid_core(problem, assignments)
    if not broken:
        return kept
    order = sorted(broken, key=lambda v: len(elig.shifts_of[v]))
    batches: list[list[int]] = [[]]
    size = 0
    for v in order:
        triples = sum(len(elig.roles[(v, s)]) for s in elig.shifts_of[v])
        if batches[-1] and size + triples > REPAIR_TRIPLES:
            batches.append([])
            size = 0
        batches[-1].append(v)
        size += triples
    schedule = list(kept)
    for i, batch in enumerate(batches):
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        hood = neighbourhood(problem, elig, schedule, batch)
        found = _solve(hood, count_changes, time_limit=min(left, REPAIR_SECONDS), workers=workers, seed=seed,
                       complete=False)
        left = deadline - time.perf_counter()
        if found is None and left > 0:
            found = _solve(hood, count_changes, time_limit=left, workers=workers, seed=seed, complete=False,
                           first_only=True)
        if found is None:
            log.info("repair: no valid week for volunteers %s around the others", batch)
            return None
        schedule = hood.merge(found[0])
    return schedule


def _valid_core(problem: Problem, assignments: Sequence[Assignment]) -> tuple[list[Assignment], set[int]]:
    """The assignments of the volunteers who break no rule, and the indexes of those who do.

    A volunteer breaks a rule when one of its own rules or assignments does, or when a shift
    it works breaks one (until taking them all away leaves every shift keeping its rules).
    """
    ctx = CheckContext(problem)
    vindex = {v.id: i for i, v in enumerate(problem.volunteers)}
    index = AssignmentIndex(assignments)
    broken = {vindex[v.id] for v in problem.volunteers
              if volunteer_violations(ctx, v, (a.shift for a in index.by_volunteer.get(v.id, ())))
              or any(assignment_violations(ctx, a) for a in index.by_volunteer.get(v.id, ()))}
    broken |= {vindex[x.volunteer] for x in fixed_present(ctx, index)}
    while True:
        kept = [a for a in assignments if vindex[a.volunteer] not in broken]
        by_shift = AssignmentIndex(kept).by_shift
        more = {vindex[a.volunteer] for s in problem.shifts
                if shift_violations(ctx, s, by_shift.get(s.id, ())) for a in by_shift[s.id]}
        if not more:
            return kept, broken
        broken |= more


def improve(problem: Problem, elig: Eligibility, assignments: Sequence[Assignment], value: float, *,
            deadline: Union[float, Callable[[], float]], workers: int, seed: int, count_changes: bool,
            patience: Optional[int] = None, on_improve: Optional[OnImprove] = None,
            limits: MoveLimits = SMALL_MOVES) -> tuple[list[Assignment], float, LnsStats]:
    """Large-neighbourhood search from `assignments` (valid, of objective `value`) until
    `deadline`, or until `patience` moves in a row have not improved the schedule; the best
    schedule, its objective and what the search did. `limits` bound the neighbourhoods.
    `deadline` may be a function, asked again before each move (`on_improve` can move it).

    With several workers, as many neighbourhoods of disjoint volunteers are solved at once
    (`_lanes`), each by its own CP-SAT search: one search with two workers solves a
    neighbourhood no faster than one with a single worker (Curtois 13: 23 moves in 30 s
    either way), so separate searches make that many more moves. A result whose
    surroundings another move changed meanwhile is judged again in the neighbourhood as it
    is now (`_rejudge`)."""
    started = time.perf_counter()
    until = deadline if callable(deadline) else (lambda: deadline)
    rng = random.Random(seed)
    stats = LnsStats()
    best, best_value = list(assignments), value
    version = 0  # counts the changes of `best`, to tell which moves were built on an older one
    per_day = _triples_per_day(problem, elig)
    # The kinds of neighbourhood differ in how hard a size is: each adapts its own.
    sizes = {kind: limits.start_triples for kind in KINDS}
    mix = _Mix(rng, KINDS if problem.num_days > 1 else ("horizon",))
    seconds = limits.start_seconds
    movable = [v for v in range(len(problem.volunteers)) if elig.shifts_of[v]]
    lanes, lane_workers = _lanes(workers)
    idle = empty = 0
    hot: list[int] = []
    hot_version = -1
    running: dict[Future, _Move] = {}
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        while True:
            while (len(running) < lanes and empty < MAX_EMPTY_PICKS and movable
                   and until() - time.perf_counter() > limits.min_seconds and (patience is None or idle < patience)):
                busy = {v for move in running.values() for v in move.volunteers}
                if hot_version != version:
                    hot, hot_version = _cover_faults(problem, best), version
                kind = mix.choose()
                if kind == "around" and not hot:
                    kind = "window"
                volunteers, days = _pick(rng, problem, elig, per_day, [v for v in movable if v not in busy],
                                         kind, sizes[kind], hot)
                if not volunteers and running:
                    break  # the running moves hold everyone working on those days
                hood = neighbourhood(problem, elig, best, volunteers, days)
                if not hood.free_triples:
                    empty += 1  # after MAX_EMPTY_PICKS in a row: everything picked is frozen
                    continue
                empty = 0
                limit = min(seconds, until() - time.perf_counter())
                future = pool.submit(_solve, hood, count_changes, time_limit=limit, workers=lane_workers,
                                     seed=rng.randrange(1 << 30), complete=True)
                running[future] = _Move(volunteers, days, hood, version, kind, time.perf_counter())
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                move = running.pop(future)
                found = future.result()
                stats.moves += 1
                idle += 1
                gain = 0.0
                try:
                    if found is None:
                        sizes[move.kind] = max(limits.min_triples, int(sizes[move.kind] / 1.2))
                        seconds = min(limits.max_seconds, seconds * 1.2)
                        continue
                    schedule, optimal = found
                    if optimal:
                        stats.optimal += 1
                        sizes[move.kind] = min(limits.max_triples, int(sizes[move.kind] * 1.2))
                    else:
                        sizes[move.kind] = max(limits.min_triples, int(sizes[move.kind] / 1.2))
                        seconds = min(limits.max_seconds, seconds * 1.1)
                    hood = move.hood
                    if move.version != version:
                        stats.rejudged += 1
                        hood = _rejudge(problem, elig, best, move, schedule)
                        if hood is None:
                            stats.stale += 1
                            continue
                    before = evaluate(hood.problem, hood.current, count_changes=count_changes).objective
                    after = evaluate(hood.problem, schedule, count_changes=count_changes).objective
                    if after <= before + TOLERANCE * max(1.0, abs(before)):
                        best = hood.merge(schedule)
                        version += 1
                        if after < before - TOLERANCE * max(1.0, abs(before)):
                            gain = before - after
                            best_value -= gain
                            stats.improving += 1
                            idle = 0
                            if on_improve is not None:
                                on_improve(best_value, best)
                finally:
                    mix.record(move.kind, gain, time.perf_counter() - move.submitted)
    stats.seconds = time.perf_counter() - started
    return best, best_value, stats


@dataclass(frozen=True)
class _Move:
    """A neighbourhood being solved: whom and which days it frees, built on which `best`."""

    volunteers: list[int]
    days: Optional[set[int]]
    hood: Neighbourhood
    version: int
    kind: str
    #: When it was handed to a lane (`time.perf_counter`).
    submitted: float


class _Mix:
    """Which kind of neighbourhood to try next, by how much each gained lately per second.

    An adaptive large-neighbourhood search: each kind's rate is its recent gains over its
    recent seconds of solving (both sums decaying by `KIND_MEMORY` per move of the kind),
    and a kind is drawn with a probability proportional to its rate, never below
    `MIN_KIND_SHARE` of the draws. A ratio of sums, not an average of each move's ratio:
    one lucky cheap move must not outweigh many slow ones that gained nothing. Early on the
    neighbourhoods over the whole horizon gain as much as windows of days; near a good
    schedule, windows improve five times as often (Curtois 13: 10 of 12 window moves
    against 2 of 12 over the horizon).
    """

    def __init__(self, rng: random.Random, kinds: Sequence[str]) -> None:
        self.rng = rng
        self.kinds = list(kinds)
        self.gains: dict[str, float] = {k: 0.0 for k in self.kinds}
        self.seconds: dict[str, float] = {k: 0.0 for k in self.kinds}
        self.tried: set[str] = set()

    def rate(self, kind: str) -> float:
        """What `kind` gained lately per second of solving."""
        return self.gains[kind] / max(self.seconds[kind], 1e-3)

    def choose(self) -> str:
        """A kind to try: each in turn until all have been tried, then by their rates."""
        for k in self.kinds:
            if k not in self.tried:
                return k
        rates = [self.rate(k) for k in self.kinds]
        total = sum(rates)
        if total <= 0:
            return self.rng.choice(self.kinds)
        floor = MIN_KIND_SHARE * total
        weights = [max(r, floor) for r in rates]
        return self.rng.choices(self.kinds, weights)[0]

    def record(self, kind: str, gain: float, seconds: float) -> None:
        """A move of `kind` gained `gain` in `seconds`."""
        self.tried.add(kind)
        self.gains[kind] = KIND_MEMORY * self.gains[kind] + max(0.0, gain)
        self.seconds[kind] = KIND_MEMORY * self.seconds[kind] + seconds


def _lanes(workers: int) -> tuple[int, int]:
    """How many neighbourhoods `improve` solves at once, and CP-SAT workers for each."""
    threads = workers or os.cpu_count() or 1
    lanes = max(1, min(MAX_LANES, threads))
    return lanes, threads // lanes


def _rejudge(problem: Problem, elig: Eligibility, best: Sequence[Assignment], move: _Move,
             schedule: Sequence[Assignment]) -> Optional[Neighbourhood]:
    """The move's neighbourhood built again on `best`, when its result `schedule` keeps the
    hard rules there too; None otherwise.

    Other moves changed only other volunteers, so the freed volunteers' current assignments
    are the same; what may differ is how many people are kept in each role, and what that
    freezes. The independent checker on the rebuilt sub-problem says whether `schedule`
    still fits; that sub-problem is exact, so its objective compares the two as before.
    """
    hood = neighbourhood(problem, elig, best, move.volunteers, move.days)
    return hood if check(hood.problem, schedule).ok else None


def _triples_per_day(problem: Problem, elig: Eligibility) -> list[dict[int, int]]:
    """Per volunteer: candidate triples by horizon day."""
    counts: list[dict[int, int]] = [{} for _ in problem.volunteers]
    for (v, s), roles in elig.roles.items():
        day = problem.shifts[s].day
        counts[v][day] = counts[v].get(day, 0) + len(roles)
    return counts


def _cover_faults(problem: Problem, schedule: Sequence[Assignment]) -> list[int]:
    """Shifts (indexes) of `schedule` with a role below its need or above it at a cost."""
    people = people_per_role(schedule)
    faults = []
    for s, shift in enumerate(problem.shifts):
        for role in shift.roles:
            n = people.get((shift.id, role.name), 0)
            if (n < role.need and role.under_weight > 0) or (n > role.need and role.over_weight > 0):
                faults.append(s)
                break
    return faults


def _pick(rng: random.Random, problem: Problem, elig: Eligibility, per_day: list[dict[int, int]],
          movable: list[int], kind: str, size: int, hot: Sequence[int] = ()
          ) -> tuple[list[int], Optional[set[int]]]:
    """Volunteers and days to free, about `size` candidate triples, by `kind`:

    - ``around``: the days next to a random shift of `hot`, its candidates first;
    - ``window``: a random window of days for random volunteers;
    - ``horizon``: random volunteers over the whole horizon.
    """
    horizon = problem.num_days
    order = movable[:]
    rng.shuffle(order)
    days: Optional[set[int]] = None
    if kind == "around" and hot:
        s = rng.choice(hot)
        day, reach = problem.shifts[s].day, rng.randint(0, 3)
        days = set(range(max(0, day - reach), min(horizon, day + reach + 1)))
        near = set(elig.volunteers_of[s])
        order.sort(key=lambda v: v not in near)
    elif kind != "horizon" and horizon > 1:
        first = rng.randrange(horizon)
        length = rng.randint(1, max(1, min(horizon, 14)))
        days = set(range(first, min(horizon, first + length)))
    chosen, total = [], 0
    for v in order:
        here = sum(per_day[v].values()) if days is None else sum(per_day[v].get(d, 0) for d in days)
        if not here:
            continue
        chosen.append(v)
        total += here
        if total >= size:
            break
    return chosen, days


def _solve(hood: Neighbourhood, count_changes: bool, *, time_limit: float, workers: int, seed: int,
           complete: bool, first_only: bool = False) -> Optional[tuple[list[Assignment], bool]]:
    """The best schedule of a neighbourhood within `time_limit`, and whether it is proven
    optimal; None when none was found. `complete`: the current schedule keeps its rules;
    `first_only`: the first schedule found will do."""
    sub = hood.problem
    model = build_model(sub, compute_eligibility(sub), count_changes=count_changes, work_patterns=False)
    model.add_hint(hood.current)
    outcome = run_search(model, time_limit=time_limit, workers=workers, seed=seed,
                         started=time.perf_counter(), feasible_hint=complete, light_presolve=True,
                         first_only=first_only)
    if outcome.assignments is None:
        return None
    return outcome.assignments, outcome.status == cp_model.OPTIMAL
