"""Why a problem is infeasible, in sentences that name volunteers, shifts and limits.

Two stages. `static_conflicts` catches fixed entries that no candidate triple can carry
(the volunteer is unavailable then, has a day off, ...), without any search. Otherwise
`explain_infeasible` builds the model in guarded mode, where each fixed entry, each
volunteer's limit, each role's max and each supervision rule is enforced by its own literal,
solves under all those literals as assumptions, takes CP-SAT's sufficient set of assumptions
for infeasibility, and shrinks it by short re-solves (dropping a member whenever the rest is
still infeasible). The small set left is turned into sentences such as
``v003 (Wang) is fixed to 3 shifts (s010, s011, s012) but max_shifts is 2``.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import Optional

from ortools.sat.python import cp_model

from solver.domain import Problem, Shift, Volunteer
from solver.eligibility import Eligibility, obstacle
from solver.model import Guard, build_model

log = logging.getLogger(__name__)

#: Time of one shrinking re-solve, as a share of the budget (at least this many seconds).
MIN_STEP_SECONDS = 0.5


def static_conflicts(problem: Problem, elig: Eligibility) -> list[str]:
    """Sentences for the fixed entries that no candidate triple can carry."""
    sentences = []
    vindex = {v.id: i for i, v in enumerate(problem.volunteers)}
    sindex = {s.id: i for i, s in enumerate(problem.shifts)}
    for entry in problem.fixed:
        v, s = vindex[entry.volunteer], sindex[entry.shift]
        shift = problem.shifts[s]
        roles = elig.roles.get((v, s), ())
        if entry.role is None and roles:
            continue
        role = shift.role(entry.role) if entry.role is not None else None
        if role is not None and shift.roles.index(role) in roles:
            continue
        vol = problem.volunteers[v]
        why = obstacle(problem, vol, shift, role) or "cannot take it"
        sentences.append(f"fixed: {who(vol)} in {_slot(shift, entry.role)} cannot hold: "
                         f"{vol.id} {why}")
    return sentences


def explain_infeasible(problem: Problem, elig: Eligibility, *, time_limit: float = 10.0,
                       seed: int = 0) -> list[str]:
    """Sentences naming a small set of fixed entries and limits that cannot all hold."""
    started = time.perf_counter()
    model = build_model(problem, elig, guarded=True)
    guards = list(model.guards)
    literal = {g: model.guards[g] for g in guards}
    by_index = {lit.index: g for g, lit in literal.items()}

    def infeasible_core(subset: list[Guard], seconds: float) -> Optional[list[Guard]]:
        """A core (subset of `subset`) if `subset` is infeasible; None if feasible or unknown.

        Presolve stays off: with it, CP-SAT may report assumptions that are not a core
        (or-tools issue #5141).
        """
        model.cp.clear_assumptions()
        model.cp.add_assumptions([literal[g] for g in subset])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.05, seconds)
        solver.parameters.cp_model_presolve = False
        if solver.solve(model.cp) != cp_model.INFEASIBLE:
            return None
        wanted = set(subset)
        found = {by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()
                 if i in by_index and by_index[i] in wanted}
        return [g for g in subset if g in found] or list(subset)

    def remaining() -> float:
        return time_limit - (time.perf_counter() - started)

    core = infeasible_core(guards, remaining() * 0.5)
    if core is None:
        log.warning("conflict search on %r found no core in %.1f s", problem.name, time_limit)
        return _fallback(problem, "the search ran out of time before it could isolate the cause")
    if len(core) < len(guards) and infeasible_core(core, remaining() * 0.3) is None:
        core = guards  # not confirmed: shrink the whole set instead
    i = 0
    while i < len(core) and remaining() > 0.05:
        trial = core[:i] + core[i + 1:]
        step = max(MIN_STEP_SECONDS, remaining() / max(1, len(core) - i))
        smaller = infeasible_core(trial, min(step, remaining())) if trial else None
        if smaller is not None:
            core = smaller if len(smaller) < len(trial) and \
                infeasible_core(smaller, min(step, remaining())) is not None else trial
        else:
            i += 1
    log.info("conflict of %d of %d rule groups found in %.1f s", len(core), len(guards),
             time.perf_counter() - started)
    return describe(problem, core)


def _fallback(problem: Problem, why: str) -> list[str]:
    fixed = "; ".join(f"{f.volunteer} in {f.shift}" + (f"/{f.role}" if f.role else "")
                      for f in problem.fixed)
    sentence = f"The hard rules cannot all hold, but {why}."
    if fixed:
        sentence += f" Check the fixed assignments first: {fixed}."
    return [sentence + " Volunteers' limits (max/min minutes, shifts, consecutive days) come next."]


# --- sentences ----------------------------------------------------------------------------------


def who(v: Volunteer) -> str:
    """``v003 (Wang)``, or the bare id."""
    return f"{v.id} ({v.name})" if v.name else v.id


def _slot(shift: Shift, role: Optional[str]) -> str:
    return f"{shift.id}/{role}" if role else f"{shift.id} (any role)"


def describe(problem: Problem, core: list[Guard]) -> list[str]:
    """Sentences for a conflicting set of guards (see the module docstring)."""
    fixed = [g for g in core if g.kind == "fixed"]
    fixed_of: dict[int, list[Guard]] = defaultdict(list)
    for g in fixed:
        fixed_of[g.volunteer].append(g)
    used: set[Guard] = set()
    sentences: list[str] = []
    for g in core:
        if g.kind == "fixed":
            continue
        sentence, involved = _limit_sentence(problem, g, fixed, fixed_of)
        sentences.append(sentence)
        used.update(involved)
    for v, entries in sorted(fixed_of.items()):
        rest = [g for g in entries if g not in used]
        if len(rest) >= 2:
            pair_sentences = _pair_sentences(problem, v, rest)
            if pair_sentences:
                sentences += pair_sentences
                used.update(rest)
    leftovers = [g for g in fixed if g not in used]
    if leftovers:
        listed = "; ".join(_fixed_phrase(problem, g) for g in leftovers)
        if sentences:
            sentences.append(f"These fixed assignments are part of the conflict too: {listed}.")
        else:
            sentences.append(f"These fixed assignments cannot all hold together: {listed}.")
    return sentences


def _fixed_phrase(problem: Problem, g: Guard) -> str:
    shift = problem.shifts[g.shift]
    role = shift.roles[g.role].name if g.role is not None else None
    return f"{problem.volunteers[g.volunteer].id} in {_slot(shift, role)}"


def _fixed_shifts(problem: Problem, entries: list[Guard]) -> str:
    return ", ".join(problem.shifts[g.shift].id for g in entries)


def _limit_sentence(problem: Problem, g: Guard, fixed: list[Guard],
                    fixed_of: dict[int, list[Guard]]) -> tuple[str, list[Guard]]:
    """One sentence for a non-fixed guard, and the fixed guards it speaks for."""
    if g.kind == "role_max":
        shift = problem.shifts[g.shift]
        role = shift.roles[g.role]
        mine = [f for f in fixed if f.shift == g.shift and f.role in (g.role, None)]
        names = ", ".join(problem.volunteers[f.volunteer].id for f in mine)
        if mine:
            return (f"{shift.id}/{role.name}: {len(mine)} volunteers are fixed to it ({names}) "
                    f"but its max is {role.max}", mine)
        return f"{shift.id}/{role.name}: its max of {role.max} cannot hold", []
    if g.kind == "supervision":
        shift = problem.shifts[g.shift]
        rule = shift.supervision[g.detail]
        mine = [f for f in fixed if f.shift == g.shift
                and rule.group in problem.volunteers[f.volunteer].groups]
        by = " or ".join(sorted(rule.by))
        names = ", ".join(who(problem.volunteers[f.volunteer]) for f in mine) or "someone"
        return (f"{shift.id}: {names} of group {rule.group} is fixed to it and needs a supervisor "
                f"from {by}, but none can be assigned to {shift.id}", mine)
    vol = problem.volunteers[g.volunteer]
    lim = vol.limits
    mine = fixed_of.get(g.volunteer, [])
    shifts = [problem.shifts[f.shift] for f in mine]
    listed = _fixed_shifts(problem, mine)
    name = who(vol)
    if g.kind == "max_shifts":
        return f"{name} is fixed to {len(mine)} shifts ({listed}) but max_shifts is {lim.max_shifts}", mine
    if g.kind == "max_minutes":
        total = sum(s.minutes for s in shifts)
        return (f"{name} is fixed to {total} minutes ({listed}) but max_minutes is {lim.max_minutes}",
                mine)
    if g.kind == "max_shifts_per_day":
        day = problem.day_date(g.detail)
        on_day = [f for f in mine if problem.shifts[f.shift].day == g.detail]
        return (f"{name} is fixed to {len(on_day)} shifts starting on {day} "
                f"({_fixed_shifts(problem, on_day)}) but max_shifts_per_day is "
                f"{lim.max_shifts_per_day}", on_day)
    if g.kind == "max_shifts_per_activity":
        of = [f for f in mine if problem.shifts[f.shift].activity == g.detail]
        return (f"{name} is fixed to {len(of)} shifts of {g.detail} ({_fixed_shifts(problem, of)}) "
                f"but max_shifts_per_activity for {g.detail} is "
                f"{lim.max_shifts_per_activity[g.detail]}", of)
    if g.kind == "min_minutes":
        strict = " (min_minutes_strict)" if lim.min_minutes_strict else ""
        tail = f" together with the fixed shifts {listed}" if mine else ""
        return (f"{name} must work at least min_minutes {lim.min_minutes}{strict}, which cannot be "
                f"reached under the other rules{tail}", mine)
    if g.kind == "succession":
        rule = problem.rules.forbidden_successions[g.detail]
        return (f"{name}: the forbidden succession {rule.from_activity} -> {rule.to_activity} "
                f"cannot hold" + (f" with the fixed shifts {listed}" if mine else ""), mine)
    label = {
        "max_consecutive_days": f"max_consecutive_days {lim.max_consecutive_days}",
        "min_consecutive_days": f"min_consecutive_days {lim.min_consecutive_days}",
        "min_consecutive_days_off": f"min_consecutive_days_off {lim.min_consecutive_days_off}",
        "max_weekends": f"max_weekends {lim.max_weekends}",
    }.get(g.kind, g.kind)
    if mine:
        days = ", ".join(sorted({str(s.start.date()) for s in shifts}))
        return f"{name} is fixed to work on {days} ({listed}) but {label} forbids it", mine
    return f"{name}: {label} cannot hold under the other rules", mine


def _pair_sentences(problem: Problem, v: int, entries: list[Guard]) -> list[str]:
    """Sentences for fixed pairs of one volunteer that clash in time or in one shift."""
    vol = problem.volunteers[v]
    rest = vol.limits.min_rest_minutes or 0
    travel = problem.rules.travel_minutes
    found = []
    ordered = sorted(entries, key=lambda g: problem.shifts[g.shift].start_min)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1:]:
            a, b = problem.shifts[first.shift], problem.shifts[second.shift]
            pa = _fixed_phrase(problem, first)
            sb = _slot(b, b.roles[second.role].name if second.role is not None else None)
            gap = b.start_min - a.end_min
            if a.id == b.id:
                found.append(f"fixed: {who(vol)} is fixed to two roles of {a.id}, "
                             f"but a volunteer takes one role per shift")
            elif gap < 0:
                found.append(f"fixed: {pa} and {sb} overlap")
            elif gap < rest:
                found.append(f"fixed: {pa} and {sb} are {gap} minutes apart "
                             f"but min_rest_minutes of {vol.id} is {rest}")
            elif gap < travel and a.venue and b.venue and a.venue != b.venue:
                found.append(f"fixed: {pa} at {a.venue} and {sb} at {b.venue} are {gap} minutes "
                             f"apart but travel_minutes is {travel}")
    return found
