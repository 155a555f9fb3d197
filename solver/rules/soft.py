"""Soft rules: the objective's components (spec: Objective), with the document's weights.

Each rule adds its cost in document units through `ScheduleModel.add_cost`, which scales it
to integers (`solver.scaling`); `coefficient_values` lists every coefficient that the rules
will use, so that the scale can be chosen before the model is built.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from typing import Callable, Iterator

from ortools.sat.python import cp_model

from solver.domain import Problem, Volunteer
from solver.eligibility import Eligibility
from solver.evaluate import preference_weight
from solver.model import LoadCost, ScheduleModel
from solver.scaling import as_fraction

#: Fairness is exact up to this many load steps (gcds of shift lengths) per volunteer.
EXACT_FAIRNESS_STEPS = 48


def _exact(x: float) -> Fraction | float:
    """`x` as a Fraction when it is one (so scaled coefficients stay exact), else as is."""
    frac, ok = as_fraction(x)
    return frac if ok else x


def coefficient_values(problem: Problem, elig: Eligibility) -> Iterator[Fraction | float]:
    """Every coefficient (document units) that the soft rules may put in the objective."""
    w = problem.weights
    for shift in problem.shifts:
        for role in shift.roles:
            yield role.under_weight
            yield role.over_weight
    yield w.preference
    yield w.continuity
    yield w.change
    if w.fairness:
        for v, vol in enumerate(problem.volunteers):
            step = _load_step(problem, elig, v)
            if step:
                quad, lin = _fairness_terms(w.fairness, vol, step)
                yield quad
                yield lin


# --- unfilled and overfilled -----------------------------------------------------------------


def cover_demand(m: ScheduleModel) -> None:
    """`under_weight` per person below `need`, `over_weight` per person above it."""
    for s, shift in enumerate(m.problem.shifts):
        for r, role in enumerate(shift.roles):
            lits = m.role_vars(s, r)
            people = cp_model.LinearExpr.sum(lits)
            label = f"{shift.id}/{role.name}"
            if role.need > 0 and role.under_weight > 0:
                missing = m.cp.new_int_var(0, role.need, f"unfilled[{label}]")
                m.cp.add(people + missing >= role.need)
                m.derive(missing, lambda val, lits=lits, need=role.need:
                         max(0, need - sum(val(x) for x in lits)))
                m.add_cost(_exact(role.under_weight), missing, upper=role.need, name=f"unfilled[{label}]")
            cap = min(role.max, len(lits))
            if role.over_weight > 0 and cap > role.need:
                excess = m.cp.new_int_var(0, cap - role.need, f"overfilled[{label}]")
                m.cp.add(people - excess <= role.need)
                m.derive(excess, lambda val, lits=lits, need=role.need:
                         max(0, sum(val(x) for x in lits) - need))
                m.add_cost(_exact(role.over_weight), excess, upper=cap - role.need,
                           name=f"overfilled[{label}]")


# --- preferences -----------------------------------------------------------------------------


def honour_preferences(m: ScheduleModel) -> None:
    """Minus the matching `prefers` weights of each assigned shift, times `weights.preference`."""
    weight = _exact(m.problem.weights.preference)
    if not weight:
        return
    for v, vol in enumerate(m.problem.volunteers):
        if not vol.prefers:
            continue
        weight_of = preference_weight(vol)
        for s in m.elig.shifts_of[v]:
            total = weight_of(m.problem.shifts[s])
            if total:
                m.add_cost(-weight * total, m.assigned[(v, s)])


# --- fairness --------------------------------------------------------------------------------


def _load_step(problem: Problem, elig: Eligibility, v: int) -> int:
    """The gcd of the volunteer's candidate shift lengths (0 when it has none)."""
    return math.gcd(*(problem.shifts[s].minutes for s in elig.shifts_of[v])) if elig.shifts_of[v] else 0


def _fairness_terms(weight: float, vol: Volunteer, step: int) -> tuple[Fraction | float, Fraction | float]:
    """(a, b) with weight * (((k*step + h)/60)^2 - (h/60)^2) = a*k^2 + b*k for k load steps."""
    w, h = _exact(weight), _exact(vol.history_minutes)
    return w * step * step / 3600, w * 2 * step * h / 3600


def balance_load(m: ScheduleModel) -> None:
    """Fairness: ((m + h)/60)^2 - (h/60)^2 per volunteer, exact at the loads that matter.

    With k the load in steps of the gcd of the volunteer's shift lengths, the cost a*k^2 + b*k
    is convex in k, so the maximum of the lines through consecutive integer points equals it
    at every integer k: a tight, linear (LP-friendly) encoding. Beyond `EXACT_FAIRNESS_STEPS`
    steps only every few lines are kept, which can only under-estimate the cost there; the
    engine reports the exact objective anyway and claims optimality only when that exact
    value meets the bound.
    """
    weight = m.problem.weights.fairness
    if not weight:
        return
    for v, vol in enumerate(m.problem.volunteers):
        shifts = m.elig.shifts_of[v]
        step = _load_step(m.problem, m.elig, v)
        if not step:
            continue
        lengths = [m.problem.shifts[s].minutes // step for s in shifts]
        steps = sum(lengths)
        if vol.limits.max_minutes is not None:
            steps = min(steps, vol.limits.max_minutes // step)
        quad, lin = _fairness_terms(weight, vol, step)
        a, b = m.scale.integer(quad, times=steps * steps), m.scale.integer(lin, times=steps)
        cost = [a * k * k + b * k for k in range(steps + 1)]
        lits = [m.assigned[(v, s)] for s in shifts]
        load = cp_model.LinearExpr.weighted_sum(lits, lengths)
        fair = m.cp.new_int_var(min(cost), max(cost), f"fairness[{vol.id}]")
        m.derive(fair, lambda val, lits=lits, lengths=lengths, cost=cost:
                 cost[min(len(cost) - 1, sum(val(x) * n for x, n in zip(lits, lengths)))])
        reachable = _reachable_loads(lengths, steps)
        for k0, k1 in _line_pairs(reachable):
            m.cp.add((k1 - k0) * fair >= (k1 - k0) * cost[k0] + (cost[k1] - cost[k0]) * (load - k0))
        # Superadditivity (f convex, f(0) = 0): f(sum) >= sum of f(each shift). Exact for a
        # single shift, this stops the LP from splitting one shift between two people cheaply.
        m.cp.add(fair >= cp_model.LinearExpr.weighted_sum(lits, [cost[min(n, steps)] for n in lengths]))
        m.add_scaled_cost(1, fair)
        m.penalties[f"fairness[{vol.id}]"] = fair
        m.load_costs[v] = LoadCost(fair, step, tuple(cost))


def _reachable_loads(lengths: list[int], cap: int) -> list[int]:
    """The loads (in steps) that some set of the shifts adds up to, up to `cap`, ascending."""
    reach, mask = 1, (1 << (cap + 1)) - 1
    for n in lengths:
        reach = (reach | (reach << n)) & mask
    return [k for k in range(cap + 1) if reach >> k & 1]


def _line_pairs(loads: list[int]) -> list[tuple[int, int]]:
    """Consecutive reachable loads whose chords are kept as lines (all of the first ones).

    The maximum of the chords through consecutive points of a convex function is exact at
    those points; beyond `EXACT_FAIRNESS_STEPS` points only every few chords are kept.
    """
    pairs = list(zip(loads, loads[1:]))
    if len(pairs) <= EXACT_FAIRNESS_STEPS:
        return pairs
    kept, i, stride = pairs[:EXACT_FAIRNESS_STEPS], EXACT_FAIRNESS_STEPS, 2
    while i < len(pairs):
        kept.append(pairs[i])
        i += stride
        stride = min(stride * 2, 16)
    return kept


# --- continuity ------------------------------------------------------------------------------


def keep_continuity(m: ScheduleModel) -> None:
    """Per (activity, role) with `continuity`: distinct volunteers minus one (0 if nobody)."""
    weight = _exact(m.problem.weights.continuity)
    if not weight:
        return
    series: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for s, shift in enumerate(m.problem.shifts):
        for r, role in enumerate(shift.roles):
            if role.continuity:
                series[(shift.activity, role.name)].append((s, r))
    for (activity, role_name), members in series.items():
        by_volunteer: dict[int, list[int]] = defaultdict(list)
        for s, r in members:
            for v in m.elig.volunteers_of[s]:
                if (v, s, r) in m.x:
                    by_volunteer[v].append(s)
        if len(by_volunteer) < 2:
            continue  # at most one person can ever take it: never a cost
        used = []
        for v, shifts in sorted(by_volunteer.items()):
            lits = [m.x[(v, s, r)] for s, r in members if s in set(shifts) and (v, s, r) in m.x]
            one = m.any_of(lits, exact=False)
            cap = _series_cap(m, v, shifts)
            if cap < len(lits):
                # "used" times the most shifts of the series this volunteer can take at all:
                # without it the LP spreads a series thinly over many people for free.
                m.cp.add(cp_model.LinearExpr.sum(lits) <= cap * one)
            used.append(one)
        anyone = m.cp.new_bool_var("")
        m.cp.add_bool_or(used).only_enforce_if(anyone)
        m.derive(anyone, lambda val, used=used: max(val(u) for u in used))
        label = f"continuity[{activity}/{role_name}]"
        extra = m.cp.new_int_var(0, len(used) - 1, label)
        m.cp.add(extra == cp_model.LinearExpr.sum(used) - anyone)
        m.derive(extra, lambda val, used=used, anyone=anyone: sum(val(u) for u in used) - val(anyone))
        m.add_cost(weight, extra, upper=len(used) - 1, name=label)


def _series_cap(m: ScheduleModel, v: int, shifts: list[int]) -> int:
    """An upper bound on how many of `shifts` volunteer `v` can take under its limits."""
    lim = m.problem.volunteers[v].limits
    cap = len(shifts)
    if lim.max_shifts is not None:
        cap = min(cap, lim.max_shifts)
    activities = {m.problem.shifts[s].activity for s in shifts}
    if len(activities) == 1:
        cap = min(cap, lim.max_shifts_per_activity.get(activities.pop(), cap))
    if lim.max_minutes is not None:
        total, fits = 0, 0
        for minutes in sorted(m.problem.shifts[s].minutes for s in shifts):
            total += minutes
            if total > lim.max_minutes:
                break
            fits += 1
        cap = min(cap, fits)
    if lim.max_shifts_per_day is not None:
        per_day: dict[int, int] = defaultdict(int)
        for s in shifts:
            per_day[m.problem.shifts[s].day] += 1
        cap = min(cap, sum(min(n, lim.max_shifts_per_day) for n in per_day.values()))
    return cap


# --- changes against the previous plan ------------------------------------------------------


def limit_changes(m: ScheduleModel) -> None:
    """The symmetric difference with `previous`, as (volunteer, shift) pairs."""
    weight = _exact(m.problem.weights.change)
    before = {(m.volunteer_index[a.volunteer], m.shift_index[a.shift]) for a in m.problem.previous}
    if not weight or not m.count_changes:
        return
    m.add_constant_cost(weight * len(before))
    for pair, lit in m.assigned.items():
        m.add_cost(-weight if pair in before else weight, lit)


#: In the order `build_model` adds them.
SOFT_RULES: tuple[Callable[[ScheduleModel], None], ...] = (
    cover_demand,
    honour_preferences,
    balance_load,
    keep_continuity,
    limit_changes,
)
