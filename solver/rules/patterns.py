"""Work patterns: each volunteer's possible weeks, as a redundant and tighter formulation.

A volunteer with few candidate shifts and tight limits has few possible weeks. For each
such volunteer every *pattern* (a set of candidate shifts that keeps the volunteer's own
timing rules and counting limits) gets a literal; exactly one of them is true, each shift's
``assigned`` literal is the sum of the patterns that contain it, and the fairness cost is
at least the sum of each pattern's exact cost times its literal.

Nothing here changes which schedules are allowed: the patterns are a superset of the
volunteer's feasible weeks (the day-run rules, successions and supervision are left to
the other constraints). What changes is the LP relaxation, which now sees the convex hull
of each volunteer's weeks with their exact fairness (a Dantzig-Wolfe bound) instead of a
load that can be split fractionally between shifts that cannot go together. On our
community weeks that closes the gap that the convex fairness cost leaves open (proofs in
seconds instead of minutes). Volunteers with too many patterns are left as they are, and a
budget per model keeps large models from growing.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ortools.sat.python import cp_model

from solver.domain import Problem, Shift, Volunteer
from solver.eligibility import timing_clash
from solver.model import ScheduleModel, ValueOf

#: A volunteer with more possible weeks than this keeps only the plain formulation...
MAX_PATTERNS_PER_VOLUNTEER = 300
#: ...unless at most `MAX_BUSY` volunteers are left over, who then get up to this many each:
#: when nearly everyone is covered, the LP's fractional splitting concentrates on the few
#: that are not (the demo week: 5 of 150 left its proof open), while listing dozens of
#: big sets only slows the LP down.
MAX_PATTERNS_PER_BUSY_VOLUNTEER = 10000
MAX_BUSY = 8
#: At most this many pattern literals per model (volunteers with fewer candidates first).
MAX_PATTERNS = 30000

#: Volunteers with more candidate shifts are not listed (the search recurses per shift).
MAX_CANDIDATES = 200
#: Partial subsets visited per pattern allowed before the listing gives up.
NODES_PER_PATTERN = 64

Pattern = tuple[int, ...]  # positions in the volunteer's candidate list, ascending


def add_work_patterns(m: ScheduleModel) -> None:
    """Add the pattern formulation for the volunteers whose weeks can be listed in budget."""
    budget = MAX_PATTERNS
    by_candidates = sorted((v for v in range(len(m.problem.volunteers)) if len(m.elig.shifts_of[v]) >= 2),
                           key=lambda v: len(m.elig.shifts_of[v]))
    busy: list[int] = []
    for v in by_candidates:
        added = _try_volunteer(m, v, min(MAX_PATTERNS_PER_VOLUNTEER, budget))
        if added is None:
            busy.append(v)
        else:
            budget -= added
    if len(busy) > MAX_BUSY:
        return
    for v in busy:
        added = _try_volunteer(m, v, min(MAX_PATTERNS_PER_BUSY_VOLUNTEER, budget))
        if added is None:
            return
        budget -= added


def _try_volunteer(m: ScheduleModel, v: int, cap: int) -> Optional[int]:
    """Add `v`'s patterns if there are at most `cap`; how many were added (None: too many)."""
    mine = m.elig.shifts_of[v]
    if cap < len(mine) + 1:
        return None
    patterns = volunteer_patterns(m.problem, m.problem.volunteers[v],
                                  [m.problem.shifts[s] for s in mine], cap=cap)
    if patterns is None:
        return None
    if all(len(p) <= 1 for p in patterns):
        return 0  # nothing that the plain model does not see already
    _add_patterns(m, v, mine, patterns)
    return len(patterns)


def volunteer_patterns(problem: Problem, vol: Volunteer, shifts: Sequence[Shift], *,
                       cap: int) -> Optional[list[Pattern]]:
    """Every subset of `shifts` (sorted by start) that `vol` could work, or None beyond `cap`.

    A subset qualifies when no two of its shifts clash (overlap, rest, travel) and it keeps
    `max_minutes`, `max_shifts`, `max_shifts_per_day`, `max_shifts_per_activity` and
    `min_minutes`; the other rules are left to the model, so no feasible week is missed.
    The search also gives up (None) after visiting `NODES_PER_PATTERN` * `cap` partial
    subsets: with a high `min_minutes` most of them lead nowhere, and there can be
    exponentially many. It gives up at once beyond `MAX_CANDIDATES` shifts.
    """
    lim = vol.limits
    n = len(shifts)
    if n > MAX_CANDIDATES:
        return None
    clash = [[j != i and timing_clash(problem, vol, shifts[i], shifts[j]) is not None
              for j in range(n)] for i in range(n)]
    found: list[Pattern] = []
    visits = [NODES_PER_PATTERN * (cap + 1)]
    chosen: list[int] = []
    per_day: dict[int, int] = {}
    per_activity: dict[str, int] = {}

    def allowed(i: int, minutes: int) -> bool:
        s = shifts[i]
        activity_limit = lim.max_shifts_per_activity.get(s.activity)
        return not (any(clash[i][j] for j in chosen)
                    or (lim.max_minutes is not None and minutes + s.minutes > lim.max_minutes)
                    or (lim.max_shifts is not None and len(chosen) >= lim.max_shifts)
                    or (lim.max_shifts_per_day is not None
                        and per_day.get(s.day, 0) >= lim.max_shifts_per_day)
                    or (activity_limit is not None and per_activity.get(s.activity, 0) >= activity_limit))

    def keeps_min_minutes(minutes: int) -> bool:
        if not lim.min_minutes or (minutes == 0 and not lim.min_minutes_strict):
            return True
        return minutes >= lim.min_minutes

    def extend(i: int, minutes: int) -> bool:
        """List the patterns that extend `chosen` with shifts from `i` on; False past the cap."""
        visits[0] -= 1
        if visits[0] < 0:
            return False
        if i == n:
            if keeps_min_minutes(minutes):
                found.append(tuple(chosen))
            return len(found) <= cap
        if not extend(i + 1, minutes):
            return False
        if not allowed(i, minutes):
            return True
        s = shifts[i]
        chosen.append(i)
        per_day[s.day] = per_day.get(s.day, 0) + 1
        per_activity[s.activity] = per_activity.get(s.activity, 0) + 1
        ok = extend(i + 1, minutes + s.minutes)
        chosen.pop()
        per_day[s.day] -= 1
        per_activity[s.activity] -= 1
        return ok

    return found if extend(0, 0) else None


def _add_patterns(m: ScheduleModel, v: int, mine: Sequence[int], patterns: list[Pattern]) -> None:
    """One literal per pattern, exactly one true, linked to `assigned` and to fairness."""
    lits = [m.assigned[(v, s)] for s in mine]
    ys = [m.cp.new_bool_var("") for _ in patterns]
    m.cp.add_exactly_one(ys)
    for i, lit in enumerate(lits):
        m.cp.add(cp_model.LinearExpr.sum([y for y, p in zip(ys, patterns) if i in p]) == lit)
    for y, p in zip(ys, patterns):
        m.derive(y, lambda val, p=p: int(_hinted(val, lits) == p))
    load_cost = m.load_costs.get(v)
    if load_cost is not None:
        costs = [load_cost.at(sum(m.problem.shifts[mine[i]].minutes for i in p)) for p in patterns]
        m.cp.add(load_cost.var >= cp_model.LinearExpr.weighted_sum(ys, costs))


def _hinted(val: ValueOf, lits: Sequence) -> Pattern:
    """The pattern that the hinted values of `lits` make up."""
    return tuple(i for i, lit in enumerate(lits) if val(lit))
