"""Who could take which role at all: the per-assignment hard rules, fast, for benchmarks.

A (volunteer, shift, role) triple is *eligible* when it survives the rules that look at that
triple alone: skills, groups, areas, availability, unavailability, days off and `forbidden`
(the spec's Volunteer and Shift sections). These are the triples for which an engine needs a
variable, so their count measures model size independently of the engine; the greedy
baseline scans them instead of every volunteer. Limits, overlaps and supervision depend on
the other assignments and are left to the checker (`solver.checker.blocking_violations`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from typing import Iterator

from solver.domain import Interval, Problem, Role, Shift, Volunteer

#: (shift id, role name) -> eligible volunteers in document order.
Candidates = dict[tuple[str, str], list[Volunteer]]


def eligible(volunteer: Volunteer, shift: Shift, role: Role, forbidden: frozenset[tuple[str, str]]) -> bool:
    """Whether `volunteer` passes every per-assignment hard rule for `role` of `shift`."""
    if role.groups is not None and not (volunteer.groups & role.groups):
        return False
    if any(volunteer.skills.get(skill, 0) < level for skill, level in role.skills.items()):
        return False
    if volunteer.areas is not None and shift.area is not None and shift.area not in volunteer.areas:
        return False
    if shift.start.date() in volunteer.days_off or (volunteer.id, shift.id) in forbidden:
        return False
    if volunteer.available is not None and not _covered(volunteer.available, shift.start_min, shift.end_min):
        return False
    return not any(a < shift.end_min and shift.start_min < b for a, b in volunteer.unavailable)


def candidates(problem: Problem) -> Candidates:
    """Every role's eligible volunteers, in the document's volunteer order."""
    forbidden = frozenset((f.volunteer, f.shift) for f in problem.forbidden)
    by_area: dict[str, list[int]] = defaultdict(list)
    anywhere: list[int] = []  # volunteers without `areas` serve every area
    for index, volunteer in enumerate(problem.volunteers):
        if volunteer.areas is None:
            anywhere.append(index)
        else:
            for area in volunteer.areas:
                by_area[area].append(index)
    result: Candidates = {}
    for shift in problem.shifts:
        if shift.area is None:
            pool = problem.volunteers
        else:
            pool = [problem.volunteers[i] for i in sorted(by_area.get(shift.area, []) + anywhere)]
        for role in shift.roles:
            result[(shift.id, role.name)] = [v for v in pool if eligible(v, shift, role, forbidden)]
    return result


def eligible_triples(problem: Problem) -> Iterator[tuple[str, str, str]]:
    """(volunteer id, shift id, role name) of every eligible triple."""
    for (shift_id, role_name), volunteers in candidates(problem).items():
        for volunteer in volunteers:
            yield volunteer.id, shift_id, role_name


def _covered(intervals: tuple[Interval, ...], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside one of the merged, sorted `intervals`."""
    position = bisect_right(intervals, (start, float("inf"))) - 1
    return position >= 0 and intervals[position][0] <= start and end <= intervals[position][1]
