"""The solution document (spec, "Solution document"), validated against its problem."""

from __future__ import annotations

import math
from typing import Callable, Optional

from solver.domain import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    SOLUTION_FORMAT,
    UNKNOWN,
    Problem,
    Solution,
    UnfilledRole,
)
from solver.parse_assignments import References, parse_reference
from solver.parse_reader import MAX_COUNT, ProblemError, Reader, key_path, quote, type_name

STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN)

_SOLUTION_KEYS = ("format", "status", "objective", "bound", "components", "assignments",
                  "unfilled", "conflicts", "stats")


def parse_solution(doc: object, problem: Problem) -> Solution:
    """Validate a solution document against `problem` and return it as a `Solution`.

    `format`, `status` and `assignments` are required; every assignment must name a
    volunteer, a shift and a role of that shift that exist in `problem`. Breaking a hard rule
    is *not* a fault here (that is what `solver.checker` reports). Raises `ProblemError`.
    """
    reader = Reader()
    try:
        solution = _parse_solution(reader, doc, problem)
    except RecursionError:
        reader.error("", "is nested too deeply")
        solution = None
    if reader.errors or solution is None:
        raise ProblemError(reader.errors or ["$: invalid document"])
    return solution


def _parse_solution(reader: Reader, doc: object, problem: Problem) -> Optional[Solution]:
    """All sections of a solution document."""
    top = reader.obj(doc, "", _SOLUTION_KEYS, required=("format", "status", "assignments"))
    if top is None:
        return None
    if "format" in top and top["format"] != SOLUTION_FORMAT:
        reader.error("format", f"must be {quote(SOLUTION_FORMAT)}, not {quote(top['format'])}")
    status = reader.optional(top, "status", "", _status_reader(reader), None)
    objective = reader.optional(top, "objective", "", reader.number_or_null, None)
    bound = reader.optional(top, "bound", "", reader.number_or_null, None)
    components = reader.optional(top, "components", "",
                                 lambda v, p: _parse_components(reader, v, p), {})
    refs = References.of_problem(problem)
    assignments = []
    for item_path, item in reader.items(top.get("assignments", []), "assignments"):
        entry = reader.obj(item, item_path, ("volunteer", "shift", "role"),
                           required=("volunteer", "shift", "role"))
        if entry is not None:
            assignment = parse_reference(reader, entry, item_path, refs, role_required=True)
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


def _parse_stats(reader: Reader, value: object, path: str) -> Optional[dict]:
    """``stats``: a free-form object (the engine's figures)."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object, not {type_name(value)}")
        return None
    return dict(value)


def _optional_tuple(items: Optional[list]) -> Optional[tuple]:
    """`items` as a tuple, keeping None."""
    return None if items is None else tuple(items)


def _status_reader(reader: Reader) -> Callable[[object, str], Optional[str]]:
    """A reader for `status`, one of the spec's four."""
    def read(value: object, path: str) -> Optional[str]:
        if value not in STATUSES or not isinstance(value, str):
            reader.error(path, f"must be one of {', '.join(STATUSES)}, not {quote(value)}")
            return None
        return value
    return read


def _parse_components(reader: Reader, value: object, path: str) -> Optional[dict[str, float]]:
    """``{name: finite number}``."""
    if not isinstance(value, dict):
        reader.error(path, f"must be an object, not {type_name(value)}")
        return None
    components = {}
    for name, amount in value.items():
        name_path = key_path(path, name)
        if not isinstance(name, str):
            reader.error(name_path, "component names must be strings")
            continue
        checked = reader.number(amount, name_path, -math.inf, math.inf)
        if checked is not None:
            components[name] = checked
    return components


def _parse_unfilled(reader: Reader, value: object, path: str,
                    refs: References) -> tuple[UnfilledRole, ...]:
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
            reader.error(key_path(item_path, "shift"), f"unknown shift {quote(sid)}")
        elif sid is not None and role is not None and role not in refs.role_names[sid]:
            reader.error(key_path(item_path, "role"),
                         f"shift {quote(sid)} has no role {quote(role)}")
        elif sid is not None and role is not None and missing is not None:
            result.append(UnfilledRole(shift=sid, role=role, missing=missing, reasons=reasons))
    return tuple(result)
