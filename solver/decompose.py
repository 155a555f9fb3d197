"""Splitting a problem into independent parts that can be solved one after the other.

Two volunteers, or two shifts, interact only through a candidate (volunteer, shift) pair or a
continuity series (one activity and role across shifts). The connected components of that
graph share no constraint and no objective term, so a street office of twenty communities
is twenty small problems rather than one big one: each is presolved, bounded and searched on
its own, and the sum of their optima is the optimum. Small components are packed together
so that there are not hundreds of tiny solves.

The objective splits exactly, except for `previous` pairs whose volunteer and shift land in
different parts: those are changes whatever happens, and `Decomposition.constant` carries
them. (A part whose own `previous` is empty still counts its changes when the whole
problem has a previous plan: callers pass ``count_changes``.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from solver.domain import Problem
from solver.eligibility import Eligibility

#: Components are packed into parts of at least this many candidate triples.
MIN_PART_TRIPLES = 1500


@dataclass(frozen=True)
class Part:
    """One part: a sub-problem and where its volunteers and shifts sit in the whole."""

    problem: Problem
    volunteers: tuple[int, ...]
    shifts: tuple[int, ...]
    triples: int


@dataclass(frozen=True)
class Decomposition:
    """The parts of a problem and the objective that belongs to none of them."""

    parts: tuple[Part, ...]
    constant: float


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def decompose(problem: Problem, elig: Eligibility) -> Decomposition:
    """The independent parts of `problem`, small components packed together."""
    n_v, n_s = len(problem.volunteers), len(problem.shifts)
    uf = _UnionFind(n_v + n_s)
    for v, s in elig.roles:
        uf.union(v, n_v + s)
    series: dict[tuple[str, str], int] = {}
    for s, shift in enumerate(problem.shifts):
        for role in shift.roles:
            if role.continuity:
                first = series.setdefault((shift.activity, role.name), s)
                uf.union(n_v + first, n_v + s)
    members: dict[int, tuple[list[int], list[int]]] = {}
    for v in range(n_v):
        members.setdefault(uf.find(v), ([], []))[0].append(v)
    for s in range(n_s):
        members.setdefault(uf.find(n_v + s), ([], []))[1].append(s)
    triples = {root: sum(len(elig.roles.get((v, s), ())) for v in vs for s in elig.shifts_of[v])
               for root, (vs, _) in members.items()}

    groups: list[tuple[list[int], list[int], int]] = []
    current: tuple[list[int], list[int], int] = ([], [], 0)
    for root in sorted(members, key=lambda r: (triples[r], r)):
        vs, ss = members[root]
        current = (current[0] + vs, current[1] + ss, current[2] + triples[root])
        if current[2] >= MIN_PART_TRIPLES:
            groups.append(current)
            current = ([], [], 0)
    if current[0] or current[1]:
        groups.append(current)

    part_of_v, part_of_s = {}, {}
    for k, (vs, ss, _) in enumerate(groups):
        part_of_v.update((v, k) for v in vs)
        part_of_s.update((s, k) for s in ss)
    vindex = {v.id: i for i, v in enumerate(problem.volunteers)}
    sindex = {s.id: i for i, s in enumerate(problem.shifts)}
    crossing = {(a.volunteer, a.shift) for a in problem.previous
                if part_of_v[vindex[a.volunteer]] != part_of_s[sindex[a.shift]]}
    parts = tuple(_part(problem, sorted(vs), sorted(ss), n) for vs, ss, n in groups)
    return Decomposition(parts, problem.weights.change * len(crossing))


def _part(problem: Problem, vs: Sequence[int], ss: Sequence[int], triples: int) -> Part:
    """The sub-problem of volunteers `vs` and shifts `ss` (entries of other parts left out)."""
    if len(vs) == len(problem.volunteers) and len(ss) == len(problem.shifts):
        return Part(problem, tuple(vs), tuple(ss), triples)
    v_ids = {problem.volunteers[v].id for v in vs}
    s_ids = {problem.shifts[s].id for s in ss}

    def inside(entries):
        return tuple(e for e in entries if e.volunteer in v_ids and e.shift in s_ids)

    sub = replace(problem, volunteers=tuple(problem.volunteers[v] for v in vs),
                  shifts=tuple(problem.shifts[s] for s in ss), fixed=inside(problem.fixed),
                  forbidden=inside(problem.forbidden),
                  previous=inside(problem.previous))
    return Part(sub, tuple(vs), tuple(ss), triples)
