"""Builders of small, valid schedule documents for the solver tests.

Plain functions (not fixtures) so that hypothesis tests and module-level parametrisation
can use them too; `conftest.py` also exposes them as fixtures. Every builder returns a fresh
JSON-ready dict, so tests may mutate the result freely.

The default document (`make_doc()`): Asia/Shanghai, the week Monday 2026-12-07 to Sunday
2026-12-13, three volunteers and two shifts on Monday:

- v1 "Wang" (retired_cadre, calligraphy 2), v2 "Li" (student), v3 "Zhao" (social_worker);
- s1 calligraphy-class 09:00-11:00, role "teacher" (calligraphy >= 1, need 1);
- s2 duty 14:00-16:00, role "helper" (need 1, max 2).
"""

from __future__ import annotations

import copy
from typing import Any

#: Pass as an override to drop a key from the built dict (e.g. ``make_doc(rules=REMOVE)``).
REMOVE = object()

HORIZON_START = "2026-12-07"
HORIZON_END = "2026-12-13"


def _apply(base: dict, overrides: dict) -> dict:
    """`base` with (copies of) `overrides` applied; `REMOVE` deletes a key."""
    for key, value in overrides.items():
        if value is REMOVE:
            base.pop(key, None)
        else:
            base[key] = copy.deepcopy(value)
    return base


def make_role(role: str = "helper", need: int = 1, **overrides: Any) -> dict:
    """A role entry of a shift."""
    return _apply({"role": role, "need": need}, overrides)


def make_shift(id: str = "s1", start: str = "2026-12-07T09:00", end: str = "2026-12-07T11:00",
               *, activity: str = "duty", roles: list | None = None, **overrides: Any) -> dict:
    """A shift entry; one `make_role()` unless `roles` is given."""
    shift = {"id": id, "activity": activity, "start": start, "end": end,
             "roles": roles if roles is not None else [make_role()]}
    return _apply(shift, overrides)


def make_volunteer(id: str = "v1", **overrides: Any) -> dict:
    """A volunteer entry with only an id (plus `overrides`)."""
    return _apply({"id": id}, overrides)


def default_volunteers() -> list[dict]:
    """The three volunteers of the default document."""
    return [
        make_volunteer("v1", name="Wang", groups=["retired_cadre"], skills={"calligraphy": 2}),
        make_volunteer("v2", name="Li", groups=["student"]),
        make_volunteer("v3", name="Zhao", groups=["social_worker"]),
    ]


def default_shifts() -> list[dict]:
    """The two shifts of the default document."""
    return [
        make_shift("s1", "2026-12-07T09:00", "2026-12-07T11:00", activity="calligraphy-class",
                   roles=[make_role("teacher", 1, skills={"calligraphy": 1})]),
        make_shift("s2", "2026-12-07T14:00", "2026-12-07T16:00", activity="duty",
                   roles=[make_role("helper", 1, max=2)]),
    ]


def make_doc(**overrides: Any) -> dict:
    """A small valid problem document; keyword arguments replace (or `REMOVE`) top-level keys."""
    doc = {
        "format": "volunteer-schedule/1",
        "name": "test week",
        "timezone": "Asia/Shanghai",
        "horizon": {"start": HORIZON_START, "end": HORIZON_END},
        "volunteers": default_volunteers(),
        "shifts": default_shifts(),
    }
    return _apply(doc, overrides)


def make_solution_doc(assignments: list[dict], **overrides: Any) -> dict:
    """A minimal solution document with the given assignments."""
    doc = {"format": "volunteer-schedule-solution/1", "status": "feasible",
           "assignments": assignments}
    return _apply(doc, overrides)
