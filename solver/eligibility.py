"""Which (volunteer, shift, role) triples may exist at all, before any model is built.

A triple survives when the volunteer serves the shift's area, has the role's skills and one
of its groups, is available for the whole shift and busy at no moment of it, has no day off
on its start date, has not withdrawn from it (`forbidden`), and no single-shift limit rules
it out on its own (`max_shifts` 0, a shift longer than `max_minutes`, ...). The model, the
greedy fill and the conflict explanations all work on these candidates only, so the model
never holds a variable for a pair that could not be assigned anyway.

Volunteers and shifts are referred to by their index in `Problem.volunteers` and
`Problem.shifts`; roles by their index in `Shift.roles`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional, Sequence

from solver.domain import Interval, Problem, Role, Shift, Volunteer


@dataclass(frozen=True)
class Eligibility:
    """The candidate triples of a problem, indexed both ways."""

    #: (volunteer, shift) -> role indexes the volunteer may take in that shift.
    roles: dict[tuple[int, int], tuple[int, ...]]
    #: volunteer -> candidate shifts, sorted by (start, end, index).
    shifts_of: tuple[tuple[int, ...], ...]
    #: shift -> candidate volunteers, ascending.
    volunteers_of: tuple[tuple[int, ...], ...]

    @property
    def num_triples(self) -> int:
        """How many (volunteer, shift, role) triples survive."""
        return sum(len(r) for r in self.roles.values())


def compute_eligibility(problem: Problem) -> Eligibility:
    """The candidate triples of `problem` (see the module docstring)."""
    shifts = problem.shifts
    order = sorted(range(len(shifts)), key=lambda i: (shifts[i].start_min, shifts[i].end_min, i))
    by_area: dict[Optional[str], list[int]] = defaultdict(list)
    for i in order:
        by_area[shifts[i].area].append(i)
    starts_by_area = {area: [shifts[i].start_min for i in idx] for area, idx in by_area.items()}
    forbidden = {(f.volunteer, f.shift) for f in problem.forbidden}

    roles: dict[tuple[int, int], tuple[int, ...]] = {}
    shifts_of: list[tuple[int, ...]] = []
    volunteers_of: list[list[int]] = [[] for _ in shifts]
    for vi, v in enumerate(problem.volunteers):
        mine: list[int] = []
        for si in _shifts_in_reach(v, by_area, starts_by_area, shifts):
            s = shifts[si]
            if (v.id, s.id) in forbidden or time_obstacle(problem, v, s) or limit_obstacle(v, s):
                continue
            ok = tuple(ri for ri, role in enumerate(s.roles) if not role_obstacle(v, s, role))
            if ok:
                roles[(vi, si)] = ok
                mine.append(si)
        mine.sort(key=lambda i: (shifts[i].start_min, shifts[i].end_min, i))
        shifts_of.append(tuple(mine))
        for si in mine:
            volunteers_of[si].append(vi)
    return Eligibility(roles, tuple(shifts_of), tuple(tuple(x) for x in volunteers_of))


def _shifts_in_reach(v: Volunteer, by_area: dict[Optional[str], list[int]],
                     starts_by_area: dict[Optional[str], list[int]],
                     shifts: Sequence[Shift]) -> list[int]:
    """Shifts of the volunteer's areas (or of no area) that start inside an available interval."""
    areas = by_area.keys() if v.areas is None else [a for a in by_area if a is None or a in v.areas]
    found: list[int] = []
    for area in areas:
        idx, starts = by_area[area], starts_by_area[area]
        if v.available is None:
            found.extend(idx)
            continue
        for lo, hi in v.available:
            first, last = bisect_left(starts, lo), bisect_left(starts, hi)
            found.extend(si for si in idx[first:last] if shifts[si].end_min <= hi)
    return found


def role_obstacle(v: Volunteer, s: Shift, role: Role) -> Optional[str]:
    """Why `v` can never take `role` of `s` (groups, skills), or ``None``."""
    if role.groups is not None and not (v.groups & role.groups):
        return f"is in none of the groups {', '.join(sorted(role.groups))} of {s.id}/{role.name}"
    for skill, level in sorted(role.skills.items()):
        if v.skills.get(skill, 0) < level:
            return f"lacks {skill} >= {level} for {s.id}/{role.name}"
    return None


def time_obstacle(problem: Problem, v: Volunteer, s: Shift) -> Optional[str]:
    """Why `v` cannot work `s` at its time (area, availability, busy, day off), or ``None``."""
    if v.areas is not None and s.area is not None and s.area not in v.areas:
        return f"does not serve area {s.area} of {s.id}"
    if v.available is not None and not covers(v.available, s.start_min, s.end_min):
        return f"is not available for the whole of {s.id} ({_span(s)})"
    for lo, hi in v.unavailable:
        if lo < s.end_min and s.start_min < hi:
            return f"is unavailable during {s.id} ({_span(s)})"
    if s.start.date() in v.days_off:
        return f"has a day off on {s.start.date()}, when {s.id} starts"
    return None


def limit_obstacle(v: Volunteer, s: Shift) -> Optional[str]:
    """Why one of `v`'s limits forbids even `s` alone, or ``None``."""
    lim = v.limits
    if lim.max_shifts == 0:
        return "has max_shifts 0"
    if lim.max_shifts_per_day == 0:
        return "has max_shifts_per_day 0"
    if lim.max_consecutive_days == 0:
        return "has max_consecutive_days 0"
    if lim.max_shifts_per_activity.get(s.activity) == 0:
        return f"has max_shifts_per_activity 0 for {s.activity}"
    if lim.max_minutes is not None and s.minutes > lim.max_minutes:
        return f"has max_minutes {lim.max_minutes} < {s.minutes} minutes of {s.id}"
    return None


def timing_clash(problem: Problem, v: Volunteer, a: Shift, b: Shift) -> Optional[str]:
    """The rule that forbids `v` to work both `a` and `b` (overlap, rest, travel), or ``None``."""
    first, second = (a, b) if a.start_min <= b.start_min else (b, a)
    gap = second.start_min - first.end_min
    if gap < 0:
        return "overlap"
    if gap < (v.limits.min_rest_minutes or 0):
        return "min_rest_minutes"
    if (gap < problem.rules.travel_minutes and a.venue is not None and b.venue is not None
            and a.venue != b.venue):
        return "travel_minutes"
    return None


def obstacle(problem: Problem, v: Volunteer, s: Shift, role: Optional[Role]) -> Optional[str]:
    """The first reason why `v` can never take `role` of `s` (any role if ``None``)."""
    if any(f.volunteer == v.id and f.shift == s.id for f in problem.forbidden):
        return f"withdrew from {s.id} (forbidden)"
    reason = time_obstacle(problem, v, s) or limit_obstacle(v, s)
    if reason:
        return reason
    if role is not None:
        return role_obstacle(v, s, role)
    reasons = [role_obstacle(v, s, r) for r in s.roles]
    return None if not all(reasons) else "; ".join(r for r in reasons if r)


def covers(intervals: Sequence[Interval], start: int, end: int) -> bool:
    """Whether one of the merged, sorted `intervals` contains ``[start, end)``.

    Touching intervals are joined here too, in case a caller passes them unmerged.
    """
    i = bisect_right([lo for lo, _ in intervals], start) - 1
    if i < 0 or intervals[i][1] <= start:
        return False
    reach = intervals[i][1]
    for lo, hi in intervals[i + 1:]:
        if lo > reach or reach >= end:
            break
        reach = max(reach, hi)
    return reach >= end


def _span(s: Shift) -> str:
    tail = s.end.strftime("%H:%M") if s.end.date() == s.start.date() else f"{s.end:%Y-%m-%d %H:%M}"
    return f"{s.start:%Y-%m-%d %H:%M}-{tail}"
