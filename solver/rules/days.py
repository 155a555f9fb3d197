"""Hard rules on runs of working days, on one "works on day d" literal per volunteer-day.

A working day is a horizon day on which one of the volunteer's shifts starts. Days outside
the horizon count as off for the maximum (so a run touching an edge is still capped), while
the minimums exempt runs that touch the first or the last day (nothing is known beyond).
The encodings are sliding windows: a window of ``max + 1`` days holds at most ``max``
working days, and a run that starts inside the horizon implies the next ``min - 1`` days.
"""

from __future__ import annotations

from solver.model import Guard, Lit, ScheduleModel


def _negate(lit: Lit) -> Lit:
    if lit is True or lit is False:
        return not lit
    return ~lit


def _working_days(m: ScheduleModel, v: int) -> list[Lit]:
    return [m.works(v, d) for d in range(m.problem.num_days)]


def max_consecutive_days(m: ScheduleModel) -> None:
    """Every run of working days, edge runs included, is at most `max_consecutive_days`."""
    days = m.problem.num_days
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.max_consecutive_days
        if limit is None or limit >= days or not m.elig.shifts_of[v]:
            continue
        work = _working_days(m, v)
        guard = Guard("max_consecutive_days", v)
        for start in range(days - limit):
            m.add_at_most(work[start:start + limit + 1], limit, guard)
        rest = vol.limits.min_consecutive_days_off or 0
        if rest > 1 and not m.guarded:
            # Implied, and much tighter in the LP: a window of max + min-off days holds at most
            # `max` working days (more would need a run too long or an inner rest too short).
            for start in range(days - limit - rest + 1):
                m.add_at_most(work[start:start + limit + rest], limit, None)


def min_consecutive_days(m: ScheduleModel) -> None:
    """Every run of working days not touching an edge lasts `min_consecutive_days` or more."""
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.min_consecutive_days
        if limit is None or limit <= 1 or not m.elig.shifts_of[v]:
            continue
        _forbid_short_runs(m, v, _working_days(m, v), limit, Guard("min_consecutive_days", v))


def min_consecutive_days_off(m: ScheduleModel) -> None:
    """Every run of days off not touching an edge lasts `min_consecutive_days_off` or more."""
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.min_consecutive_days_off
        if limit is None or limit <= 1 or not m.elig.shifts_of[v]:
            continue
        off = [_negate(lit) for lit in _working_days(m, v)]
        _forbid_short_runs(m, v, off, limit, Guard("min_consecutive_days_off", v))


def _forbid_short_runs(m: ScheduleModel, v: int, inside: list[Lit], limit: int, guard: Guard) -> None:
    """No run of `inside` days bounded on both sides by outside days is shorter than `limit`.

    A run that starts on day d (outside on d - 1, inside on d) goes on at least through day
    d + limit - 1, or else to the last day: either way each of the days d + 1 ... up to
    d + limit - 1 inside the horizon is inside. So, per start day and day after it, one
    three-literal clause ``outside[d-1] or not inside[d] or inside[d+k]``, whose LP form
    ``inside[d+k] >= inside[d] - inside[d-1]`` is tighter than forbidding each short run.
    """
    days = len(inside)
    for first in range(1, days - 1):
        for k in range(1, limit):
            if first + k > days - 1:
                break
            m.add_clause([inside[first - 1], _negate(inside[first]), inside[first + k]], guard)


def max_weekends(m: ScheduleModel) -> None:
    """At most `max_weekends` weekends with a working day."""
    weekends = m.problem.weekends
    for v, vol in enumerate(m.problem.volunteers):
        limit = vol.limits.max_weekends
        if limit is None or limit >= len(weekends) or not m.elig.shifts_of[v]:
            continue
        worked = [m.any_of([m.works(v, d) for d in weekend], exact=False) for weekend in weekends]
        m.add_at_most(worked, limit, Guard("max_weekends", v))
