"""The hard rules of the schedule format, recomputed from assignments alone.

Written from `shared/spec/schedule-format.md`, independently of the CP-SAT model: each
function checks one rule and yields a `Violation` per breach, as a sentence that names the
volunteer, the shift(s), the role and the limit. There are three kinds of rule:

- assignment rules look at one (volunteer, shift, role);
- shift rules look at everyone assigned to one shift;
- volunteer rules look at the distinct shifts of one volunteer, sorted by start.

`solver.checker` runs them over a whole solution; `blocking_reasons` and the explanations
run the same functions for one volunteer and one shift, so each rule has one definition.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Optional, Sequence
from zoneinfo import ZoneInfo

from solver.domain import Assignment, Interval, Problem, Role, Shift, Volunteer


@dataclass(frozen=True)
class Violation:
    """One breach of a hard rule.

    `subject` names who or what breaks it (``v017 (Wang Xiuying)``, ``s042/instructor``),
    `detail` says how; ``str(violation)`` is the checker's sentence. `hint` is a shorter
    phrase for a candidate in an explanation (defaults to `detail`); `shifts` are the shift
    ids involved, so an explanation can name the *other* shift of a pair.
    """

    rule: str
    subject: str
    detail: str
    volunteer: Optional[str] = None
    shifts: tuple[str, ...] = ()
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.subject}: {self.detail}"

    @property
    def short(self) -> str:
        """The phrase to use after a candidate's name in an explanation."""
        return self.hint or self.detail


class CheckContext:
    """Per-problem lookups shared by the rules (forbidden pairs, names, local clock)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.forbidden = frozenset((f.volunteer, f.shift) for f in problem.forbidden)
        try:
            zone = ZoneInfo(problem.timezone)
        except (ValueError, KeyError, OSError):  # unreachable for a validated problem
            zone = timezone.utc
        self._zone = zone
        self._origin = datetime.combine(problem.horizon_start, datetime.min.time(), zone)

    def who(self, volunteer: Volunteer) -> str:
        """``v017 (Wang Xiuying)``, or the bare id when the volunteer has no name."""
        return f"{volunteer.id} ({volunteer.name})" if volunteer.name else volunteer.id

    def local(self, minute: int) -> datetime:
        """The local wall-clock time of an absolute minute of the problem."""
        instant = self._origin.astimezone(timezone.utc) + timedelta(minutes=minute)
        return instant.astimezone(self._zone).replace(tzinfo=None)

    def span(self, start: datetime, end: datetime) -> str:
        """``2026-12-08 09:00-11:00`` (the end date is written when it differs)."""
        tail = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
        return f"{start:%Y-%m-%d %H:%M}-{tail}"

    def when(self, shift: Shift) -> str:
        """The shift's local time span."""
        return self.span(shift.start, shift.end)

    def interval(self, interval: Interval) -> str:
        """An absolute-minute interval as a local time span."""
        return self.span(self.local(interval[0]), self.local(interval[1]))


AssignmentRule = Callable[[CheckContext, Volunteer, Shift, Role], Iterator[Violation]]
ShiftRule = Callable[[CheckContext, Shift, Sequence[Assignment]], Iterator[Violation]]
VolunteerRule = Callable[[CheckContext, Volunteer, Sequence[Shift]], Iterator[Violation]]


# --- assignment rules: one volunteer in one role of one shift -------------------------------


def has_skills(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """Every skill of the role at its minimum level."""
    for skill, level in sorted(role.skills.items()):
        have = v.skills.get(skill, 0)
        if have < level:
            had = f"has {skill} {have}" if have else "has none"
            yield Violation("skills", ctx.who(v),
                            f"lacks {skill} >= {level} for {s.id}/{role.name} ({had})",
                            v.id, (s.id,), f"lacks {skill} >= {level} ({had})")


def in_role_groups(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """Membership of at least one of the role's groups, when it has any."""
    if role.groups is not None and not (v.groups & role.groups):
        wanted = " or ".join(sorted(role.groups))
        yield Violation("groups", ctx.who(v), f"not in group {wanted} required by {s.id}/{role.name}",
                        v.id, (s.id,), f"not in group {wanted}")


def serves_area(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """A volunteer with `areas` only takes shifts of those areas (or without an area)."""
    if v.areas is not None and s.area is not None and s.area not in v.areas:
        served = ", ".join(sorted(v.areas)) or "no area"
        yield Violation("areas", ctx.who(v), f"serves {served}, not area {s.area} of {s.id}",
                        v.id, (s.id,), f"serves {served}, not {s.area}")


def within_availability(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """The shift lies wholly inside the union of the volunteer's available intervals."""
    if v.available is not None and not _covers(v.available, s.start_min, s.end_min):
        yield Violation("available", ctx.who(v), f"not available for {s.id} ({ctx.when(s)})",
                        v.id, (s.id,), "not available then")


def clear_of_unavailable(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """No unavailable interval overlaps the shift by a positive length."""
    for busy in v.unavailable:
        if busy[0] < s.end_min and s.start_min < busy[1]:
            yield Violation("unavailable", ctx.who(v),
                            f"unavailable {ctx.interval(busy)}, during {s.id} ({ctx.when(s)})",
                            v.id, (s.id,), f"busy {ctx.interval(busy)}")


def not_on_day_off(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """No shift starts on one of the volunteer's days off."""
    if s.start.date() in v.days_off:
        yield Violation("days_off", ctx.who(v), f"day off {s.start.date()} but assigned to {s.id}",
                        v.id, (s.id,), f"day off on {s.start.date()}")


def not_forbidden(ctx: CheckContext, v: Volunteer, s: Shift, role: Role) -> Iterator[Violation]:
    """No (volunteer, shift) pair listed in `forbidden`."""
    if (v.id, s.id) in ctx.forbidden:
        yield Violation("forbidden", ctx.who(v), f"assigned to {s.id}, which is forbidden (withdrawn)",
                        v.id, (s.id,), f"withdrew from {s.id} (forbidden)")


ASSIGNMENT_RULES: tuple[AssignmentRule, ...] = (
    has_skills, in_role_groups, serves_area, within_availability, clear_of_unavailable,
    not_on_day_off, not_forbidden,
)


# --- shift rules: everyone assigned to one shift --------------------------------------------


def one_role_per_shift(ctx: CheckContext, s: Shift, assigned: Sequence[Assignment]) -> Iterator[Violation]:
    """A volunteer appears at most once in a shift (one role, listed once)."""
    roles_of: dict[str, list[str]] = defaultdict(list)
    for a in assigned:
        roles_of[a.volunteer].append(a.role or "")
    for vid, roles in roles_of.items():
        if len(roles) < 2:
            continue
        v = ctx.problem.volunteer_by_id[vid]
        distinct = sorted(set(roles))
        if len(distinct) > 1:
            detail = f"in {len(distinct)} roles of {s.id} ({', '.join(distinct)})"
        else:
            detail = f"listed {len(roles)} times in {s.id}/{distinct[0]}"
        yield Violation("one_role_per_shift", ctx.who(v), detail, vid, (s.id,),
                        f"already in {s.id} as {', '.join(distinct)}")


def role_max(ctx: CheckContext, s: Shift, assigned: Sequence[Assignment]) -> Iterator[Violation]:
    """At most `max` people in each role."""
    people = _people_by_role(assigned)
    for role in s.roles:
        n = len(people.get(role.name, ()))
        if n > role.max:
            yield Violation("role_max", f"{s.id}/{role.name}", f"{n} people > max {role.max}",
                            None, (s.id,), f"{s.id}/{role.name} would have {n} people > max {role.max}")


def supervision(ctx: CheckContext, s: Shift, assigned: Sequence[Assignment]) -> Iterator[Violation]:
    """Anyone of a supervised group needs someone of the `by` groups (not of the group) too."""
    people = [ctx.problem.volunteer_by_id[vid] for vid in sorted({a.volunteer for a in assigned})]
    for rule in s.supervision:
        supervised = [v for v in people if rule.group in v.groups]
        covered = any(v.groups & rule.by and rule.group not in v.groups for v in people)
        if supervised and not covered:
            ids = ", ".join(v.id for v in supervised)
            by = " or ".join(sorted(rule.by))
            yield Violation("supervision", s.id, f"{rule.group} {ids} without a supervisor from {by}",
                            None, (s.id,), f"{rule.group} needs a supervisor from {by} in {s.id}")


SHIFT_RULES: tuple[ShiftRule, ...] = (one_role_per_shift, role_max, supervision)


# --- volunteer rules: the distinct shifts of one volunteer, sorted by start -----------------


def no_overlap(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """No two of the volunteer's shifts overlap in time."""
    for i, a in enumerate(shifts):
        for b in shifts[i + 1:]:
            if b.start_min >= a.end_min:
                break
            yield Violation("overlap", ctx.who(v), f"shifts {a.id} and {b.id} overlap", v.id, (a.id, b.id))


def travel_time(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """`rules.travel_minutes` between any two shifts at different venues (both given)."""
    travel = ctx.problem.rules.travel_minutes
    if travel <= 0:
        return
    for a, b in _ordered_pairs(shifts):
        if a.venue is None or b.venue is None or a.venue == b.venue:
            continue
        gap = b.start_min - a.end_min
        if gap < travel:
            yield Violation("travel", ctx.who(v),
                            f"only {gap} minutes between {a.id} at {a.venue} and {b.id} at {b.venue}"
                            f" < travel_minutes {travel}", v.id, (a.id, b.id))


def min_rest(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """`min_rest_minutes` between the end of a shift and the start of the next one."""
    rest = v.limits.min_rest_minutes
    if not rest:
        return
    for a in shifts:
        later = [b for b in shifts if b.start_min >= a.end_min]
        if not later:
            continue
        first = min(b.start_min for b in later)
        for b in later:
            if b.start_min == first and first - a.end_min < rest:
                yield Violation("min_rest", ctx.who(v),
                                f"only {first - a.end_min} minutes of rest between {a.id} and {b.id}"
                                f" < min_rest_minutes {rest}", v.id, (a.id, b.id))


def max_shifts_per_day(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """At most `max_shifts_per_day` shifts starting on one day."""
    limit = v.limits.max_shifts_per_day
    if limit is None:
        return
    by_day: dict[date, list[str]] = defaultdict(list)
    for s in shifts:
        by_day[s.start.date()].append(s.id)
    for day, ids in sorted(by_day.items()):
        if len(ids) > limit:
            yield Violation("max_shifts_per_day", ctx.who(v),
                            f"{len(ids)} shifts on {day} ({', '.join(ids)}) > max_shifts_per_day {limit}",
                            v.id, tuple(ids), f"at max_shifts_per_day {limit} on {day}")


def max_shifts(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """At most `max_shifts` shifts over the horizon."""
    limit = v.limits.max_shifts
    if limit is not None and len(shifts) > limit:
        yield Violation("max_shifts", ctx.who(v), f"{len(shifts)} shifts > max_shifts {limit}",
                        v.id, hint=f"at max_shifts {limit}")


def max_shifts_per_activity(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """At most `max_shifts_per_activity[a]` shifts of activity a over the horizon."""
    counts = Counter(s.activity for s in shifts)
    for activity, limit in sorted(v.limits.max_shifts_per_activity.items()):
        if counts[activity] > limit:
            yield Violation("max_shifts_per_activity", ctx.who(v),
                            f"{counts[activity]} shifts of {activity} > max_shifts_per_activity {limit}",
                            v.id, hint=f"at max_shifts_per_activity {limit} for {activity}")


def max_minutes(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """At most `max_minutes` assigned minutes over the horizon."""
    limit = v.limits.max_minutes
    total = sum(s.minutes for s in shifts)
    if limit is not None and total > limit:
        yield Violation("max_minutes", ctx.who(v), f"{total} minutes > max_minutes {limit}",
                        v.id, hint=f"at max_minutes {limit} (would have {total})")


def min_minutes(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """At least `min_minutes`, for a volunteer with a shift (always if `min_minutes_strict`)."""
    limit = v.limits.min_minutes
    if limit is None or not (shifts or v.limits.min_minutes_strict):
        return
    total = sum(s.minutes for s in shifts)
    if total < limit:
        strict = " (min_minutes_strict)" if v.limits.min_minutes_strict else ""
        yield Violation("min_minutes", ctx.who(v), f"{total} minutes < min_minutes {limit}{strict}",
                        v.id, hint=f"would have only {total} minutes < min_minutes {limit}")


def max_consecutive_days(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """Every run of working days (edge runs too) is at most `max_consecutive_days` long."""
    limit = v.limits.max_consecutive_days
    if limit is None:
        return
    for first, last in _runs(ctx, shifts, working=True):
        if last - first + 1 > limit:
            yield Violation("max_consecutive_days", ctx.who(v),
                            f"works {last - first + 1} days in a row ({_days(ctx, first, last)})"
                            f" > max_consecutive_days {limit}", v.id,
                            hint=f"would work {last - first + 1} days in a row > max_consecutive_days {limit}")


def min_consecutive_days(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """Every run of working days not touching the horizon's edges is long enough."""
    limit = v.limits.min_consecutive_days
    if limit is None:
        return
    for first, last in _inner_runs(ctx, shifts, working=True):
        if last - first + 1 < limit:
            yield Violation("min_consecutive_days", ctx.who(v),
                            f"works only {last - first + 1} day(s) in a row ({_days(ctx, first, last)})"
                            f" < min_consecutive_days {limit}", v.id,
                            hint=f"would work only {last - first + 1} day(s) in a row < min_consecutive_days {limit}")


def min_consecutive_days_off(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """Every run of days off not touching the horizon's edges is long enough."""
    limit = v.limits.min_consecutive_days_off
    if limit is None:
        return
    for first, last in _inner_runs(ctx, shifts, working=False):
        if last - first + 1 < limit:
            yield Violation("min_consecutive_days_off", ctx.who(v),
                            f"only {last - first + 1} day(s) off in a row ({_days(ctx, first, last)})"
                            f" < min_consecutive_days_off {limit}", v.id,
                            hint=f"would leave only {last - first + 1} day(s) off in a row"
                                 f" < min_consecutive_days_off {limit}")


def max_weekends(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """At most `max_weekends` weekends with a working day."""
    limit = v.limits.max_weekends
    if limit is None:
        return
    working = {s.day for s in shifts}
    worked = [w for w in ctx.problem.weekends if working.intersection(w)]
    if len(worked) > limit:
        starts = ", ".join(str(ctx.problem.day_date(w[0])) for w in worked)
        yield Violation("max_weekends", ctx.who(v),
                        f"works {len(worked)} weekends ({starts}) > max_weekends {limit}",
                        v.id, hint=f"at max_weekends {limit}")


def forbidden_successions(ctx: CheckContext, v: Volunteer, shifts: Sequence[Shift]) -> Iterator[Violation]:
    """No shift of `to` on day d + 1 after a shift of `from` on day d."""
    for rule in ctx.problem.rules.forbidden_successions:
        for a in shifts:
            if a.activity != rule.from_activity:
                continue
            for b in shifts:
                if b.activity == rule.to_activity and b.day == a.day + 1:
                    yield Violation("succession", ctx.who(v),
                                    f"{a.id} ({a.activity}) on {a.start.date()} is followed by {b.id}"
                                    f" ({b.activity}) the next day: forbidden succession"
                                    f" {rule.from_activity} -> {rule.to_activity}", v.id, (a.id, b.id),
                                    f"forbidden succession {rule.from_activity} -> {rule.to_activity}")


VOLUNTEER_RULES: tuple[VolunteerRule, ...] = (
    no_overlap, travel_time, min_rest, max_shifts_per_day, max_shifts, max_shifts_per_activity,
    max_minutes, min_minutes, max_consecutive_days, min_consecutive_days,
    min_consecutive_days_off, max_weekends, forbidden_successions,
)


# --- running the rules -----------------------------------------------------------------------


def assignment_violations(ctx: CheckContext, a: Assignment) -> list[Violation]:
    """Every assignment rule broken by `a` (its ids and role must be known)."""
    v = ctx.problem.volunteer_by_id[a.volunteer]
    s = ctx.problem.shift_by_id[a.shift]
    role = s.role(a.role or "")
    assert role is not None, "assignment_violations needs a known role"
    return [x for rule in ASSIGNMENT_RULES for x in rule(ctx, v, s, role)]


def shift_violations(ctx: CheckContext, shift: Shift, assigned: Sequence[Assignment]) -> list[Violation]:
    """Every shift rule broken by the assignments `assigned` (all of them to `shift`)."""
    return [x for rule in SHIFT_RULES for x in rule(ctx, shift, assigned)]


def volunteer_violations(ctx: CheckContext, volunteer: Volunteer, shift_ids: Iterable[str]) -> list[Violation]:
    """Every volunteer rule broken by giving `volunteer` the shifts `shift_ids`."""
    by_id = ctx.problem.shift_by_id
    shifts = sorted((by_id[sid] for sid in set(shift_ids)), key=lambda s: (s.start_min, s.end_min, s.id))
    return [x for rule in VOLUNTEER_RULES for x in rule(ctx, volunteer, shifts)]


# --- helpers --------------------------------------------------------------------------------


def _covers(intervals: Sequence[Interval], start: int, end: int) -> bool:
    """Whether the union of `intervals` (touching ones join) contains ``[start, end)``."""
    reach = None  # end of the joined block that contains `start`, if any
    for a, b in sorted(intervals):
        if reach is not None and a <= reach:
            reach = max(reach, b)
        elif a <= start < b:
            reach = b
        elif reach is not None:
            break
    return reach is not None and reach >= end


def _people_by_role(assigned: Iterable[Assignment]) -> dict[str, set[str]]:
    people: dict[str, set[str]] = defaultdict(set)
    for a in assigned:
        people[a.role or ""].add(a.volunteer)
    return people


def _ordered_pairs(shifts: Sequence[Shift]) -> Iterator[tuple[Shift, Shift]]:
    """Pairs (a, b) of non-overlapping shifts with a ending before b starts (`shifts` sorted by start)."""
    for i, a in enumerate(shifts):
        for b in shifts[i + 1:]:
            if b.start_min >= a.end_min:
                yield a, b


def _runs(ctx: CheckContext, shifts: Sequence[Shift], *, working: bool) -> list[tuple[int, int]]:
    """Maximal runs (first, last day index) of working or of non-working horizon days."""
    worked = {s.day for s in shifts}
    runs: list[tuple[int, int]] = []
    first = None
    for d in range(ctx.problem.num_days):
        if (d in worked) == working:
            first = d if first is None else first
        elif first is not None:
            runs.append((first, d - 1))
            first = None
    if first is not None:
        runs.append((first, ctx.problem.num_days - 1))
    return runs


def _inner_runs(ctx: CheckContext, shifts: Sequence[Shift], *, working: bool) -> list[tuple[int, int]]:
    """The runs that touch neither the first nor the last day of the horizon."""
    last_day = ctx.problem.num_days - 1
    return [(a, b) for a, b in _runs(ctx, shifts, working=working) if a > 0 and b < last_day]


def _days(ctx: CheckContext, first: int, last: int) -> str:
    if first == last:
        return str(ctx.problem.day_date(first))
    return f"{ctx.problem.day_date(first)} to {ctx.problem.day_date(last)}"
