"""Hard rules: what every schedule must keep (spec: Volunteer limits, Shift, Rules, fixed).

Rules that the candidate filter already decides (skills, groups, areas, availability,
unavailable, days off, `forbidden`) have no constraint here: their variables do not exist.
"""

from __future__ import annotations

from typing import Callable

from ortools.sat.python import cp_model

from solver.domain import Shift
from solver.model import Guard, Lit, ScheduleModel
from solver.rules.days import (
    max_consecutive_days,
    max_weekends,
    min_consecutive_days,
    min_consecutive_days_off,
)


def fix_assignments(m: ScheduleModel) -> None:
    """Every `fixed` entry holds; one without a role may take any role of its shift."""
    for i, entry in enumerate(m.problem.fixed):
        v, s = m.volunteer_index[entry.volunteer], m.shift_index[entry.shift]
        if entry.role is None:
            lit = m.assigned.get((v, s))
            r = None
        else:
            r = next(k for k, role in enumerate(m.problem.shifts[s].roles) if role.name == entry.role)
            lit = m.x.get((v, s, r))
        m.add_clause([lit if lit is not None else False], Guard("fixed", v, s, r, i))


def respect_role_max(m: ScheduleModel) -> None:
    """At most `max` people in each role."""
    for s, shift in enumerate(m.problem.shifts):
        for r, role in enumerate(shift.roles):
            m.add_at_most(m.role_vars(s, r), role.max, Guard("role_max", shift=s, role=r))


def no_overlap(m: ScheduleModel) -> None:
    """A volunteer's shifts never overlap, keep `min_rest_minutes` and `travel_minutes` apart.

    Rest applies between any two shifts, so it lengthens every interval; travel only between
    different venues, so it is folded into the length only when no pair at one venue (or
    without a venue) lies closer than the travel time. Otherwise the pairs at different
    venues that are closer than the travel time (but not overlapping with the rest) get a
    clause each: only pairs close in time, never all pairs.
    """
    travel = m.problem.rules.travel_minutes
    for v, mine in enumerate(m.elig.shifts_of):
        if len(mine) < 2:
            continue
        rest = m.problem.volunteers[v].limits.min_rest_minutes or 0
        shifts = [m.problem.shifts[s] for s in mine]
        pad, apart = _padding(shifts, rest, travel)
        for i, j in apart:
            m.add_clause([~m.assigned[(v, mine[i])], ~m.assigned[(v, mine[j])]], None)
        for cluster in _clusters(shifts, pad):
            intervals = [
                m.cp.new_optional_fixed_size_interval_var(
                    shifts[i].start_min, shifts[i].minutes + pad, m.assigned[(v, mine[i])], "")
                for i in cluster
            ]
            m.cp.add_no_overlap(intervals)


def _padding(shifts: list[Shift], rest: int, travel: int) -> tuple[int, list[tuple[int, int]]]:
    """The interval padding, and the pairs (i, j) that need an extra travel clause."""
    if travel <= rest:
        return rest, []
    same_close, apart = False, []
    for i, a in enumerate(shifts):
        for j in range(i + 1, len(shifts)):
            b = shifts[j]
            if b.start_min >= a.end_min + travel:
                break
            gap = b.start_min - a.end_min
            if gap < rest:
                continue  # overlapping or too close for rest anyway: the intervals forbid it
            if a.venue is not None and b.venue is not None and a.venue != b.venue:
                apart.append((i, j))
            else:
                same_close = True
    if not same_close:
        return travel, []
    return rest, apart


def _clusters(shifts: list[Shift], pad: int) -> list[list[int]]:
    """Groups of shifts (sorted by start) whose padded intervals chain into each other."""
    clusters: list[list[int]] = []
    current: list[int] = []
    reach = None
    for i, s in enumerate(shifts):
        if reach is not None and s.start_min < reach:
            current.append(i)
            reach = max(reach, s.end_min + pad)
        else:
            if len(current) > 1:
                clusters.append(current)
            current, reach = [i], s.end_min + pad
    if len(current) > 1:
        clusters.append(current)
    return clusters


def max_shifts_per_day(m: ScheduleModel) -> None:
    """At most `max_shifts_per_day` shifts starting on one day."""
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.max_shifts_per_day
        if limit is None:
            continue
        for day in sorted({m.problem.shifts[s].day for s in m.elig.shifts_of[v]}):
            lits = [m.assigned[(v, s)] for s in m.day_shifts(v, day)]
            m.add_at_most(lits, limit, Guard("max_shifts_per_day", v, detail=day))


def max_shifts(m: ScheduleModel) -> None:
    """At most `max_shifts` shifts over the horizon."""
    for v, vol in enumerate(m.problem.volunteers):
        if vol.limits.max_shifts is not None:
            lits = [m.assigned[(v, s)] for s in m.elig.shifts_of[v]]
            m.add_at_most(lits, vol.limits.max_shifts, Guard("max_shifts", v))


def max_shifts_per_activity(m: ScheduleModel) -> None:
    """At most `max_shifts_per_activity[a]` shifts of activity a over the horizon."""
    for v, vol in enumerate(m.problem.volunteers):
        for activity, limit in sorted(vol.limits.max_shifts_per_activity.items()):
            lits = [m.assigned[(v, s)] for s in m.elig.shifts_of[v]
                    if m.problem.shifts[s].activity == activity]
            m.add_at_most(lits, limit, Guard("max_shifts_per_activity", v, detail=activity))


def max_minutes(m: ScheduleModel) -> None:
    """At most `max_minutes` assigned minutes over the horizon."""
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.max_minutes
        if limit is None:
            continue
        shifts = m.elig.shifts_of[v]
        if sum(m.problem.shifts[s].minutes for s in shifts) > limit:
            m.add(_minutes(m, v) <= limit, Guard("max_minutes", v))


def min_minutes(m: ScheduleModel) -> None:
    """At least `min_minutes` for a volunteer with a shift; always if `min_minutes_strict`."""
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.min_minutes
        if not limit:
            continue
        guard = Guard("min_minutes", v)
        lits = [m.assigned[(v, s)] for s in m.elig.shifts_of[v]]
        if vol.limits.min_minutes_strict and not lits:
            m.add_clause([], guard)  # nothing to work: the limit cannot hold
        elif vol.limits.min_minutes_strict:
            m.add(_minutes(m, v) >= limit, guard)
        elif lits:
            works_at_all = m.any_of(lits, exact=False)
            ct = m.cp.add(_minutes(m, v) >= limit)
            ct.only_enforce_if([works_at_all] + m.guard(guard))


def _minutes(m: ScheduleModel, v: int) -> cp_model.LinearExpr:
    shifts = m.elig.shifts_of[v]
    return cp_model.LinearExpr.weighted_sum(
        [m.assigned[(v, s)] for s in shifts], [m.problem.shifts[s].minutes for s in shifts])


def forbidden_successions(m: ScheduleModel) -> None:
    """No shift of `to` on day d + 1 after a shift of `from` on day d.

    For a volunteer who works at most one shift a day (and outside the conflict search),
    all the rules from one activity make a single constraint per day: at most one of "works
    it on day d" and "works one of its forbidden followers on day d + 1". One such row
    replaces a clause per pair (Curtois 24: 97,000 clauses per person) and is tighter in the
    LP. Otherwise (and for a single follower) each rule and day is a clause of its own,
    behind the rule's guard.
    """
    rules = m.problem.rules.forbidden_successions
    if not rules:
        return
    followers: dict[str, list[tuple[int, str]]] = {}
    for k, rule in enumerate(rules):
        followers.setdefault(rule.from_activity, []).append((k, rule.to_activity))
    named = set(followers) | {rule.to_activity for rule in rules}
    for v, vol in enumerate(m.problem.volunteers):
        by_day: dict[int, dict[str, Lit]] = {}

        def on_day(day: int) -> dict[str, Lit]:
            """The literals "works `activity` on `day`" of the activities the rules name."""
            lits = by_day.get(day)
            if lits is None:
                shifts: dict[str, list[Lit]] = {}
                for s in m.day_shifts(v, day):
                    activity = m.problem.shifts[s].activity
                    if activity in named:
                        shifts.setdefault(activity, []).append(m.assigned[(v, s)])
                lits = by_day[day] = {a: m.any_of(group, exact=False) for a, group in shifts.items()}
            return lits

        one_a_day = vol.limits.max_shifts_per_day == 1 and not m.guarded
        days = sorted({m.problem.shifts[s].day for s in m.elig.shifts_of[v]})
        for activity, succ in followers.items():
            for day in days:
                first = on_day(day).get(activity, False)
                if first is False:
                    continue
                tomorrow = on_day(day + 1)
                if one_a_day:
                    # One literal per activity; dedupe by variable.
                    after = {lit.index: lit for _, to in succ if (lit := tomorrow.get(to, False)) is not False}
                    if len(after) > 1:
                        m.add_at_most([first] + list(after.values()), 1, None)
                        continue
                for k, to in succ:
                    second = tomorrow.get(to, False)
                    if second is not False:
                        m.add_clause([~first, ~second], Guard("succession", v, detail=k))


def supervision(m: ScheduleModel) -> None:
    """Anyone of a supervised group needs someone of the `by` groups (not of the group)."""
    vols = m.problem.volunteers
    for s, shift in enumerate(m.problem.shifts):
        candidates = m.elig.volunteers_of[s]
        for k, rule in enumerate(shift.supervision):
            members = [m.assigned[(v, s)] for v in candidates if rule.group in vols[v].groups]
            if not members:
                continue
            supervisors = [m.assigned[(v, s)] for v in candidates
                           if vols[v].groups & rule.by and rule.group not in vols[v].groups]
            anyone = m.any_of(members, exact=False)
            m.add_clause([~anyone] + supervisors, Guard("supervision", shift=s, detail=k))


#: In the order `build_model` adds them.
HARD_RULES: tuple[Callable[[ScheduleModel], None], ...] = (
    fix_assignments,
    respect_role_max,
    no_overlap,
    max_shifts_per_day,
    max_shifts,
    max_shifts_per_activity,
    max_minutes,
    min_minutes,
    max_consecutive_days,
    min_consecutive_days,
    min_consecutive_days_off,
    max_weekends,
    forbidden_successions,
    supervision,
)
