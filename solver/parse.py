"""Parsing and validation of the schedule documents (`shared/spec/schedule-format.md`, v1).

`parse_problem` turns any JSON value into the frozen `solver.domain.Problem` or raises
`ProblemError` listing *every* fault found, each as ``"json.path: message"``
(``shifts[3].roles[0].need: must be >= 0``). `parse_solution` does the same for a solution
document against its problem, and `load_json` reads a file strictly (UTF-8, no NaN, no
duplicate keys). No other exception escapes these functions, whatever the input.

Local wall-clock times become absolute minutes since local midnight of the horizon's first
day through `zoneinfo`, so that a DST change shortens or lengthens a shift as it should. An
ambiguous local time (the repeated hour in autumn) means its first occurrence; a local time
that does not exist (the skipped hour in spring) is an error.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from solver.domain import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    PROBLEM_FORMAT,
    SOLUTION_FORMAT,
    UNKNOWN,
    Assignment,
    Forbidden,
    Interval,
    Limits,
    Preference,
    Problem,
    Role,
    Rules,
    Shift,
    Solution,
    Succession,
    Supervision,
    UnfilledRole,
    Volunteer,
    Weights,
)

#: Upper bounds that keep every derived quantity far inside CP-SAT's 64-bit integers.
MAX_COUNT = 1_000_000  # headcounts, shift counts, day counts
MAX_MINUTES = 10_000_000  # about 19 years
MAX_WEIGHT = 1e9
MAX_PREFERENCE_WEIGHT = 1_000_000
MAX_HORIZON_DAYS = 366
MAX_SHIFT_MINUTES = 7 * 24 * 60

STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN)
PREFERENCE_SELECTORS = ("shift", "activity", "venue", "weekday", "date")
WEIGHT_KEYS = ("unfilled", "overfilled", "preference", "fairness", "continuity", "change")
LIMIT_COUNT_KEYS = (
    "max_shifts_per_day", "max_shifts", "max_consecutive_days", "min_consecutive_days",
    "min_consecutive_days_off", "max_weekends",
)
LIMIT_MINUTE_KEYS = ("max_minutes", "min_minutes", "min_rest_minutes")

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")

T = TypeVar("T")


class ProblemError(Exception):
    """An invalid document; `errors` lists every fault as ``"json.path: message"``."""

    def __init__(self, errors: Iterable[str]):
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


# --------------------------------------------------------------------------- paths


def _key_path(path: str, key: object) -> str:
    """`path` extended by an object key (``a.b``, or ``a["odd key"]``)."""
    if isinstance(key, str) and _IDENTIFIER_RE.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(str(key), ensure_ascii=False)}]"


def _index_path(path: str, index: int) -> str:
    """`path` extended by a list index."""
    return f"{path}[{index}]"


def _quote(value: object) -> str:
    """A short JSON rendering of `value` for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # huge ints, odd objects, deep nesting
        text = f"<{_type_name(value)}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: object) -> str:
    """The JSON type name of `value` for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --------------------------------------------------------------------------- reader


class _Reader:
    """Typed access to JSON values that records every fault instead of raising."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.zone: Optional[ZoneInfo] = None
        self.origin_utc: Optional[datetime] = None

    def error(self, path: str, message: str) -> None:
        """Record a fault at `path` (the empty path is the document itself)."""
        self.errors.append(f"{path or '$'}: {message}")

    def obj(self, value: object, path: str, allowed: Iterable[str],
            required: Iterable[str] = ()) -> Optional[dict]:
        """`value` if it is an object; reports unknown and missing keys."""
        if not isinstance(value, dict):
            self.error(path, f"must be an object, not {_type_name(value)}")
            return None
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                self.error(_key_path(path, key), "unknown key")
        for key in required:
            if key not in value:
                self.error(_key_path(path, key), "is required")
        return value

    def items(self, value: object, path: str) -> list[tuple[str, object]]:
        """The elements of a list with their paths (reports a non-list)."""
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {_type_name(value)}")
            return []
        return [(_index_path(path, i), item) for i, item in enumerate(value)]

    def string(self, value: object, path: str, *, nonempty: bool = True) -> Optional[str]:
        """`value` if it is a string (non-empty unless told otherwise)."""
        if not isinstance(value, str):
            self.error(path, f"must be a string, not {_type_name(value)}")
            return None
        if nonempty and not value.strip():
            self.error(path, "must not be empty")
            return None
        return value

    def integer(self, value: object, path: str, lo: int, hi: int) -> Optional[int]:
        """`value` if it is an integer in ``lo..hi`` (booleans and floats are not)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"must be an integer, not {_type_name(value)} {_quote(value)}")
            return None
        if value < lo:
            self.error(path, f"must be >= {lo}")
            return None
        if value > hi:
            self.error(path, f"must be <= {hi}")
            return None
        return value

    def number(self, value: object, path: str, lo: float, hi: float) -> Optional[float]:
        """`value` as a float if it is a finite number in ``lo..hi``."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(path, f"must be a number, not {_type_name(value)} {_quote(value)}")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.error(path, "must be a finite number")
            return None
        if number < lo:
            self.error(path, f"must be >= {lo:g}")
            return None
        if number > hi:
            self.error(path, f"must be <= {hi:g}")
            return None
        return number

    def boolean(self, value: object, path: str) -> Optional[bool]:
        """`value` if it is true or false."""
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, not {_type_name(value)}")
            return None
        return value

    def strings(self, value: object, path: str) -> Optional[list[str]]:
        """A list of non-empty strings, or None (after reporting) when any is wrong."""
        if not isinstance(value, list):
            self.error(path, f"must be a list of strings, not {_type_name(value)}")
            return None
        result = [self.string(item, item_path) for item_path, item in self.items(value, path)]
        return None if any(item is None for item in result) else result  # type: ignore[misc]

    def date(self, value: object, path: str) -> Optional[date]:
        """A ``YYYY-MM-DD`` date."""
        if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
            self.error(path, f"must be a date written YYYY-MM-DD, not {_quote(value)}")
            return None
        try:
            return date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            self.error(path, f"{_quote(value)} is not a valid date")
            return None

    def local_datetime(self, value: object, path: str) -> Optional[datetime]:
        """A ``YYYY-MM-DDTHH:MM`` local wall-clock time (naive)."""
        if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
            self.error(path, f"must be a local time written YYYY-MM-DDTHH:MM, not {_quote(value)}")
            return None
        try:
            return datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]),
                            int(value[11:13]), int(value[14:16]))
        except ValueError:
            self.error(path, f"{_quote(value)} is not a valid date and time")
            return None

    def minutes(self, local: datetime, path: str) -> Optional[int]:
        """Absolute minutes of `local` since the origin; None when unknown or invalid."""
        if self.zone is None or self.origin_utc is None:
            return None
        try:
            instant = local.replace(tzinfo=self.zone).astimezone(timezone.utc)
            if instant.astimezone(self.zone).replace(tzinfo=None) != local:
                self.error(path, f"{local:%Y-%m-%dT%H:%M} does not exist in {self.zone.key} "
                                 "(skipped by a daylight saving change)")
                return None
        except (OverflowError, ValueError):
            self.error(path, "is out of the supported range of dates")
            return None
        return int((instant - self.origin_utc).total_seconds() // 60)

    def optional(self, doc: Mapping, key: str, path: str, read: Callable[[object, str], T],
                 default: T) -> T:
        """``read(doc[key])`` if the key is there, else `default`; a fault gives `default`."""
        if key not in doc:
            return default
        result = read(doc[key], _key_path(path, key))
        return default if result is None else result


# --------------------------------------------------------------------------- top level


def parse_problem(doc: object) -> Problem:
    """Validate a problem document and return it as a `Problem`.

    Raises `ProblemError` listing every fault (``"json.path: message"``); never raises
    anything else, whatever JSON value (or other Python object) is given.
    """
    reader = _Reader()
    try:
        problem = _parse_problem(reader, doc)
    except RecursionError:
        reader.error("", "is nested too deeply")
        problem = None
    if reader.errors or problem is None:
        raise ProblemError(reader.errors or ["$: invalid document"])
    return problem


_TOP_KEYS = ("format", "name", "timezone", "horizon", "volunteers", "shifts", "fixed",
             "forbidden", "previous", "rules", "weights")


def _parse_problem(reader: _Reader, doc: object) -> Optional[Problem]:
    """All sections of the document, then the checks that span them."""
    top = reader.obj(doc, "", _TOP_KEYS,
                     required=("format", "timezone", "horizon", "volunteers", "shifts"))
    if top is None:
        return None
    if "format" in top and top["format"] != PROBLEM_FORMAT:
        reader.error("format", f"must be {_quote(PROBLEM_FORMAT)}, not {_quote(top['format'])}")
    name = reader.optional(top, "name", "", lambda v, p: reader.string(v, p, nonempty=False), "")
    zone = _parse_timezone(reader, top.get("timezone"), "timezone") if "timezone" in top else None
    horizon = _parse_horizon(reader, top["horizon"], "horizon") if "horizon" in top else None
    if zone is not None and horizon is not None:
        _set_origin(reader, zone, horizon[0])
    weights = reader.optional(top, "weights", "", lambda v, p: _parse_weights(reader, v, p),
                              Weights())
    rules = reader.optional(top, "rules", "", lambda v, p: _parse_rules(reader, v, p), Rules())
    volunteers = _parse_volunteers(reader, top.get("volunteers", []), "volunteers")
    shifts = _parse_shifts(reader, top.get("shifts", []), "shifts", horizon, weights)
    refs = _References(volunteers, shifts, top)
    fixed = _parse_assignments(reader, top.get("fixed", []), "fixed", refs, with_role=True)
    forbidden = _parse_assignments(reader, top.get("forbidden", []), "forbidden", refs,
                                   with_role=False)
    previous = _parse_assignments(reader, top.get("previous", []), "previous", refs,
                                  with_role=True)
    _check_unique_pairs(reader, fixed, "fixed")
    _check_unique_pairs(reader, previous, "previous")
    _check_fixed(reader, fixed, forbidden, refs)
    if reader.errors or zone is None or horizon is None:
        return None
    return Problem(
        timezone=zone.key,
        horizon_start=horizon[0],
        horizon_end=horizon[1],
        volunteers=tuple(v for v in volunteers.values() if v is not None),
        shifts=tuple(s for s in shifts.values() if s is not None),
        fixed=tuple(a for _, a in fixed),
        forbidden=tuple(Forbidden(a.volunteer, a.shift) for _, a in forbidden),
        previous=tuple(a for _, a in previous),
        rules=rules,
        weights=weights,
        name=name,
    )


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    """The IANA zone names that zoneinfo can load here."""
    return frozenset(available_timezones())


def _parse_timezone(reader: _Reader, value: object, path: str) -> Optional[ZoneInfo]:
    """An IANA time zone name."""
    name = reader.string(value, path)
    if name is None:
        return None
    if name not in _known_timezones():
        reader.error(path, f"unknown IANA time zone {_quote(name)}")
        return None
    try:
        return ZoneInfo(name)
    except Exception as exc:  # zoneinfo raises several kinds for odd keys or broken files
        reader.error(path, f"time zone {_quote(name)} cannot be loaded ({exc})")
        return None


def _parse_horizon(reader: _Reader, value: object, path: str) -> Optional[tuple[date, date]]:
    """``{"start": date, "end": date}``, both inclusive."""
    horizon = reader.obj(value, path, ("start", "end"), required=("start", "end"))
    if horizon is None or "start" not in horizon or "end" not in horizon:
        return None
    start = reader.date(horizon["start"], _key_path(path, "start"))
    end = reader.date(horizon["end"], _key_path(path, "end"))
    if start is None or end is None:
        return None
    if end < start:
        reader.error(_key_path(path, "end"), f"must not be before start {start.isoformat()}")
        return None
    if (end - start).days + 1 > MAX_HORIZON_DAYS:
        reader.error(_key_path(path, "end"), f"horizon longer than {MAX_HORIZON_DAYS} days")
        return None
    return start, end


def _set_origin(reader: _Reader, zone: ZoneInfo, start: date) -> None:
    """Local midnight of the horizon's first day, as the origin of absolute minutes."""
    try:
        # fold=0 maps a midnight skipped by DST to the instant of the change: the day's start.
        reader.origin_utc = datetime(start.year, start.month, start.day,
                                     tzinfo=zone).astimezone(timezone.utc)
        reader.zone = zone
    except (OverflowError, ValueError):
        reader.error("horizon.start", "is out of the supported range of dates")


# --------------------------------------------------------------------------- weights, rules


def _parse_weights(reader: _Reader, value: object, path: str) -> Optional[Weights]:
    """``weights``: finite numbers >= 0; absent ones keep their defaults."""
    doc = reader.obj(value, path, WEIGHT_KEYS)
    if doc is None:
        return None
    given = {}
    for key in WEIGHT_KEYS:
        if key in doc:
            weight = reader.number(doc[key], _key_path(path, key), 0.0, MAX_WEIGHT)
            if weight is not None:
                given[key] = weight
    return Weights(**given)


def _parse_rules(reader: _Reader, value: object, path: str) -> Optional[Rules]:
    """``rules``: travel minutes, forbidden successions and weekend days."""
    doc = reader.obj(value, path, ("travel_minutes", "forbidden_successions", "weekend_days"))
    if doc is None:
        return None
    travel = reader.optional(doc, "travel_minutes", path,
                             lambda v, p: reader.integer(v, p, 0, MAX_MINUTES), 0)
    successions = reader.optional(doc, "forbidden_successions", path,
                                  lambda v, p: _parse_successions(reader, v, p), ())
    weekend = reader.optional(doc, "weekend_days", path,
                              lambda v, p: _parse_weekend_days(reader, v, p), (5, 6))
    return Rules(travel_minutes=travel, forbidden_successions=successions, weekend_days=weekend)


def _parse_successions(reader: _Reader, value: object,
                       path: str) -> Optional[tuple[Succession, ...]]:
    """``[{"from": activity, "to": activity}, ...]``."""
    result = []
    for item_path, item in reader.items(value, path):
        doc = reader.obj(item, item_path, ("from", "to"), required=("from", "to"))
        if doc is None:
            continue
        first = reader.optional(doc, "from", item_path, reader.string, None)
        second = reader.optional(doc, "to", item_path, reader.string, None)
        if first is not None and second is not None:
            result.append(Succession(first, second))
    return tuple(result)


def _parse_weekend_days(reader: _Reader, value: object, path: str) -> Optional[tuple[int, ...]]:
    """Distinct weekdays 0..6 (0 = Monday)."""
    days: list[int] = []
    for item_path, item in reader.items(value, path):
        day = reader.integer(item, item_path, 0, 6)
        if day is None:
            continue
        if day in days:
            reader.error(item_path, f"duplicate weekday {day}")
            continue
        days.append(day)
    return tuple(sorted(days))


# --------------------------------------------------------------------------- volunteers

_VOLUNTEER_KEYS = ("id", "name", "groups", "areas", "skills", "available", "unavailable",
                   "days_off", "limits", "prefers", "history_minutes")


def _parse_volunteers(reader: _Reader, value: object,
                      path: str) -> dict[str, Optional[Volunteer]]:
    """Volunteers by id (None for an entry with faults, so that references still resolve)."""
    volunteers: dict[str, Optional[Volunteer]] = {}
    first_path: dict[str, str] = {}
    for item_path, item in reader.items(value, path):
        errors_before = len(reader.errors)
        doc = reader.obj(item, item_path, _VOLUNTEER_KEYS, required=("id",))
        if doc is None:
            continue
        vid = reader.optional(doc, "id", item_path, reader.string, None)
        if vid is not None and vid in first_path:
            reader.error(_key_path(item_path, "id"),
                         f"duplicate volunteer id {_quote(vid)} (also {first_path[vid]})")
            vid = None
        volunteer = _parse_volunteer_fields(reader, doc, item_path, vid)
        if vid is not None:
            first_path[vid] = item_path
            volunteers[vid] = volunteer if len(reader.errors) == errors_before else None
    return volunteers


def _parse_volunteer_fields(reader: _Reader, doc: dict, path: str,
                            vid: Optional[str]) -> Optional[Volunteer]:
    """Every field of one volunteer other than `id`."""
    name = reader.optional(doc, "name", path, lambda v, p: reader.string(v, p, nonempty=False), "")
    groups = reader.optional(doc, "groups", path, reader.strings, [])
    areas = reader.optional(doc, "areas", path, reader.strings, None)
    skills = reader.optional(doc, "skills", path, lambda v, p: _parse_volunteer_skills(reader, v, p),
                             {})
    available = reader.optional(doc, "available", path,
                                lambda v, p: _parse_intervals(reader, v, p), None)
    unavailable = reader.optional(doc, "unavailable", path,
                                  lambda v, p: _parse_intervals(reader, v, p), ())
    days_off = reader.optional(doc, "days_off", path, lambda v, p: _parse_dates(reader, v, p),
                               frozenset())
    limits = reader.optional(doc, "limits", path, lambda v, p: _parse_limits(reader, v, p),
                             Limits())
    prefers = reader.optional(doc, "prefers", path, lambda v, p: _parse_prefers(reader, v, p), ())
    history = reader.optional(doc, "history_minutes", path,
                              lambda v, p: reader.number(v, p, 0.0, MAX_MINUTES), 0.0)
    if vid is None:
        return None
    return Volunteer(
        id=vid, name=name, groups=frozenset(groups),
        areas=None if areas is None else frozenset(areas),
        skills=skills, available=available, unavailable=unavailable, days_off=days_off,
        limits=limits, prefers=prefers, history_minutes=history,
    )


def _parse_volunteer_skills(reader: _Reader, value: object, path: str) -> Optional[dict]:
    """``{skill: level >= 1}``, or a list of names meaning level 1 each."""
    if isinstance(value, list):
        names = reader.strings(value, path)
        if names is None:
            return None
        skills: dict[str, int] = {}
        for i, skill in enumerate(names):
            if skill in skills:
                reader.error(_index_path(path, i), f"duplicate skill {_quote(skill)}")
            skills[skill] = 1
        return skills
    if not isinstance(value, dict):
        reader.error(path, f"must be an object of skill levels or a list of skill names, "
                           f"not {_type_name(value)}")
        return None
    return _parse_levels(reader, value, path)


def _parse_levels(reader: _Reader, value: dict, path: str) -> dict[str, int]:
    """``{skill: level}`` with integer levels >= 1."""
    levels = {}
    for skill, level in value.items():
        skill_path = _key_path(path, skill)
        if not isinstance(skill, str) or not skill.strip():
            reader.error(skill_path, "skill names must be non-empty strings")
            continue
        checked = reader.integer(level, skill_path, 1, MAX_COUNT)
        if checked is not None:
            levels[skill] = checked
    return levels


def _parse_intervals(reader: _Reader, value: object, path: str) -> Optional[tuple[Interval, ...]]:
    """``[[start, end], ...]`` as sorted absolute-minute intervals, touching ones merged."""
    intervals: list[Interval] = []
    for item_path, item in reader.items(value, path):
        if not isinstance(item, list) or len(item) != 2:
            reader.error(item_path, f"must be a pair [start, end], not {_quote(item)}")
            continue
        start = reader.local_datetime(item[0], _index_path(item_path, 0))
        end = reader.local_datetime(item[1], _index_path(item_path, 1))
        if start is None or end is None:
            continue
        if end <= start:
            reader.error(_index_path(item_path, 1), f"end must be after start {item[0]}")
            continue
        start_min = reader.minutes(start, _index_path(item_path, 0))
        end_min = reader.minutes(end, _index_path(item_path, 1))
        if start_min is not None and end_min is not None:
            intervals.append((start_min, end_min))
    return merge_intervals(intervals)


def merge_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted union of ``[start, end)`` intervals; touching or overlapping ones are joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_dates(reader: _Reader, value: object, path: str) -> frozenset[date]:
    """A list of ``YYYY-MM-DD`` dates."""
    dates = (reader.date(item, item_path) for item_path, item in reader.items(value, path))
    return frozenset(d for d in dates if d is not None)


_LIMIT_KEYS = LIMIT_COUNT_KEYS + LIMIT_MINUTE_KEYS + ("max_shifts_per_activity",
                                                     "min_minutes_strict")


def _parse_limits(reader: _Reader, value: object, path: str) -> Optional[Limits]:
    """A volunteer's ``limits``: non-negative integers, with min <= max where both apply."""
    doc = reader.obj(value, path, _LIMIT_KEYS)
    if doc is None:
        return None
    given: dict[str, Any] = {}
    for key in LIMIT_COUNT_KEYS:
        given[key] = reader.optional(doc, key, path,
                                     lambda v, p: reader.integer(v, p, 0, MAX_COUNT), None)
    for key in LIMIT_MINUTE_KEYS:
        given[key] = reader.optional(doc, key, path,
                                     lambda v, p: reader.integer(v, p, 0, MAX_MINUTES), None)
    given["min_minutes_strict"] = reader.optional(doc, "min_minutes_strict", path,
                                                  reader.boolean, False)
    given["max_shifts_per_activity"] = reader.optional(
        doc, "max_shifts_per_activity", path, lambda v, p: _parse_activity_caps(reader, v, p), {})
    for low, high in (("min_minutes", "max_minutes"),
                      ("min_consecutive_days", "max_consecutive_days")):
        if given[low] is not None and given[high] is not None and given[low] > given[high]:
            reader.error(_key_path(path, low), f"must be <= {high} ({given[high]})")
    return Limits(**given)


def _parse_activity_caps(reader: _Reader, value: object, path: str) -> Optional[dict[str, int]]:
    """``{activity: n}`` with n >= 0."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object, not {_type_name(value)}")
        return None
    caps = {}
    for activity, cap in value.items():
        cap_path = _key_path(path, activity)
        if not isinstance(activity, str) or not activity.strip():
            reader.error(cap_path, "activity names must be non-empty strings")
            continue
        checked = reader.integer(cap, cap_path, 0, MAX_COUNT)
        if checked is not None:
            caps[activity] = checked
    return caps


def _parse_prefers(reader: _Reader, value: object, path: str) -> tuple[Preference, ...]:
    """``prefers``: each entry an integer `weight` and exactly one selector."""
    result = []
    for item_path, item in reader.items(value, path):
        preference = _parse_preference(reader, item, item_path)
        if preference is not None:
            result.append(preference)
    return tuple(result)


def _parse_preference(reader: _Reader, value: object, path: str) -> Optional[Preference]:
    """One ``prefers`` entry."""
    doc = reader.obj(value, path, PREFERENCE_SELECTORS + ("weight",), required=("weight",))
    if doc is None:
        return None
    weight = reader.optional(doc, "weight", path, lambda v, p: reader.integer(
        v, p, -MAX_PREFERENCE_WEIGHT, MAX_PREFERENCE_WEIGHT), None)
    selectors = [key for key in PREFERENCE_SELECTORS if key in doc]
    if len(selectors) != 1:
        found = ", ".join(selectors) if selectors else "none"
        reader.error(path, f"needs exactly one of {', '.join(PREFERENCE_SELECTORS)} "
                           f"(found: {found})")
        return None
    kind = selectors[0]
    selector_path = _key_path(path, kind)
    selected: object
    if kind == "weekday":
        selected = reader.integer(doc[kind], selector_path, 0, 6)
    elif kind == "date":
        selected = reader.date(doc[kind], selector_path)
    else:
        selected = reader.string(doc[kind], selector_path)
    if selected is None or weight is None:
        return None
    return Preference(kind=kind, value=selected, weight=weight)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- shifts

_SHIFT_KEYS = ("id", "activity", "title", "venue", "area", "start", "end", "roles",
               "supervision")
_ROLE_KEYS = ("role", "skills", "groups", "need", "max", "under_weight", "over_weight",
              "continuity")


def _parse_shifts(reader: _Reader, value: object, path: str,
                  horizon: Optional[tuple[date, date]],
                  weights: Weights) -> dict[str, Optional[Shift]]:
    """Shifts by id (None for an entry with faults, so that references still resolve)."""
    shifts: dict[str, Optional[Shift]] = {}
    first_path: dict[str, str] = {}
    for item_path, item in reader.items(value, path):
        errors_before = len(reader.errors)
        doc = reader.obj(item, item_path, _SHIFT_KEYS,
                         required=("id", "activity", "start", "end", "roles"))
        if doc is None:
            continue
        sid = reader.optional(doc, "id", item_path, reader.string, None)
        if sid is not None and sid in first_path:
            reader.error(_key_path(item_path, "id"),
                         f"duplicate shift id {_quote(sid)} (also {first_path[sid]})")
            sid = None
        shift = _parse_shift_fields(reader, doc, item_path, sid, horizon, weights)
        if sid is not None:
            first_path[sid] = item_path
            shifts[sid] = shift if len(reader.errors) == errors_before else None
    return shifts


def _parse_shift_fields(reader: _Reader, doc: dict, path: str, sid: Optional[str],
                        horizon: Optional[tuple[date, date]],
                        weights: Weights) -> Optional[Shift]:
    """Every field of one shift other than `id`."""
    text = lambda v, p: reader.string(v, p, nonempty=False)  # noqa: E731
    activity = reader.optional(doc, "activity", path, reader.string, None)
    title = reader.optional(doc, "title", path, text, "")
    venue = reader.optional(doc, "venue", path, reader.string, None)
    area = reader.optional(doc, "area", path, reader.string, None)
    times = _parse_shift_times(reader, doc, path, horizon)
    roles = reader.optional(doc, "roles", path, lambda v, p: _parse_roles(reader, v, p, weights),
                            None)
    supervision = reader.optional(doc, "supervision", path,
                                  lambda v, p: _parse_supervision(reader, v, p), ())
    if sid is None or activity is None or times is None or roles is None:
        return None
    start, end, start_min, end_min, day = times
    return Shift(id=sid, activity=activity, start=start, end=end, start_min=start_min,
                 end_min=end_min, day=day, roles=roles, title=title, venue=venue, area=area,
                 supervision=supervision)


def _parse_shift_times(reader: _Reader, doc: dict, path: str,
                       horizon: Optional[tuple[date, date]]
                       ) -> Optional[tuple[datetime, datetime, int, int, int]]:
    """`start` and `end`: local times, absolute minutes and the start's day index."""
    start_path, end_path = _key_path(path, "start"), _key_path(path, "end")
    start = reader.optional(doc, "start", path, reader.local_datetime, None)
    end = reader.optional(doc, "end", path, reader.local_datetime, None)
    if start is None or end is None:
        return None
    if end <= start:
        reader.error(end_path, f"must be after start {start:%Y-%m-%dT%H:%M}")
        return None
    if horizon is not None and not horizon[0] <= start.date() <= horizon[1]:
        reader.error(start_path, f"{start:%Y-%m-%dT%H:%M} does not start on a horizon day "
                                 f"({horizon[0].isoformat()}..{horizon[1].isoformat()})")
        return None
    start_min = reader.minutes(start, start_path)
    end_min = reader.minutes(end, end_path)
    if horizon is None or start_min is None or end_min is None:
        return None
    if end_min - start_min > MAX_SHIFT_MINUTES:
        reader.error(end_path, f"a shift may last at most {MAX_SHIFT_MINUTES // 1440} days")
        return None
    return start, end, start_min, end_min, (start.date() - horizon[0]).days


def _parse_roles(reader: _Reader, value: object, path: str,
                 weights: Weights) -> Optional[tuple[Role, ...]]:
    """At least one role, names unique within the shift."""
    items = reader.items(value, path)
    if isinstance(value, list) and not value:
        reader.error(path, "a shift needs at least one role")
        return None
    roles: list[Role] = []
    first_path: dict[str, str] = {}
    ok = isinstance(value, list)
    for item_path, item in items:
        role = _parse_role(reader, item, item_path, weights)
        if role is None:
            ok = False
            continue
        if role.name in first_path:
            reader.error(_key_path(item_path, "role"),
                         f"duplicate role {_quote(role.name)} (also {first_path[role.name]})")
            ok = False
            continue
        first_path[role.name] = item_path
        roles.append(role)
    return tuple(roles) if ok else None


def _parse_role(reader: _Reader, value: object, path: str, weights: Weights) -> Optional[Role]:
    """One role of a shift, its weights resolved against the document's `weights`."""
    doc = reader.obj(value, path, _ROLE_KEYS, required=("role", "need"))
    if doc is None:
        return None
    errors_before = len(reader.errors)
    name = reader.optional(doc, "role", path, reader.string, None)
    skills = reader.optional(doc, "skills", path, lambda v, p: _parse_role_skills(reader, v, p),
                             {})
    groups = reader.optional(doc, "groups", path, reader.strings, None)
    need = reader.optional(doc, "need", path, lambda v, p: reader.integer(v, p, 0, MAX_COUNT),
                           None)
    cap = reader.optional(doc, "max", path, lambda v, p: reader.integer(v, p, 0, MAX_COUNT), None)
    under = reader.optional(doc, "under_weight", path,
                            lambda v, p: reader.number(v, p, 0.0, MAX_WEIGHT), weights.unfilled)
    over = reader.optional(doc, "over_weight", path,
                           lambda v, p: reader.number(v, p, 0.0, MAX_WEIGHT), weights.overfilled)
    continuity = reader.optional(doc, "continuity", path, reader.boolean, False)
    if need is not None and cap is not None and cap < need:
        reader.error(_key_path(path, "max"), f"must be >= need ({need})")
    if name is None or need is None or len(reader.errors) != errors_before:
        return None
    return Role(name=name, need=need, max=need if cap is None else cap, skills=skills,
                groups=None if groups is None else frozenset(groups), under_weight=under,
                over_weight=over, continuity=continuity)


def _parse_role_skills(reader: _Reader, value: object, path: str) -> Optional[dict[str, int]]:
    """``{skill: minimum level >= 1}``."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object of minimum skill levels, not {_type_name(value)}")
        return None
    return _parse_levels(reader, value, path)


def _parse_supervision(reader: _Reader, value: object,
                       path: str) -> tuple[Supervision, ...]:
    """``[{"group": g, "by": [groups]}, ...]``."""
    result = []
    for item_path, item in reader.items(value, path):
        doc = reader.obj(item, item_path, ("group", "by"), required=("group", "by"))
        if doc is None:
            continue
        group = reader.optional(doc, "group", item_path, reader.string, None)
        by = reader.optional(doc, "by", item_path, reader.strings, None)
        if group is not None and by is not None:
            result.append(Supervision(group=group, by=frozenset(by)))
    return tuple(result)


# --------------------------------------------------------------------------- assignments


class _References:
    """Ids and role names the document defines, also for entries that have faults."""

    def __init__(self, volunteers: Mapping[str, Optional[Volunteer]],
                 shifts: Mapping[str, Optional[Shift]], top: Mapping):
        self.volunteers = volunteers
        self.shifts = shifts
        self.role_names: dict[str, set[str]] = {sid: set() for sid in shifts}
        raw_shifts = top.get("shifts")
        for raw in raw_shifts if isinstance(raw_shifts, list) else ():
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) \
                    or raw["id"] not in self.role_names:
                continue
            roles = raw.get("roles")
            for role in roles if isinstance(roles, list) else ():
                if isinstance(role, dict) and isinstance(role.get("role"), str):
                    self.role_names[raw["id"]].add(role["role"])


def _parse_assignments(reader: _Reader, value: object, path: str, refs: _References, *,
                       with_role: bool) -> list[tuple[str, Assignment]]:
    """`fixed`, `previous` (role optional) or `forbidden` (no role), with their paths."""
    result = []
    keys = ("volunteer", "shift", "role") if with_role else ("volunteer", "shift")
    for item_path, item in reader.items(value, path):
        doc = reader.obj(item, item_path, keys, required=("volunteer", "shift"))
        if doc is None:
            continue
        assignment = _parse_reference(reader, doc, item_path, refs, role_required=False)
        if assignment is not None:
            result.append((item_path, assignment))
    return result


def _parse_reference(reader: _Reader, doc: dict, path: str, refs: _References, *,
                     role_required: bool) -> Optional[Assignment]:
    """An assignment whose volunteer, shift and (if given) role exist."""
    vid = reader.optional(doc, "volunteer", path, reader.string, None)
    sid = reader.optional(doc, "shift", path, reader.string, None)
    role = reader.optional(doc, "role", path, reader.string, None)
    if vid is not None and vid not in refs.volunteers:
        reader.error(_key_path(path, "volunteer"), f"unknown volunteer {_quote(vid)}")
        vid = None
    if sid is not None and sid not in refs.shifts:
        reader.error(_key_path(path, "shift"), f"unknown shift {_quote(sid)}")
        sid = None
    if role_required and "role" not in doc:
        reader.error(_key_path(path, "role"), "is required")
        return None
    if sid is not None and role is not None and role not in refs.role_names[sid]:
        reader.error(_key_path(path, "role"), f"shift {_quote(sid)} has no role {_quote(role)}")
        return None
    if vid is None or sid is None or ("role" in doc and role is None):
        return None
    return Assignment(volunteer=vid, shift=sid, role=role)


def _check_unique_pairs(reader: _Reader, entries: list[tuple[str, Assignment]],
                        path: str) -> None:
    """A volunteer takes at most one role in a shift, so a pair may appear only once."""
    seen: dict[tuple[str, str], str] = {}
    for entry_path, entry in entries:
        pair = (entry.volunteer, entry.shift)
        if pair in seen:
            reader.error(entry_path, f"volunteer {_quote(entry.volunteer)} and shift "
                                     f"{_quote(entry.shift)} appear twice in {path} "
                                     f"(also {seen[pair]})")
        else:
            seen[pair] = entry_path


def _check_fixed(reader: _Reader, fixed: list[tuple[str, Assignment]],
                 forbidden: list[tuple[str, Assignment]], refs: _References) -> None:
    """A fixed assignment must be takeable by its volunteer and not also forbidden."""
    forbidden_paths = {(a.volunteer, a.shift): p for p, a in forbidden}
    for path, entry in fixed:
        pair = (entry.volunteer, entry.shift)
        if pair in forbidden_paths:
            reader.error(path, f"volunteer {_quote(entry.volunteer)} is both fixed to and "
                               f"forbidden from shift {_quote(entry.shift)} "
                               f"({forbidden_paths[pair]})")
        volunteer = refs.volunteers.get(entry.volunteer)
        shift = refs.shifts.get(entry.shift)
        if volunteer is None or shift is None:
            continue  # faults already reported
        if entry.role is not None:
            role = shift.role(entry.role)
            reasons = role_obstacles(volunteer, shift, role) if role is not None else []
            if reasons:
                reader.error(_key_path(path, "role"),
                             f"volunteer {_quote(volunteer.id)} cannot take role "
                             f"{_quote(entry.role)} of shift {_quote(shift.id)}: "
                             + "; ".join(reasons))
        elif all(role_obstacles(volunteer, shift, role) for role in shift.roles):
            reasons = sorted({r for role in shift.roles
                              for r in role_obstacles(volunteer, shift, role)})
            reader.error(path, f"volunteer {_quote(volunteer.id)} can take no role of shift "
                               f"{_quote(shift.id)}: " + "; ".join(reasons))


def role_obstacles(volunteer: Volunteer, shift: Shift, role: Role) -> list[str]:
    """Why `volunteer` may never take `role` of `shift` (areas, groups, skills); [] if it may."""
    reasons = []
    if volunteer.areas is not None and shift.area is not None and shift.area not in volunteer.areas:
        reasons.append(f"does not serve area {_quote(shift.area)}")
    if role.groups is not None and not role.groups & volunteer.groups:
        reasons.append("belongs to none of the groups " + ", ".join(sorted(role.groups)))
    for skill, level in sorted(role.skills.items()):
        if volunteer.skills.get(skill, 0) < level:
            reasons.append(f"lacks skill {skill} >= {level}")
    return reasons


# --------------------------------------------------------------------------- solutions

_SOLUTION_KEYS = ("format", "status", "objective", "bound", "components", "assignments",
                  "unfilled", "conflicts", "stats")


def parse_solution(doc: object, problem: Problem) -> Solution:
    """Validate a solution document against `problem` and return it as a `Solution`.

    `format`, `status` and `assignments` are required; every assignment must name a
    volunteer, a shift and a role of that shift that exist in `problem`. Breaking a hard rule
    is *not* a fault here (that is what `solver.checker` reports). Raises `ProblemError`.
    """
    reader = _Reader()
    try:
        solution = _parse_solution(reader, doc, problem)
    except RecursionError:
        reader.error("", "is nested too deeply")
        solution = None
    if reader.errors or solution is None:
        raise ProblemError(reader.errors or ["$: invalid document"])
    return solution


def _parse_solution(reader: _Reader, doc: object, problem: Problem) -> Optional[Solution]:
    """All sections of a solution document."""
    top = reader.obj(doc, "", _SOLUTION_KEYS, required=("format", "status", "assignments"))
    if top is None:
        return None
    if "format" in top and top["format"] != SOLUTION_FORMAT:
        reader.error("format", f"must be {_quote(SOLUTION_FORMAT)}, not {_quote(top['format'])}")
    status = reader.optional(top, "status", "", _status_reader(reader), None)
    nullable = lambda v, p: None if v is None else reader.number(v, p, -math.inf, math.inf)  # noqa
    objective = reader.optional(top, "objective", "", nullable, None)
    bound = reader.optional(top, "bound", "", nullable, None)
    components = reader.optional(top, "components", "",
                                 lambda v, p: _parse_components(reader, v, p), {})
    refs = _References({v.id: v for v in problem.volunteers},
                       {s.id: s for s in problem.shifts}, {})
    refs.role_names = {s.id: {r.name for r in s.roles} for s in problem.shifts}
    assignments = []
    for item_path, item in reader.items(top.get("assignments", []), "assignments"):
        entry = reader.obj(item, item_path, ("volunteer", "shift", "role"),
                           required=("volunteer", "shift", "role"))
        if entry is not None:
            assignment = _parse_reference(reader, entry, item_path, refs, role_required=True)
            if assignment is not None:
                assignments.append(assignment)
    unfilled = reader.optional(top, "unfilled", "",
                               lambda v, p: _parse_unfilled(reader, v, p, refs), ())
    conflicts = reader.optional(top, "conflicts", "",
                                lambda v, p: _optional_tuple(reader.strings(v, p)), ())
    stats = reader.optional(top, "stats", "", lambda v, p: _parse_stats(reader, v, p), {})
    if reader.errors or status is None:
        return None
    return Solution(status=status, objective=objective, bound=bound, components=components,
                    assignments=tuple(assignments), unfilled=unfilled, conflicts=conflicts,
                    stats=stats)


def _parse_stats(reader: _Reader, value: object, path: str) -> Optional[dict]:
    """``stats``: a free-form object (the engine's figures)."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object, not {_type_name(value)}")
        return None
    return dict(value)


def _optional_tuple(items: Optional[list]) -> Optional[tuple]:
    """`items` as a tuple, keeping None."""
    return None if items is None else tuple(items)


def _status_reader(reader: _Reader) -> Callable[[object, str], Optional[str]]:
    """A reader for `status`, one of the spec's four."""
    def read(value: object, path: str) -> Optional[str]:
        if value not in STATUSES or not isinstance(value, str):
            reader.error(path, f"must be one of {', '.join(STATUSES)}, not {_quote(value)}")
            return None
        return value
    return read


def _parse_components(reader: _Reader, value: object, path: str) -> Optional[dict[str, float]]:
    """``{name: finite number}``."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object, not {_type_name(value)}")
        return None
    components = {}
    for name, amount in value.items():
        checked = reader.number(amount, _key_path(path, name), -math.inf, math.inf)
        if checked is not None and isinstance(name, str):
            components[name] = checked
    return components


def _parse_unfilled(reader: _Reader, value: object, path: str,
                    refs: _References) -> tuple[UnfilledRole, ...]:
    """``[{"shift", "role", "missing", "reasons"}, ...]``."""
    result = []
    for item_path, item in reader.items(value, path):
        doc = reader.obj(item, item_path, ("shift", "role", "missing", "reasons"),
                         required=("shift", "role", "missing"))
        if doc is None:
            continue
        sid = reader.optional(doc, "shift", item_path, reader.string, None)
        role = reader.optional(doc, "role", item_path, reader.string, None)
        missing = reader.optional(doc, "missing", item_path,
                                  lambda v, p: reader.integer(v, p, 1, MAX_COUNT), None)
        reasons = reader.optional(doc, "reasons", item_path,
                                  lambda v, p: _optional_tuple(reader.strings(v, p)), ())
        if sid is not None and sid not in refs.shifts:
            reader.error(_key_path(item_path, "shift"), f"unknown shift {_quote(sid)}")
        elif sid is not None and role is not None and role not in refs.role_names[sid]:
            reader.error(_key_path(item_path, "role"),
                         f"shift {_quote(sid)} has no role {_quote(role)}")
        elif sid is not None and role is not None and missing is not None:
            result.append(UnfilledRole(shift=sid, role=role, missing=missing, reasons=reasons))
    return tuple(result)


# --------------------------------------------------------------------------- files


class _DuplicateKey(ValueError):
    """An object with the same key twice (json would silently keep the last)."""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    """`object_pairs_hook` that rejects duplicate keys."""
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    """`parse_constant` that rejects NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def load_json(path: str) -> object:
    """Read a UTF-8 JSON file strictly; any failure becomes a one-line `ProblemError`.

    Rejects non-UTF-8 bytes, NaN/Infinity, duplicate object keys and trailing data.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ProblemError([f"{path}: cannot read file: {exc.strerror or exc}"]) from None
    except ValueError as exc:  # e.g. an embedded NUL in the path
        raise ProblemError([f"{path}: cannot read file: {exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _DuplicateKey as exc:
        raise ProblemError([f"{path}: duplicate key {_quote(exc.args[0])} in an object"]) from None
    except json.JSONDecodeError as exc:
        raise ProblemError([f"{path}: not valid JSON: {exc.msg} "
                            f"(line {exc.lineno}, column {exc.colno})"]) from None
    except (ValueError, RecursionError) as exc:
        raise ProblemError([f"{path}: not valid JSON: {exc}"]) from None
