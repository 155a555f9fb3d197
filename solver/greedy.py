"""A greedy fill that keeps every hard rule: CP-SAT's first hint and the engine's fallback.

Fixed assignments go in first. Then the roles are filled scarcest first (fewest candidates
per place needed), each place by the candidate whose addition lowers the objective most
(preference, fairness, continuity, changes), provided no hard rule breaks. Rules that an
addition can only break, never mend (overlap, rest, travel, every maximum, days off between
runs, weekends, successions, role max) are checked before each addition; the rules that need
*more* work (`min_minutes`, `min_consecutive_days`, supervision) are repaired afterwards by
adding shifts where possible and otherwise removing the volunteer's (non-fixed) shifts.

`Roster.problems()` re-validates the whole result with the engine's own rule code; the
engine only hands CP-SAT a hint (and falls back on it) when that list is empty.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from solver.domain import Assignment, Problem, Supervision
from solver.eligibility import Eligibility, compute_eligibility, timing_clash
from solver.evaluate import preference_weight

log = logging.getLogger(__name__)

#: Rounds of repairs before giving up on a fully valid schedule.
MAX_REPAIR_ROUNDS = 20
#: Rounds of filling and repairing (a repair can free places that a new round fills).
FILL_ROUNDS = 3
#: Reasons that taking one of the volunteer's shifts away may cure.
MOVABLE = frozenset({"max_shifts", "max_minutes", "max_shifts_per_activity", "max_shifts_per_day",
                     "overlap", "min_rest_minutes", "travel_minutes", "max_consecutive_days",
                     "min_consecutive_days_off", "max_weekends", "forbidden succession"})


@dataclass(frozen=True)
class GreedyResult:
    """The greedy schedule and what is still wrong with it (empty when valid)."""

    assignments: list[Assignment]
    problems: list[str]

    @property
    def valid(self) -> bool:
        """True when the schedule keeps every hard rule."""
        return not self.problems


def greedy_assign(problem: Problem) -> list[Assignment]:
    """A schedule that keeps every hard rule when the greedy fill can find one.

    (With fixed assignments or strict minimums that the greedy cannot honour the result may
    break a rule; `greedy_fill` says which.)
    """
    return greedy_fill(problem, compute_eligibility(problem)).assignments


def greedy_fill(problem: Problem, elig: Eligibility, *, count_changes: Optional[bool] = None,
                seconds: Optional[float] = None) -> GreedyResult:
    """Fill greedily, repair, and validate (see the module docstring).

    `count_changes` as in `solver.evaluate.evaluate` (for a part of a bigger problem). After
    about `seconds` the filling and repairs stop where they are (the validation still runs).
    """
    roster = Roster(problem, elig, count_changes=count_changes)
    if seconds is not None:
        roster.deadline = time.perf_counter() + seconds
    roster.place_fixed()
    for _ in range(FILL_ROUNDS):
        roster.fill_needs()
        roster.repair()
    roster.shift_to_fill()
    roster.repair()
    roster.fill_extras()
    roster.repair()
    problems = roster.problems()
    if problems:
        log.debug("greedy schedule of %r breaks %d rule(s), e.g. %s", problem.name, len(problems), problems[0])
    return GreedyResult(roster.assignments(), problems)


class Roster:
    """A schedule under construction, with the per-volunteer state the rules look at."""

    def __init__(self, problem: Problem, elig: Eligibility, *,
                 count_changes: Optional[bool] = None) -> None:
        self.p = problem
        self.count_changes = bool(problem.previous) if count_changes is None else count_changes
        self.elig = elig
        n_v = len(problem.volunteers)
        self.role_of: dict[tuple[int, int], int] = {}  # (v, s) -> role
        self.shifts_of: list[set[int]] = [set() for _ in range(n_v)]
        self.people: dict[tuple[int, int], set[int]] = defaultdict(set)  # (s, r) -> volunteers
        self.in_shift: dict[int, set[int]] = defaultdict(set)  # s -> volunteers
        self.minutes = [0] * n_v
        self.fixed: set[tuple[int, int]] = set()
        self.vindex = {v.id: i for i, v in enumerate(problem.volunteers)}
        self.sindex = {s.id: i for i, s in enumerate(problem.shifts)}
        self.previous = {(self.vindex[a.volunteer], self.sindex[a.shift]) for a in problem.previous}
        self._pref = [preference_weight(v) for v in problem.volunteers]
        self.series_people: dict[tuple[str, str], set[int]] = defaultdict(set)
        #: While a move is tried: its changes, to undo them (``("add"|"remove", v, s, r)``).
        self._undo: Optional[list[tuple[str, int, int, int]]] = None
        #: perf_counter time after which filling and repairing stop.
        self.deadline = math.inf

    def out_of_time(self) -> bool:
        """Whether the greedy's time is up."""
        return time.perf_counter() > self.deadline

    # --- state changes ---------------------------------------------------------------------

    def add(self, v: int, s: int, r: int) -> None:
        """Assign `v` to role `r` of `s` (no check)."""
        if self._undo is not None:
            self._undo.append(("add", v, s, r))
        self.role_of[(v, s)] = r
        self.shifts_of[v].add(s)
        self.people[(s, r)].add(v)
        self.in_shift[s].add(v)
        self.minutes[v] += self.p.shifts[s].minutes
        shift = self.p.shifts[s]
        if shift.roles[r].continuity:
            self.series_people[(shift.activity, shift.roles[r].name)].add(v)

    def remove(self, v: int, s: int) -> None:
        """Take `v` off shift `s`."""
        r = self.role_of.pop((v, s))
        if self._undo is not None:
            self._undo.append(("remove", v, s, r))
        self.shifts_of[v].discard(s)
        self.people[(s, r)].discard(v)
        self.in_shift[s].discard(v)
        self.minutes[v] -= self.p.shifts[s].minutes
        shift = self.p.shifts[s]
        key = (shift.activity, shift.roles[r].name)
        if shift.roles[r].continuity and not any(
                (self.p.shifts[t].activity, self.p.shifts[t].roles[self.role_of[(v, t)]].name) == key
                for t in self.shifts_of[v]):
            self.series_people[key].discard(v)

    def assignments(self) -> list[Assignment]:
        """The schedule as assignments, by shift then volunteer."""
        p = self.p
        return [Assignment(p.volunteers[v].id, p.shifts[s].id, p.shifts[s].roles[r].name)
                for (v, s), r in sorted(self.role_of.items(), key=lambda kv: (kv[0][1], kv[0][0]))]

    # --- phases ----------------------------------------------------------------------------

    def place_fixed(self) -> None:
        """Put every fixed entry in (in a role the volunteer may take, if none is given)."""
        for entry in self.p.fixed:
            v, s = self.vindex[entry.volunteer], self.sindex[entry.shift]
            roles = self.elig.roles.get((v, s), ())
            if entry.role is not None:
                r = next(i for i, role in enumerate(self.p.shifts[s].roles) if role.name == entry.role)
                roles = (r,) if r in roles else ()
            if not roles or (v, s) in self.role_of:
                continue  # impossible; the engine reports it as a conflict
            r = min(roles, key=lambda k: len(self.people[(s, k)]) - self.p.shifts[s].roles[k].need)
            self.add(v, s, r)
            self.fixed.add((v, s))

    def fill_needs(self) -> None:
        """Fill each role up to `need`, scarcest role first, best candidate first."""
        slots = []
        for s, shift in enumerate(self.p.shifts):
            for r, role in enumerate(shift.roles):
                if len(self.people[(s, r)]) < role.need:
                    cands = [v for v in self.elig.volunteers_of[s] if r in self.elig.roles[(v, s)]]
                    slots.append((len(cands) / role.need, shift.start_min, s, r, cands))
        slots.sort(key=lambda t: t[:4])
        for _, _, s, r, cands in slots:
            if self.out_of_time():
                return
            role = self.p.shifts[s].roles[r]
            self._fill(s, r, cands, lambda: len(self.people[(s, r)]) < role.need, role.under_weight)

    def fill_extras(self) -> None:
        """Add people above `need` (up to `max`) where that lowers the objective."""
        for s, shift in enumerate(self.p.shifts):
            for r, role in enumerate(shift.roles):
                if role.max <= role.need:
                    continue
                cands = [v for v in self.elig.volunteers_of[s] if r in self.elig.roles[(v, s)]]
                self._fill(s, r, cands, lambda: role.need <= len(self.people[(s, r)]) < role.max,
                           -role.over_weight)

    def _fill(self, s: int, r: int, cands: list[int], more: Callable[[], bool], gain: float) -> None:
        """Add the best candidates to role `r` of `s` while `more()` and it pays `gain`."""
        rejected: set[int] = set()
        while more():
            best = self._best(s, r, [v for v in cands if v not in rejected], gain)
            if best is None:
                return
            if not self.add_supervised(best, s, r):
                rejected.add(best)

    def add_supervised(self, v: int, s: int, r: int) -> bool:
        """Add `v` to role `r` of `s`, with a supervisor if that needs one; False if impossible."""
        self.add(v, s, r)
        added: list[int] = []
        vols = self.p.volunteers
        for rule in self.p.shifts[s].supervision:
            here = self.in_shift[s]
            if any(rule.group in vols[u].groups for u in here) and not any(
                    vols[u].groups & rule.by and rule.group not in vols[u].groups for u in here):
                supervisor = self._add_supervisor(s, rule)
                if supervisor is None:
                    for u in added + [v]:
                        self.remove(u, s)
                    return False
                added.append(supervisor)
        return True

    def shift_to_fill(self) -> None:
        """Fill open places by moving a volunteer off one of its shifts.

        For a place (s, r) below `need` and a candidate v kept out only by its own other
        shifts: take v off one of them (t), put v on s, then refill t's role and every short
        role of s (v may be the supervisor that students there were waiting for). The move
        is kept when more places are filled than before, and undone otherwise.
        """
        for s, shift in enumerate(self.p.shifts):
            for r, role in enumerate(shift.roles):
                cands = [v for v in self.elig.volunteers_of[s] if r in self.elig.roles[(v, s)]]
                for v in cands:
                    if len(self.people[(s, r)]) >= role.need or self.out_of_time():
                        break
                    if self.blocked(v, s, r) in MOVABLE:
                        self._move(v, s, r)

    def _move(self, v: int, s: int, r: int) -> bool:
        """Try moving `v` onto role `r` of `s` from one of its shifts; True if done."""
        for t in sorted(self.shifts_of[v], key=lambda t: self.p.shifts[t].start_min):
            if (v, t) in self.fixed:
                continue
            before = self.filled(s) + self.filled(t)
            self._undo = []
            self.remove(v, t)
            if not self.blocked(v, s, r) and self.add_supervised(v, s, r):
                for shift in (t, s):
                    self._fill_short(shift, exclude=v)
                if self.filled(s) + self.filled(t) > before:
                    self._undo = None
                    return True
            for op, u, shift, role in reversed(self._undo):
                if op == "add":
                    self.remove(u, shift)
                else:
                    self.add(u, shift, role)
            self._undo = None
        return False

    def filled(self, s: int) -> int:
        """Places of shift `s` filled up to `need`."""
        return sum(min(len(self.people[(s, r)]), role.need) for r, role in enumerate(self.p.shifts[s].roles))

    def _fill_short(self, s: int, exclude: int) -> None:
        """Fill every role of `s` below `need`, with anyone but `exclude`."""
        for r, role in enumerate(self.p.shifts[s].roles):
            if len(self.people[(s, r)]) < role.need:
                cands = [u for u in self.elig.volunteers_of[s] if u != exclude and r in self.elig.roles[(u, s)]]
                self._fill(s, r, cands, lambda: len(self.people[(s, r)]) < role.need, role.under_weight)

    def _best(self, s: int, r: int, cands: Iterable[int], gain: float) -> Optional[int]:
        """The candidate whose addition costs least, if that cost is below `gain`."""
        best, best_cost = None, gain
        for v in cands:
            cost = self.delta(v, s, r)
            if cost < best_cost - 1e-9 and not self.blocked(v, s, r):
                best, best_cost = v, cost
        return best

    def delta(self, v: int, s: int, r: int) -> float:
        """The change of the objective (without cover) if `v` took role `r` of `s`."""
        p, w = self.p, self.p.weights
        shift = p.shifts[s]
        h = p.volunteers[v].history_minutes
        m = self.minutes[v]
        cost = -w.preference * self._pref[v](shift)
        cost += w.fairness * (((m + shift.minutes + h) / 60) ** 2 - ((m + h) / 60) ** 2)
        role = shift.roles[r]
        if role.continuity:
            people = self.series_people[(shift.activity, role.name)]
            cost += w.continuity if people and v not in people else 0
        if self.count_changes:
            cost += -w.change if (v, s) in self.previous else w.change
        return cost

    # --- the rules an addition can break ---------------------------------------------------

    def blocked(self, v: int, s: int, r: int) -> Optional[str]:
        """Why adding `v` to role `r` of `s` breaks a hard rule now, or ``None``."""
        p = self.p
        shift = p.shifts[s]
        role = shift.roles[r]
        lim = p.volunteers[v].limits
        if r not in self.elig.roles.get((v, s), ()):
            return "not a candidate"
        if (v, s) in self.role_of:
            return "already in the shift"
        if len(self.people[(s, r)]) >= role.max:
            return "role at max"
        mine = self.shifts_of[v]
        if lim.max_shifts is not None and len(mine) >= lim.max_shifts:
            return "max_shifts"
        if lim.max_minutes is not None and self.minutes[v] + shift.minutes > lim.max_minutes:
            return "max_minutes"
        cap = lim.max_shifts_per_activity.get(shift.activity)
        if cap is not None and sum(1 for t in mine if p.shifts[t].activity == shift.activity) >= cap:
            return "max_shifts_per_activity"
        if lim.max_shifts_per_day is not None and \
                sum(1 for t in mine if p.shifts[t].day == shift.day) >= lim.max_shifts_per_day:
            return "max_shifts_per_day"
        return self._timing(v, s) or self._days(v, shift.day) or self._succession(v, s)

    def _timing(self, v: int, s: int) -> Optional[str]:
        """Overlap, rest and travel against the volunteer's other shifts."""
        vol, shift = self.p.volunteers[v], self.p.shifts[s]
        for t in self.shifts_of[v]:
            clash = timing_clash(self.p, vol, shift, self.p.shifts[t])
            if clash:
                return clash
        return None

    def work_days(self, v: int) -> set[int]:
        """Horizon days on which `v` works."""
        return {self.p.shifts[t].day for t in self.shifts_of[v]}

    def _days(self, v: int, day: int) -> Optional[str]:
        """Max consecutive days, days off between runs and weekends, if `day` becomes working."""
        lim = self.p.volunteers[v].limits
        days = self.work_days(v)
        if day in days:
            return None
        if lim.max_consecutive_days is not None:
            left = right = 0
            while day - left - 1 in days:
                left += 1
            while day + right + 1 in days:
                right += 1
            if left + right + 1 > lim.max_consecutive_days:
                return "max_consecutive_days"
        if lim.min_consecutive_days_off:
            before = [d for d in days if d < day]
            after = [d for d in days if d > day]
            if before and 0 < day - max(before) - 1 < lim.min_consecutive_days_off:
                return "min_consecutive_days_off"
            if after and 0 < min(after) - day - 1 < lim.min_consecutive_days_off:
                return "min_consecutive_days_off"
        if lim.max_weekends is not None:
            weekend = next((w for w in self.p.weekends if day in w), None)
            if weekend is not None and not days.intersection(weekend):
                worked = sum(1 for w in self.p.weekends if days.intersection(w))
                if worked >= lim.max_weekends:
                    return "max_weekends"
        return None

    def _succession(self, v: int, s: int) -> Optional[str]:
        """Forbidden successions with the volunteer's shifts of the day before and after."""
        p = self.p
        shift = p.shifts[s]
        for rule in p.rules.forbidden_successions:
            for t in self.shifts_of[v]:
                other = p.shifts[t]
                if shift.activity == rule.from_activity and other.activity == rule.to_activity \
                        and other.day == shift.day + 1:
                    return "forbidden succession"
                if shift.activity == rule.to_activity and other.activity == rule.from_activity \
                        and other.day == shift.day - 1:
                    return "forbidden succession"
        return None

    # --- the rules that need more work: repaired after filling -----------------------------

    def repair(self) -> None:
        """Mend supervision, minimum minutes and minimum runs until nothing changes."""
        for _ in range(MAX_REPAIR_ROUNDS):
            changed = self._repair_supervision()
            for v in range(len(self.p.volunteers)):
                if self.out_of_time():
                    return
                changed |= self._repair_minutes(v)
                changed |= self._repair_runs(v)
            if not changed:
                return

    def _repair_supervision(self) -> bool:
        changed = False
        vols = self.p.volunteers
        for s, shift in enumerate(self.p.shifts):
            for rule in shift.supervision:
                here = self.in_shift[s]
                members = [v for v in here if rule.group in vols[v].groups]
                if not members or any(vols[v].groups & rule.by and rule.group not in vols[v].groups
                                      for v in here):
                    continue
                if self._add_supervisor(s, rule) is not None:
                    changed = True
                    continue
                for v in members:
                    if (v, s) not in self.fixed:
                        self.remove(v, s)
                        changed = True
        return changed

    def _add_supervisor(self, s: int, rule: Supervision) -> Optional[int]:
        """Add the best volunteer of `rule.by` (not of `rule.group`) to `s`; who, or None."""
        vols = self.p.volunteers
        shift = self.p.shifts[s]
        options = []
        for v in self.elig.volunteers_of[s]:
            if not (vols[v].groups & rule.by) or rule.group in vols[v].groups:
                continue
            for r in self.elig.roles[(v, s)]:
                if not self.blocked(v, s, r):
                    short = len(self.people[(s, r)]) - shift.roles[r].need
                    options.append((short, self.delta(v, s, r), v, r))
        if not options:
            return None
        _, _, v, r = min(options)
        self.add(v, s, r)
        return v

    def _repair_minutes(self, v: int) -> bool:
        lim = self.p.volunteers[v].limits
        if not lim.min_minutes or self.minutes[v] >= lim.min_minutes:
            return False
        if not self.shifts_of[v] and not lim.min_minutes_strict:
            return False
        changed = self._add_work(v, lambda: self.minutes[v] >= lim.min_minutes)
        if self.minutes[v] < lim.min_minutes and not lim.min_minutes_strict:
            changed |= self._clear(v)
        return changed

    def _repair_runs(self, v: int) -> bool:
        limit = self.p.volunteers[v].limits.min_consecutive_days
        if not limit or limit <= 1:
            return False
        changed = False
        for first, last in self.short_runs(v, limit):
            for day in (last + 1, first - 1):
                if 0 <= day < self.p.num_days and self._add_work(
                        v, lambda: not any(a <= first <= b and b - a + 1 < limit
                                           for a, b in self.short_runs(v, limit)), day=day):
                    changed = True
                    break
        for first, last in self.short_runs(v, limit):
            for t in list(self.shifts_of[v]):
                if first <= self.p.shifts[t].day <= last and (v, t) not in self.fixed:
                    self.remove(v, t)
                    changed = True
        return changed

    def short_runs(self, v: int, limit: int) -> list[tuple[int, int]]:
        """Runs of working days not touching an edge that are shorter than `limit`."""
        return [(a, b) for a, b in _runs(self.work_days(v), self.p.num_days)
                if a > 0 and b < self.p.num_days - 1 and b - a + 1 < limit]

    def _add_work(self, v: int, done, day: Optional[int] = None) -> bool:
        """Add shifts to `v` (on `day` only, if given) until `done()`; True if any was added."""
        added = False
        options = []
        for s in self.elig.shifts_of[v]:
            if day is not None and self.p.shifts[s].day != day:
                continue
            for r in self.elig.roles[(v, s)]:
                short = len(self.people[(s, r)]) - self.p.shifts[s].roles[r].need
                options.append((short, self.delta(v, s, r), s, r))
        for _, _, s, r in sorted(options):
            if done():
                break
            if not self.blocked(v, s, r):
                self.add(v, s, r)
                added = True
        return added

    def _clear(self, v: int) -> bool:
        """Remove every non-fixed shift of `v`."""
        removable = [s for s in self.shifts_of[v] if (v, s) not in self.fixed]
        for s in removable:
            self.remove(v, s)
        return bool(removable)

    # --- validation ------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every hard rule the current schedule breaks, re-checked from scratch."""
        found: list[str] = []
        fresh = Roster(self.p, self.elig)
        for (v, s), r in sorted(self.role_of.items(), key=lambda kv: (self.p.shifts[kv[0][1]].start_min,
                                                                      kv[0][1], kv[0][0])):
            why = fresh.blocked(v, s, r)
            if why:
                found.append(f"{self.p.volunteers[v].id} in {self.p.shifts[s].id}: {why}")
            fresh.add(v, s, r)
        vols = self.p.volunteers
        for v, vol in enumerate(vols):
            lim = vol.limits
            if lim.min_minutes and (self.shifts_of[v] or lim.min_minutes_strict) \
                    and self.minutes[v] < lim.min_minutes:
                found.append(f"{vol.id}: min_minutes")
            if lim.min_consecutive_days and self.short_runs(v, lim.min_consecutive_days):
                found.append(f"{vol.id}: min_consecutive_days")
        for s, shift in enumerate(self.p.shifts):
            here = self.in_shift[s]
            for rule in shift.supervision:
                if any(rule.group in vols[v].groups for v in here) and not any(
                        vols[v].groups & rule.by and rule.group not in vols[v].groups for v in here):
                    found.append(f"{shift.id}: supervision of {rule.group}")
        for entry in self.p.fixed:
            v, s = self.vindex[entry.volunteer], self.sindex[entry.shift]
            r = self.role_of.get((v, s))
            if r is None or (entry.role is not None and self.p.shifts[s].roles[r].name != entry.role):
                found.append(f"fixed {entry.volunteer} in {entry.shift} missing")
        return found


def _runs(days: set[int], num_days: int) -> list[tuple[int, int]]:
    """Maximal runs (first, last) of the given days."""
    runs = []
    for d in sorted(days):
        if runs and runs[-1][1] == d - 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs
