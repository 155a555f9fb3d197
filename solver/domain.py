"""Typed, frozen data of the schedule document, version 1 (`shared/spec/schedule-format.md`).

`solver.parse` builds these from JSON; the model, the checker and the explanations read them.
Times are kept twice: as the document's local wall-clock `datetime` (naive, in
`Problem.timezone`) and as absolute minutes since local midnight of the horizon's first day
(`start_min`, `end_min`), so that durations and gaps are right across a DST change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Mapping, Optional

PROBLEM_FORMAT = "volunteer-schedule/1"
SOLUTION_FORMAT = "volunteer-schedule-solution/1"

#: Minutes interval ``[start, end)`` on the problem's absolute minute axis.
Interval = tuple[int, int]

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "unfilled": 1000.0,
    "overfilled": 0.0,
    "preference": 10.0,
    "fairness": 1.0,
    "continuity": 20.0,
    "change": 50.0,
}

#: Solution statuses of the spec.
OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN = "optimal", "feasible", "infeasible", "unknown"


@dataclass(frozen=True)
class Limits:
    """A volunteer's hard limits; ``None`` means no limit."""

    max_shifts_per_day: Optional[int] = None
    max_shifts: Optional[int] = None
    max_shifts_per_activity: Mapping[str, int] = field(default_factory=dict)
    max_minutes: Optional[int] = None
    min_minutes: Optional[int] = None
    min_minutes_strict: bool = False
    min_rest_minutes: Optional[int] = None
    max_consecutive_days: Optional[int] = None
    min_consecutive_days: Optional[int] = None
    min_consecutive_days_off: Optional[int] = None
    max_weekends: Optional[int] = None


@dataclass(frozen=True)
class Preference:
    """One ``prefers`` entry: exactly one selector (`kind`) and its value.

    `kind` is one of ``shift``, ``activity``, ``venue`` (value a string), ``weekday``
    (value an int, 0 = Monday) or ``date`` (value a `datetime.date`).
    """

    kind: str
    value: str | int | date
    weight: int

    def matches(self, shift: "Shift") -> bool:
        """Whether this entry applies to `shift`."""
        if self.kind == "shift":
            return shift.id == self.value
        if self.kind == "activity":
            return shift.activity == self.value
        if self.kind == "venue":
            return shift.venue is not None and shift.venue == self.value
        if self.kind == "weekday":
            return shift.start.weekday() == self.value
        return shift.start.date() == self.value


@dataclass(frozen=True)
class Volunteer:
    """A volunteer with skills, groups, time windows, limits and wishes."""

    id: str
    name: str = ""
    groups: frozenset[str] = frozenset()
    #: ``None`` when absent: every shift is open to the volunteer.
    areas: Optional[frozenset[str]] = None
    skills: Mapping[str, int] = field(default_factory=dict)
    #: ``None`` when absent (available at any time); otherwise sorted, merged intervals.
    available: Optional[tuple[Interval, ...]] = None
    unavailable: tuple[Interval, ...] = ()
    #: Dates as given in the document (they may lie outside the horizon).
    days_off: frozenset[date] = frozenset()
    limits: Limits = field(default_factory=Limits)
    prefers: tuple[Preference, ...] = ()
    history_minutes: float = 0


@dataclass(frozen=True)
class Role:
    """A role of a shift; weights are already resolved against `Weights`."""

    name: str
    need: int
    max: int
    skills: Mapping[str, int] = field(default_factory=dict)
    #: ``None`` when absent: anyone may take the role.
    groups: Optional[frozenset[str]] = None
    under_weight: float = DEFAULT_WEIGHTS["unfilled"]
    over_weight: float = DEFAULT_WEIGHTS["overfilled"]
    continuity: bool = False


@dataclass(frozen=True)
class Supervision:
    """If anyone of `group` works the shift, someone of `by` (and not of `group`) must too."""

    group: str
    by: frozenset[str]


@dataclass(frozen=True)
class Shift:
    """A concrete shift with its roles; `day` is the index of its start date in the horizon."""

    id: str
    activity: str
    start: datetime
    end: datetime
    start_min: int
    end_min: int
    day: int
    roles: tuple[Role, ...]
    title: str = ""
    venue: Optional[str] = None
    area: Optional[str] = None
    supervision: tuple[Supervision, ...] = ()

    @property
    def minutes(self) -> int:
        """Length in absolute minutes (a DST change is accounted for)."""
        return self.end_min - self.start_min

    def role(self, name: str) -> Optional[Role]:
        """The role called `name`, or ``None``."""
        return next((r for r in self.roles if r.name == name), None)


@dataclass(frozen=True)
class Assignment:
    """A volunteer in a role of a shift. In `fixed` and `previous` the role may be absent."""

    volunteer: str
    shift: str
    role: Optional[str] = None

    def to_dict(self) -> dict:
        """The JSON form of the spec."""
        d = {"volunteer": self.volunteer, "shift": self.shift}
        if self.role is not None:
            d["role"] = self.role
        return d


@dataclass(frozen=True)
class Forbidden:
    """A (volunteer, shift) pair that must not be in the solution."""

    volunteer: str
    shift: str


@dataclass(frozen=True)
class Succession:
    """A shift of `from_activity` on day d forbids one of `to_activity` on day d + 1."""

    from_activity: str
    to_activity: str


@dataclass(frozen=True)
class Rules:
    """Document-wide rules."""

    travel_minutes: int = 0
    forbidden_successions: tuple[Succession, ...] = ()
    weekend_days: tuple[int, ...] = (5, 6)


@dataclass(frozen=True)
class Weights:
    """Objective weights (``unfilled``/``overfilled`` are only role defaults)."""

    unfilled: float = DEFAULT_WEIGHTS["unfilled"]
    overfilled: float = DEFAULT_WEIGHTS["overfilled"]
    preference: float = DEFAULT_WEIGHTS["preference"]
    fairness: float = DEFAULT_WEIGHTS["fairness"]
    continuity: float = DEFAULT_WEIGHTS["continuity"]
    change: float = DEFAULT_WEIGHTS["change"]


@dataclass(frozen=True)
class Problem:
    """A whole, validated problem document."""

    timezone: str
    horizon_start: date
    horizon_end: date
    volunteers: tuple[Volunteer, ...]
    shifts: tuple[Shift, ...]
    fixed: tuple[Assignment, ...] = ()
    forbidden: tuple[Forbidden, ...] = ()
    previous: tuple[Assignment, ...] = ()
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    name: str = ""

    @property
    def num_days(self) -> int:
        """Days in the horizon, both ends included."""
        return (self.horizon_end - self.horizon_start).days + 1

    @cached_property
    def volunteer_by_id(self) -> Mapping[str, Volunteer]:
        """Volunteers by id."""
        return {v.id: v for v in self.volunteers}

    @cached_property
    def shift_by_id(self) -> Mapping[str, Shift]:
        """Shifts by id."""
        return {s.id: s for s in self.shifts}

    def day_date(self, day: int) -> date:
        """The date of horizon day index `day`."""
        return self.horizon_start + timedelta(days=day)

    def day_index(self, day: date) -> int:
        """The horizon index of `day` (negative or >= `num_days` when outside)."""
        return (day - self.horizon_start).days

    @cached_property
    def weekends(self) -> tuple[tuple[int, ...], ...]:
        """The horizon's weekends as tuples of day indexes.

        A weekend is a maximal run of consecutive horizon days whose weekdays are all in
        `rules.weekend_days` (Saturday and Sunday by default); a run cut by the horizon's
        edge is still a weekend.
        """
        runs: list[tuple[int, ...]] = []
        current: list[int] = []
        for d in range(self.num_days):
            if self.day_date(d).weekday() in self.rules.weekend_days:
                current.append(d)
            elif current:
                runs.append(tuple(current))
                current = []
        if current:
            runs.append(tuple(current))
        return tuple(runs)


@dataclass(frozen=True)
class UnfilledRole:
    """A role left below `need`, with reasons a coordinator can act on."""

    shift: str
    role: str
    missing: int
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The JSON form of the spec."""
        return {"shift": self.shift, "role": self.role, "missing": self.missing,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Solution:
    """The engine's answer: the spec's solution document as data."""

    status: str
    objective: Optional[float]
    bound: Optional[float]
    components: Mapping[str, float]
    assignments: tuple[Assignment, ...]
    unfilled: tuple[UnfilledRole, ...] = ()
    conflicts: tuple[str, ...] = ()
    stats: Mapping[str, object] = field(default_factory=dict)

    def to_document(self) -> dict:
        """The solution document (`volunteer-schedule-solution/1`) as a JSON-ready dict."""
        return {
            "format": SOLUTION_FORMAT,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "components": dict(self.components),
            "assignments": [a.to_dict() for a in self.assignments],
            "unfilled": [u.to_dict() for u in self.unfilled],
            "conflicts": list(self.conflicts),
            "stats": dict(self.stats),
        }
