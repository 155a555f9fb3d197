"""The ``volunteers`` section of a problem document (spec, "Volunteer")."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Optional

from solver.domain import Interval, Limits, Preference, Volunteer
from solver.parse_reader import (
    MAX_COUNT,
    MAX_MINUTES,
    MAX_PREFERENCE_WEIGHT,
    Reader,
    index_path,
    key_path,
    quote,
    type_name,
)

PREFERENCE_SELECTORS = ("shift", "activity", "venue", "weekday", "date")
LIMIT_COUNT_KEYS = (
    "max_shifts_per_day", "max_shifts", "max_consecutive_days", "min_consecutive_days",
    "min_consecutive_days_off", "max_weekends",
)
LIMIT_MINUTE_KEYS = ("max_minutes", "min_minutes", "min_rest_minutes")
_VOLUNTEER_KEYS = ("id", "name", "groups", "areas", "skills", "available", "unavailable",
                   "days_off", "limits", "prefers", "history_minutes")


def parse_volunteers(reader: Reader, value: object,
                     path: str) -> dict[str, Optional[Volunteer]]:
    """``volunteers``: by id (None for an entry with faults, so references still resolve)."""
    volunteers: dict[str, Optional[Volunteer]] = {}
    first_path: dict[str, str] = {}
    for item_path, item in reader.items(value, path):
        errors_before = len(reader.errors)
        doc = reader.obj(item, item_path, _VOLUNTEER_KEYS, required=("id",))
        if doc is None:
            continue
        vid = reader.optional(doc, "id", item_path, reader.string, None)
        if vid is not None and vid in first_path:
            reader.error(key_path(item_path, "id"),
                         f"duplicate volunteer id {quote(vid)} (also {first_path[vid]})")
            vid = None
        volunteer = _parse_volunteer_fields(reader, doc, item_path, vid)
        if vid is not None:
            first_path[vid] = item_path
            volunteers[vid] = volunteer if len(reader.errors) == errors_before else None
    return volunteers


def _parse_volunteer_fields(reader: Reader, doc: dict, path: str,
                            vid: Optional[str]) -> Optional[Volunteer]:
    """Every field of one volunteer other than `id`."""
    name = reader.optional(doc, "name", path, reader.text, "")
    groups = reader.optional(doc, "groups", path, reader.strings, [])
    areas = reader.optional(doc, "areas", path, reader.strings, None)
    skills = reader.optional(doc, "skills", path,
                             lambda v, p: _parse_volunteer_skills(reader, v, p), {})
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


def _parse_volunteer_skills(reader: Reader, value: object, path: str) -> Optional[dict]:
    """``{skill: level >= 1}``, or a list of names meaning level 1 each."""
    if isinstance(value, list):
        names = reader.strings(value, path)
        if names is None:
            return None
        skills: dict[str, int] = {}
        for i, skill in enumerate(names):
            if skill in skills:
                reader.error(index_path(path, i), f"duplicate skill {quote(skill)}")
            skills[skill] = 1
        return skills
    if not isinstance(value, dict):
        reader.error(path, f"must be an object of skill levels or a list of skill names, "
                           f"not {type_name(value)}")
        return None
    return parse_levels(reader, value, path)


def parse_levels(reader: Reader, value: dict, path: str) -> dict[str, int]:
    """``{skill: level}`` with integer levels >= 1."""
    levels = {}
    for skill, level in value.items():
        skill_path = key_path(path, skill)
        if not isinstance(skill, str) or not skill.strip():
            reader.error(skill_path, "skill names must be non-empty strings")
            continue
        checked = reader.integer(level, skill_path, 1, MAX_COUNT)
        if checked is not None:
            levels[skill] = checked
    return levels


def _parse_intervals(reader: Reader, value: object, path: str) -> Optional[tuple[Interval, ...]]:
    """``[[start, end], ...]`` as sorted absolute-minute intervals, touching ones merged."""
    intervals: list[Interval] = []
    for item_path, item in reader.items(value, path):
        if not isinstance(item, list) or len(item) != 2:
            reader.error(item_path, f"must be a pair [start, end], not {quote(item)}")
            continue
        start = reader.local_datetime(item[0], index_path(item_path, 0))
        end = reader.local_datetime(item[1], index_path(item_path, 1))
        if start is None or end is None:
            continue
        if end <= start:
            reader.error(index_path(item_path, 1), f"end must be after start {item[0]}")
            continue
        start_min = reader.minutes(start, index_path(item_path, 0))
        end_min = reader.minutes(end, index_path(item_path, 1))
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


def _parse_dates(reader: Reader, value: object, path: str) -> frozenset[date]:
    """A list of ``YYYY-MM-DD`` dates."""
    dates = (reader.date(item, item_path) for item_path, item in reader.items(value, path))
    return frozenset(d for d in dates if d is not None)


_LIMIT_KEYS = LIMIT_COUNT_KEYS + LIMIT_MINUTE_KEYS + ("max_shifts_per_activity",
                                                     "min_minutes_strict")


def _parse_limits(reader: Reader, value: object, path: str) -> Optional[Limits]:
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
            reader.error(key_path(path, low), f"must be <= {high} ({given[high]})")
    return Limits(**given)


def _parse_activity_caps(reader: Reader, value: object, path: str) -> Optional[dict[str, int]]:
    """``{activity: n}`` with n >= 0."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object, not {type_name(value)}")
        return None
    caps = {}
    for activity, cap in value.items():
        cap_path = key_path(path, activity)
        if not isinstance(activity, str) or not activity.strip():
            reader.error(cap_path, "activity names must be non-empty strings")
            continue
        checked = reader.integer(cap, cap_path, 0, MAX_COUNT)
        if checked is not None:
            caps[activity] = checked
    return caps


def _parse_prefers(reader: Reader, value: object, path: str) -> tuple[Preference, ...]:
    """``prefers``: each entry an integer `weight` and exactly one selector."""
    result = []
    for item_path, item in reader.items(value, path):
        preference = _parse_preference(reader, item, item_path)
        if preference is not None:
            result.append(preference)
    return tuple(result)


def _parse_preference(reader: Reader, value: object, path: str) -> Optional[Preference]:
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
    selector_path = key_path(path, kind)
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
