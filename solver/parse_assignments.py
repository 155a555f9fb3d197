"""Entries that name a volunteer, a shift and maybe a role: ``fixed``, ``forbidden``,
``previous`` and a solution's ``assignments``, with the checks that span sections."""

from __future__ import annotations

from typing import Mapping, Optional

from solver.domain import Assignment, Problem, Role, Shift, Volunteer
from solver.parse_reader import Reader, key_path, quote


class References:
    """Ids and role names that assignments may name (also those of entries with faults)."""

    def __init__(self, volunteers: Mapping[str, Optional[Volunteer]],
                 shifts: Mapping[str, Optional[Shift]], role_names: Mapping[str, set[str]]):
        self.volunteers = volunteers
        self.shifts = shifts
        self.role_names = role_names

    @classmethod
    def of_document(cls, volunteers: Mapping[str, Optional[Volunteer]],
                    shifts: Mapping[str, Optional[Shift]], top: Mapping) -> "References":
        """References of a problem document being parsed (role names read from the raw JSON)."""
        role_names: dict[str, set[str]] = {sid: set() for sid in shifts}
        raw_shifts = top.get("shifts")
        for raw in raw_shifts if isinstance(raw_shifts, list) else ():
            sid = raw.get("id") if isinstance(raw, dict) else None
            if not isinstance(sid, str) or sid not in role_names:
                continue
            roles = raw.get("roles")
            for role in roles if isinstance(roles, list) else ():
                if isinstance(role, dict) and isinstance(role.get("role"), str):
                    role_names[sid].add(role["role"])
        return cls(volunteers, shifts, role_names)

    @classmethod
    def of_problem(cls, problem: Problem) -> "References":
        """References of a parsed problem."""
        return cls(problem.volunteer_by_id, problem.shift_by_id,
                   {s.id: {r.name for r in s.roles} for s in problem.shifts})


def parse_assignments(reader: Reader, value: object, path: str, refs: References, *,
                      with_role: bool) -> list[tuple[str, Assignment]]:
    """`fixed`, `previous` (role optional) or `forbidden` (no role), with their paths."""
    result = []
    keys = ("volunteer", "shift", "role") if with_role else ("volunteer", "shift")
    for item_path, item in reader.items(value, path):
        doc = reader.obj(item, item_path, keys, required=("volunteer", "shift"))
        if doc is None:
            continue
        assignment = parse_reference(reader, doc, item_path, refs, role_required=False)
        if assignment is not None:
            result.append((item_path, assignment))
    return result


def parse_reference(reader: Reader, doc: dict, path: str, refs: References, *,
                    role_required: bool) -> Optional[Assignment]:
    """An assignment whose volunteer, shift and (if given) role exist."""
    vid = reader.optional(doc, "volunteer", path, reader.string, None)
    sid = reader.optional(doc, "shift", path, reader.string, None)
    role = reader.optional(doc, "role", path, reader.string, None)
    if vid is not None and vid not in refs.volunteers:
        reader.error(key_path(path, "volunteer"), f"unknown volunteer {quote(vid)}")
        vid = None
    if sid is not None and sid not in refs.shifts:
        reader.error(key_path(path, "shift"), f"unknown shift {quote(sid)}")
        sid = None
    if role_required and "role" not in doc:
        reader.error(key_path(path, "role"), "is required")
        return None
    if sid is not None and role is not None and role not in refs.role_names[sid]:
        reader.error(key_path(path, "role"), f"shift {quote(sid)} has no role {quote(role)}")
        return None
    if vid is None or sid is None or ("role" in doc and role is None):
        return None
    return Assignment(volunteer=vid, shift=sid, role=role)


def check_unique_pairs(reader: Reader, entries: list[tuple[str, Assignment]],
                       path: str) -> None:
    """A volunteer takes at most one role in a shift, so a pair may appear only once."""
    seen: dict[tuple[str, str], str] = {}
    for entry_path, entry in entries:
        pair = (entry.volunteer, entry.shift)
        if pair in seen:
            reader.error(entry_path, f"volunteer {quote(entry.volunteer)} and shift "
                                     f"{quote(entry.shift)} appear twice in {path} "
                                     f"(also {seen[pair]})")
        else:
            seen[pair] = entry_path


def check_fixed(reader: Reader, fixed: list[tuple[str, Assignment]],
                forbidden: list[tuple[str, Assignment]], refs: References) -> None:
    """A fixed assignment must be takeable by its volunteer and not also forbidden."""
    forbidden_paths = {(a.volunteer, a.shift): p for p, a in forbidden}
    for path, entry in fixed:
        pair = (entry.volunteer, entry.shift)
        if pair in forbidden_paths:
            reader.error(path, f"volunteer {quote(entry.volunteer)} is both fixed to and "
                               f"forbidden from shift {quote(entry.shift)} "
                               f"({forbidden_paths[pair]})")
        volunteer = refs.volunteers.get(entry.volunteer)
        shift = refs.shifts.get(entry.shift)
        if volunteer is None or shift is None:
            continue  # faults already reported
        if entry.role is not None:
            role = shift.role(entry.role)
            reasons = role_obstacles(volunteer, shift, role) if role is not None else []
            if reasons:
                reader.error(key_path(path, "role"),
                             f"volunteer {quote(volunteer.id)} cannot take role "
                             f"{quote(entry.role)} of shift {quote(shift.id)}: "
                             + "; ".join(reasons))
        elif all(role_obstacles(volunteer, shift, role) for role in shift.roles):
            reasons = sorted({r for role in shift.roles
                              for r in role_obstacles(volunteer, shift, role)})
            reader.error(path, f"volunteer {quote(volunteer.id)} can take no role of shift "
                               f"{quote(shift.id)}: " + "; ".join(reasons))


def role_obstacles(volunteer: Volunteer, shift: Shift, role: Role) -> list[str]:
    """Why `volunteer` may never take `role` of `shift` (areas, groups, skills); [] if it may."""
    reasons = []
    if volunteer.areas is not None and shift.area is not None and shift.area not in volunteer.areas:
        reasons.append(f"does not serve area {quote(shift.area)}")
    if role.groups is not None and not role.groups & volunteer.groups:
        reasons.append("belongs to none of the groups " + ", ".join(sorted(role.groups)))
    for skill, level in sorted(role.skills.items()):
        if volunteer.skills.get(skill, 0) < level:
            reasons.append(f"lacks skill {skill} >= {level}")
    return reasons
