"""Parsing and validation of the schedule documents (`shared/spec/schedule-format.md`, v1).

`parse_problem` turns any JSON value into the frozen `solver.domain.Problem` or raises
`ProblemError` listing *every* fault found, each as ``"json.path: message"``
(``shifts[3].roles[0].need: must be >= 0``). `parse_solution` does the same for a solution
document against its problem, and `load_json` reads a file strictly (UTF-8, no NaN, no
duplicate keys). No other exception escapes these functions, whatever the input.

This module holds the document's top level (format, timezone, horizon, rules, weights);
the sections live in `solver.parse_volunteers`, `solver.parse_shifts`,
`solver.parse_assignments` and `solver.parse_solution`, all built on `solver.parse_reader`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo, available_timezones

from solver.domain import PROBLEM_FORMAT, Forbidden, Problem, Rules, Succession, Weights
from solver.parse_assignments import (
    References,
    check_fixed,
    check_unique_pairs,
    parse_assignments,
    role_obstacles,
)
from solver.parse_reader import (
    MAX_HORIZON_DAYS,
    MAX_MINUTES,
    MAX_WEIGHT,
    ProblemError,
    Reader,
    key_path,
    load_json,
    quote,
)
from solver.parse_shifts import parse_shifts
from solver.parse_solution import parse_solution
from solver.parse_volunteers import merge_intervals, parse_volunteers

__all__ = ["ProblemError", "load_json", "merge_intervals", "parse_problem", "parse_solution",
           "role_obstacles"]

WEIGHT_KEYS = ("unfilled", "overfilled", "preference", "fairness", "continuity", "change")


def parse_problem(doc: object) -> Problem:
    """Validate a problem document and return it as a `Problem`.

    Raises `ProblemError` listing every fault (``"json.path: message"``); never raises
    anything else, whatever JSON value (or other Python object) is given.
    """
    reader = Reader()
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


def _parse_problem(reader: Reader, doc: object) -> Optional[Problem]:
    """All sections of the document, then the checks that span them."""
    top = reader.obj(doc, "", _TOP_KEYS,
                     required=("format", "timezone", "horizon", "volunteers", "shifts"))
    if top is None:
        return None
    if "format" in top and top["format"] != PROBLEM_FORMAT:
        reader.error("format", f"must be {quote(PROBLEM_FORMAT)}, not {quote(top['format'])}")
    name = reader.optional(top, "name", "", reader.text, "")
    zone = _parse_timezone(reader, top.get("timezone"), "timezone") if "timezone" in top else None
    horizon = _parse_horizon(reader, top["horizon"], "horizon") if "horizon" in top else None
    if zone is not None and horizon is not None:
        _set_origin(reader, zone, horizon[0])
    weights = reader.optional(top, "weights", "", lambda v, p: _parse_weights(reader, v, p),
                              Weights())
    rules = reader.optional(top, "rules", "", lambda v, p: _parse_rules(reader, v, p), Rules())
    volunteers = parse_volunteers(reader, top.get("volunteers", []), "volunteers")
    shifts = parse_shifts(reader, top.get("shifts", []), "shifts", horizon, weights)
    refs = References.of_document(volunteers, shifts, top)
    fixed = parse_assignments(reader, top.get("fixed", []), "fixed", refs, with_role=True)
    forbidden = parse_assignments(reader, top.get("forbidden", []), "forbidden", refs,
                                  with_role=False)
    previous = parse_assignments(reader, top.get("previous", []), "previous", refs,
                                 with_role=True)
    check_unique_pairs(reader, fixed, "fixed")
    check_unique_pairs(reader, previous, "previous")
    check_fixed(reader, fixed, forbidden, refs)
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


def _parse_timezone(reader: Reader, value: object, path: str) -> Optional[ZoneInfo]:
    """An IANA time zone name."""
    name = reader.string(value, path)
    if name is None:
        return None
    if name not in _known_timezones():
        reader.error(path, f"unknown IANA time zone {quote(name)}")
        return None
    try:
        return ZoneInfo(name)
    except Exception as exc:  # zoneinfo raises several kinds for odd keys or broken files
        reader.error(path, f"time zone {quote(name)} cannot be loaded ({exc})")
        return None


def _parse_horizon(reader: Reader, value: object, path: str) -> Optional[tuple[date, date]]:
    """``{"start": date, "end": date}``, both inclusive."""
    horizon = reader.obj(value, path, ("start", "end"), required=("start", "end"))
    if horizon is None or "start" not in horizon or "end" not in horizon:
        return None
    start = reader.date(horizon["start"], key_path(path, "start"))
    end = reader.date(horizon["end"], key_path(path, "end"))
    if start is None or end is None:
        return None
    if end < start:
        reader.error(key_path(path, "end"), f"must not be before start {start.isoformat()}")
        return None
    if (end - start).days + 1 > MAX_HORIZON_DAYS:
        reader.error(key_path(path, "end"), f"horizon longer than {MAX_HORIZON_DAYS} days")
        return None
    return start, end


def _set_origin(reader: Reader, zone: ZoneInfo, start: date) -> None:
    """Local midnight of the horizon's first day, as the origin of absolute minutes."""
    try:
        # fold=0 maps a midnight skipped by DST to the instant of the change: the day's start.
        reader.origin_utc = datetime(start.year, start.month, start.day,
                                     tzinfo=zone).astimezone(timezone.utc)
        reader.zone = zone
    except (OverflowError, ValueError):
        reader.error("horizon.start", "is out of the supported range of dates")


# --------------------------------------------------------------------------- weights, rules


def _parse_weights(reader: Reader, value: object, path: str) -> Optional[Weights]:
    """``weights``: finite numbers >= 0; absent ones keep their defaults."""
    doc = reader.obj(value, path, WEIGHT_KEYS)
    if doc is None:
        return None
    given = {}
    for key in WEIGHT_KEYS:
        if key in doc:
            weight = reader.number(doc[key], key_path(path, key), 0.0, MAX_WEIGHT)
            if weight is not None:
                given[key] = weight
    return Weights(**given)


def _parse_rules(reader: Reader, value: object, path: str) -> Optional[Rules]:
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


def _parse_successions(reader: Reader, value: object,
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


def _parse_weekend_days(reader: Reader, value: object, path: str) -> Optional[tuple[int, ...]]:
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
