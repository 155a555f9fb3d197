"""The ``shifts`` section of a problem document: times, roles, supervision (spec, "Shift")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from solver.domain import Role, Shift, Supervision, Weights
from solver.parse_reader import (
    MAX_COUNT,
    MAX_SHIFT_MINUTES,
    MAX_WEIGHT,
    Reader,
    key_path,
    quote,
    type_name,
)
from solver.parse_volunteers import parse_levels

_SHIFT_KEYS = ("id", "activity", "title", "venue", "area", "start", "end", "roles",
               "supervision")
_ROLE_KEYS = ("role", "skills", "groups", "need", "max", "under_weight", "over_weight",
              "continuity")


def parse_shifts(reader: Reader, value: object, path: str,
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
            reader.error(key_path(item_path, "id"),
                         f"duplicate shift id {quote(sid)} (also {first_path[sid]})")
            sid = None
        shift = _parse_shift_fields(reader, doc, item_path, sid, horizon, weights)
        if sid is not None:
            first_path[sid] = item_path
            shifts[sid] = shift if len(reader.errors) == errors_before else None
    return shifts


def _parse_shift_fields(reader: Reader, doc: dict, path: str, sid: Optional[str],
                        horizon: Optional[tuple[date, date]],
                        weights: Weights) -> Optional[Shift]:
    """Every field of one shift other than `id`."""
    activity = reader.optional(doc, "activity", path, reader.string, None)
    title = reader.optional(doc, "title", path, reader.text, "")
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


def _parse_shift_times(reader: Reader, doc: dict, path: str,
                       horizon: Optional[tuple[date, date]]
                       ) -> Optional[tuple[datetime, datetime, int, int, int]]:
    """`start` and `end`: local times, absolute minutes and the start's day index."""
    start_path, end_path = key_path(path, "start"), key_path(path, "end")
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


def _parse_roles(reader: Reader, value: object, path: str,
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
            reader.error(key_path(item_path, "role"),
                         f"duplicate role {quote(role.name)} (also {first_path[role.name]})")
            ok = False
            continue
        first_path[role.name] = item_path
        roles.append(role)
    return tuple(roles) if ok else None


def _parse_role(reader: Reader, value: object, path: str, weights: Weights) -> Optional[Role]:
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
        reader.error(key_path(path, "max"), f"must be >= need ({need})")
    if name is None or need is None or len(reader.errors) != errors_before:
        return None
    return Role(name=name, need=need, max=need if cap is None else cap, skills=skills,
                groups=None if groups is None else frozenset(groups), under_weight=under,
                over_weight=over, continuity=continuity)


def _parse_role_skills(reader: Reader, value: object, path: str) -> Optional[dict[str, int]]:
    """``{skill: minimum level >= 1}``."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object of minimum skill levels, not {type_name(value)}")
        return None
    return parse_levels(reader, value, path)


def _parse_supervision(reader: Reader, value: object,
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
