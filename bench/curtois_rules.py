"""The benchmark's own rules and objective, computed from a roster alone.

This is the benchmark README's definition written out directly on the instance data, without
the schedule document, the engine or our checker, so that a wrong mapping or a wrong engine
shows up as a difference. A roster is a list of (employee, day, shift type) entries, one per
worked day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from bench.curtois_format import Instance, Staff

#: One worked day: (employee id, day index, shift type id).
Entry = tuple[str, int, str]


@dataclass(frozen=True)
class Evaluation:
    """The benchmark objective's parts (each already weighted)."""

    shift_on: int
    shift_off: int
    under_cover: int
    over_cover: int

    @property
    def total(self) -> int:
        """The benchmark objective."""
        return self.shift_on + self.shift_off + self.under_cover + self.over_cover


def benchmark_objective(instance: Instance, roster: Iterable[Entry]) -> Evaluation:
    """The benchmark's soft-constraint penalty of `roster` (README, "Soft")."""
    worked = set(roster)
    shift_on = sum(r.weight for r in instance.on_requests
                   if (r.employee, r.day, r.shift) not in worked)
    shift_off = sum(r.weight for r in instance.off_requests
                    if (r.employee, r.day, r.shift) in worked)
    headcount = Counter((day, shift) for _, day, shift in worked)
    under = over = 0
    for (day, shift), cover in instance.cover.items():
        n = headcount[(day, shift)]
        under += cover.under_weight * max(0, cover.requirement - n)
        over += cover.over_weight * max(0, n - cover.requirement)
    return Evaluation(shift_on, shift_off, under, over)


def runs(worked: Sequence[bool]) -> Iterator[tuple[bool, int, int]]:
    """Maximal runs of equal values as (value, first index, length)."""
    start = 0
    for i in range(1, len(worked) + 1):
        if i == len(worked) or worked[i] != worked[start]:
            yield worked[start], start, i - start
            start = i


def _employee_violations(instance: Instance, staff: Staff, shifts: dict[int, str]) -> list[str]:
    """Hard rules 2 to 7 of the README for one employee, whose day -> shift type is `shifts`."""
    eid, days = staff.id, instance.days
    found: list[str] = []
    for day, shift in sorted(shifts.items()):
        following = shifts.get(day + 1)
        if following is not None and following in instance.shift_types[shift].cannot_follow:
            found.append(f"{eid}: {following} on day {day + 1} may not follow {shift} "
                         f"on day {day}")
        if day in instance.days_off.get(eid, ()):
            found.append(f"{eid}: works {shift} on day off {day}")
    for shift, count in Counter(shifts.values()).items():
        if count > staff.max_shifts.get(shift, days):
            found.append(f"{eid}: {count} shifts of {shift}, max {staff.max_shifts[shift]}")
    minutes = sum(instance.shift_types[s].minutes for s in shifts.values())
    if not staff.min_minutes <= minutes <= staff.max_minutes:
        found.append(f"{eid}: {minutes} minutes, outside "
                     f"[{staff.min_minutes}, {staff.max_minutes}]")
    worked = [d in shifts for d in range(days)]
    for on, first, length in runs(worked):
        inner = first > 0 and first + length < days
        if on and length > staff.max_consecutive:
            found.append(f"{eid}: {length} consecutive shifts from day {first}, "
                         f"max {staff.max_consecutive}")
        if on and inner and length < staff.min_consecutive:
            found.append(f"{eid}: only {length} consecutive shifts from day {first}, "
                         f"min {staff.min_consecutive}")
        if not on and inner and length < staff.min_days_off:
            found.append(f"{eid}: only {length} consecutive days off from day {first}, "
                         f"min {staff.min_days_off}")
    weekends = sum(1 for saturday in range(5, days, 7) if any(worked[saturday:saturday + 2]))
    if weekends > staff.max_weekends:
        found.append(f"{eid}: {weekends} weekends worked, max {staff.max_weekends}")
    return found


def roster_violations(instance: Instance, roster: Iterable[Entry]) -> list[str]:
    """Every hard rule of the README that `roster` breaks, in words (empty when valid)."""
    staff_by_id = {s.id: s for s in instance.staff}
    found: list[str] = []
    per_employee: dict[str, dict[int, str]] = defaultdict(dict)
    for eid, day, shift in roster:
        known = eid in staff_by_id and shift in instance.shift_types
        if not known or not 0 <= day < instance.days:
            found.append(f"unknown entry {eid},{day},{shift}")
        elif day in per_employee[eid]:
            found.append(f"{eid}: two shifts on day {day} ({per_employee[eid][day]} and {shift})")
        else:
            per_employee[eid][day] = shift
    for staff in instance.staff:
        found += _employee_violations(instance, staff, per_employee.get(staff.id, {}))
    return found
