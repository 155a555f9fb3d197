"""Neighbourhoods of a schedule: a few volunteers on a few days set free, everyone else kept.

`neighbourhood` turns "free these volunteers on these days" into a sub-problem of the same
document format, so that the whole engine (model, hints, patterns, evaluation) solves it
unchanged, and a much smaller model is built than the whole problem's. The sub-problem is
*exact*: for every schedule X of it that keeps its hard rules, the kept assignments plus X
keep the whole problem's hard rules, and the whole objective of that union is the
sub-problem's objective of X plus a constant. Hence improving the sub-problem improves the
whole schedule by the same amount.

How the rest of the schedule is folded in:

- Every assignment of the freed volunteers stays in the sub-problem, as a `fixed` entry on
  the days that are not free, so that each freed volunteer's limits (minutes, runs of days,
  weekends, rest) see the whole week.
- Each role's `need` and `max` drop by the people kept in it; beyond its `need`, kept
  people are extra already, so every freed person there costs `over_weight`, as a `need`
  of 0 says.
- Supervision that a kept supervisor satisfies is dropped; a supervision rule that kept
  people make binding, and continuity series that kept people take part in, are frozen:
  the freed volunteers keep exactly what they have there (so the cost does not change).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Collection, Optional, Sequence

from solver.domain import Assignment, Forbidden, Problem, Shift, Volunteer
from solver.eligibility import Eligibility


@dataclass(frozen=True)
class Neighbourhood:
    """A sub-problem of a schedule and what surrounds it."""

    problem: Problem
    #: The assignments of the volunteers that are not freed.
    kept: tuple[Assignment, ...]
    #: The freed volunteers' current assignments: a schedule of `problem` keeping its rules.
    current: tuple[Assignment, ...]
    #: Candidate triples that the sub-problem leaves free to change.
    free_triples: int

    def merge(self, assignments: Sequence[Assignment]) -> list[Assignment]:
        """The whole schedule with `assignments` (a schedule of `problem`) in place."""
        return list(self.kept) + list(assignments)


def neighbourhood(problem: Problem, elig: Eligibility, current: Sequence[Assignment],
                  volunteers: Collection[int], days: Optional[Collection[int]] = None) -> Neighbourhood:
    """The sub-problem that frees `volunteers` (indexes) on `days` (all days when None).

    `current` must keep every hard rule of `problem`.
    """
    freed = set(volunteers)
    vindex = {v.id: i for i, v in enumerate(problem.volunteers)}
    sindex = {s.id: i for i, s in enumerate(problem.shifts)}
    kept = tuple(a for a in current if vindex[a.volunteer] not in freed)
    mine = tuple(a for a in current if vindex[a.volunteer] in freed)
    kept_people: dict[tuple[int, str], int] = defaultdict(int)
    kept_on_shift: dict[int, list[Volunteer]] = defaultdict(list)
    kept_series: set[tuple[str, str]] = set()
    for a in kept:
        s = sindex[a.shift]
        kept_people[(s, a.role or "")] += 1
        kept_on_shift[s].append(problem.volunteer_by_id[a.volunteer])
        role = problem.shifts[s].role(a.role or "")
        if role is not None and role.continuity:
            kept_series.add((problem.shifts[s].activity, role.name))

    mine_on: dict[int, list[Assignment]] = defaultdict(list)
    for a in mine:
        mine_on[sindex[a.shift]].append(a)
    open_days = None if days is None else set(days)
    candidates = {s for v in freed for s in elig.shifts_of[v]
                  if open_days is None or problem.shifts[s].day in open_days}
    fixed: list[Assignment] = []
    forbidden: list[Forbidden] = []
    shifts: dict[int, Shift] = {}
    free_triples = 0
    # A freed volunteer's fixed entries stay in view even where the schedule breaks them
    # (`solver.lns.repair`), so that the sub-problem cannot drop them.
    needed = set(mine_on) | {sindex[f.shift] for f in problem.fixed if vindex[f.volunteer] in freed}
    for s in sorted(candidates | needed):
        shift = problem.shifts[s]
        supervision, binding = _supervision_left(shift, kept_on_shift.get(s, ()))
        frozen = (s not in candidates or binding
                  or any(r.continuity and (shift.activity, r.name) in kept_series for r in shift.roles))
        if frozen:
            if s not in needed:
                continue
            fixed += mine_on.get(s, [])
            on = {vindex[a.volunteer] for a in mine_on.get(s, [])}
            forbidden += [Forbidden(problem.volunteers[v].id, shift.id) for v in elig.volunteers_of[s]
                          if v in freed and v not in on]
        else:
            free_triples += sum(len(elig.roles[(v, s)]) for v in elig.volunteers_of[s] if v in freed)
        roles = tuple(replace(r, need=max(0, r.need - kept_people[(s, r.name)]),
                              max=max(0, r.max - kept_people[(s, r.name)]),
                              continuity=r.continuity and (shift.activity, r.name) not in kept_series)
                      for r in shift.roles)
        shifts[s] = replace(shift, roles=roles, supervision=() if frozen else supervision)

    freed_ids = {problem.volunteers[v].id for v in freed}
    shift_ids = {problem.shifts[s].id for s in shifts}

    def inside(entries):
        return tuple(e for e in entries if e.volunteer in freed_ids and e.shift in shift_ids)

    sub = replace(problem, name=f"{problem.name}/neighbourhood",
                  volunteers=tuple(problem.volunteers[v] for v in sorted(freed)),
                  shifts=tuple(shifts[s] for s in sorted(shifts)),
                  fixed=tuple(dict.fromkeys(inside(problem.fixed) + tuple(fixed))),
                  forbidden=tuple(dict.fromkeys(inside(problem.forbidden) + tuple(forbidden))),
                  previous=inside(problem.previous))
    return Neighbourhood(sub, kept, mine, free_triples)


def _supervision_left(shift: Shift, kept: Sequence[Volunteer]) -> tuple[tuple, bool]:
    """The shift's supervision rules the freed volunteers still face, and whether one of them
    binds them through kept people (someone of the group kept without a kept supervisor)."""
    left = []
    binding = False
    for rule in shift.supervision:
        if any(v.groups & rule.by and rule.group not in v.groups for v in kept):
            continue  # a kept supervisor covers the rule whatever the freed volunteers do
        if any(rule.group in v.groups for v in kept):
            binding = True
        left.append(rule)
    return tuple(left), binding
