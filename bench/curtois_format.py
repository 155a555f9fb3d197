"""Curtois and Qu staff scheduling instances: reading them and mapping them onto our format.

The instance format and the mapping are described in
`shared/benchmarks/curtois/README.md`. `parse_instance` reads the text (CRLF line endings,
`#` comments, `SECTION_<NAME>` blocks ended by a blank line) into an `Instance`;
`to_document` turns it into a `volunteer-schedule/1` problem document: one activity per
shift type, one shift per (day, type) with a single role, the staff rules as volunteer
limits and the requests as `prefers` on the shift.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Mapping

#: A Monday, so that day 0 of every instance is a Monday as the benchmark requires.
HORIZON_START = date(2024, 1, 1)
#: Every shift type starts at this local time on its day (with its own length). One shift per
#: day makes same-day overlaps irrelevant, and a shift of at most a day ends before the next
#: day's shifts start, so the spec's overlap rule adds nothing to the benchmark's rules.
SHIFT_START = time(8, 0)
MAX_SHIFT_MINUTES = 24 * 60
TIMEZONE = "UTC"
ROLE = "staff"

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


class InstanceError(ValueError):
    """An instance file that does not follow the benchmark's format (names the line)."""


@dataclass(frozen=True)
class ShiftType:
    """A shift type: its length and the types that may not be worked the next day."""

    id: str
    minutes: int
    cannot_follow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Staff:
    """One employee's hard limits, as in `SECTION_STAFF`."""

    id: str
    max_shifts: Mapping[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A shift-on or shift-off request: `employee` wants (or not) `shift` on `day`."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """The wanted headcount of one shift type on one day and the costs of missing it."""

    requirement: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class Instance:
    """A whole benchmark instance."""

    name: str
    days: int
    shift_types: Mapping[str, ShiftType]
    staff: tuple[Staff, ...]
    days_off: Mapping[str, frozenset[int]] = field(default_factory=dict)
    on_requests: tuple[Request, ...] = ()
    off_requests: tuple[Request, ...] = ()
    #: (day, shift type) -> cover; (day, type) pairs without a row want nobody and cost nothing.
    cover: Mapping[tuple[int, str], Cover] = field(default_factory=dict)

    @property
    def shift_on_total(self) -> int:
        """Sum of all shift-on weights: the offset between our objective and the benchmark's."""
        return sum(r.weight for r in self.on_requests)

    def cover_of(self, day: int, shift: str) -> Cover:
        """The cover row of (`day`, `shift`), or an empty one."""
        return self.cover.get((day, shift), Cover(0, 0, 0))


Row = tuple[int, list[str]]


def _sections(text: str) -> dict[str, list[Row]]:
    """Split the text into sections of (line number, fields) rows."""
    sections: dict[str, list[Row]] = {}
    current: list[Row] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            current = None
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise InstanceError(f"line {number}: unknown section {line}")
            if line in sections:
                raise InstanceError(f"line {number}: section {line} appears twice")
            current = sections[line] = []
            continue
        if current is None:
            raise InstanceError(f"line {number}: data outside a section: {line!r}")
        current.append((number, [f.strip() for f in line.split(",")]))
    return sections


def _int(value: str, number: int, what: str, minimum: int = 0) -> int:
    try:
        result = int(value)
    except ValueError:
        raise InstanceError(f"line {number}: {what} must be an integer, not {value!r}") from None
    if result < minimum:
        raise InstanceError(f"line {number}: {what} must be >= {minimum}, not {result}")
    return result


def _fields(row: Row, count: int, section: str) -> list[str]:
    number, fields = row
    if len(fields) != count:
        raise InstanceError(f"line {number}: {section} row needs {count} fields, "
                            f"has {len(fields)}")
    return fields


def _parse_shift_types(rows: list[Row]) -> dict[str, ShiftType]:
    types: dict[str, ShiftType] = {}
    for row in rows:
        number = row[0]
        sid, length, cannot = _fields(row, 3, "SECTION_SHIFTS")
        if sid in types:
            raise InstanceError(f"line {number}: shift type {sid} defined twice")
        minutes = _int(length, number, f"length of {sid}", minimum=1)
        if minutes > MAX_SHIFT_MINUTES:
            raise InstanceError(f"line {number}: shift type {sid} lasts over a day")
        types[sid] = ShiftType(sid, minutes, tuple(s for s in cannot.split("|") if s))
    for st in types.values():
        for other in st.cannot_follow:
            if other not in types:
                raise InstanceError(f"shift type {st.id}: unknown successor {other}")
    return types


def _parse_staff(rows: list[Row], types: Mapping[str, ShiftType]) -> tuple[Staff, ...]:
    staff: list[Staff] = []
    seen: set[str] = set()
    for row in rows:
        number = row[0]
        eid, max_shifts, *numbers = _fields(row, 8, "SECTION_STAFF")
        if eid in seen:
            raise InstanceError(f"line {number}: employee {eid} defined twice")
        seen.add(eid)
        per_type: dict[str, int] = {}
        for item in filter(None, max_shifts.split("|")):
            sid, sep, count = item.partition("=")
            if not sep or sid not in types:
                raise InstanceError(f"line {number}: bad MaxShifts entry {item!r}")
            per_type[sid] = _int(count, number, f"MaxShifts of {sid}")
        values = [_int(v, number, f"staff field {i + 3}") for i, v in enumerate(numbers)]
        staff.append(Staff(eid, per_type, *values))
    return tuple(staff)


def _parse_requests(rows: list[Row], section: str, employees: set[str],
                    types: Mapping[str, ShiftType], days: int) -> tuple[Request, ...]:
    requests = []
    for row in rows:
        number = row[0]
        eid, day, sid, weight = _fields(row, 4, section)
        _check_names(number, eid, sid, employees, types)
        requests.append(Request(eid, _day(day, number, days), sid, _int(weight, number, "weight")))
    return tuple(requests)


def _day(value: str, number: int, days: int) -> int:
    day = _int(value, number, "day")
    if day >= days:
        raise InstanceError(f"line {number}: day {day} is outside the horizon of {days} days")
    return day


def _check_names(number: int, eid: str | None, sid: str | None, employees: set[str],
                 types: Mapping[str, ShiftType]) -> None:
    if eid is not None and eid not in employees:
        raise InstanceError(f"line {number}: unknown employee {eid}")
    if sid is not None and sid not in types:
        raise InstanceError(f"line {number}: unknown shift type {sid}")


def parse_instance(text: str, name: str = "") -> Instance:
    """Read an instance from its text; raise `InstanceError` naming the faulty line."""
    sections = _sections(text)
    for required in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF"):
        if required not in sections:
            raise InstanceError(f"missing {required}")
    horizon = sections["SECTION_HORIZON"]
    if len(horizon) != 1 or len(horizon[0][1]) != 1:
        raise InstanceError("SECTION_HORIZON must hold one integer")
    days = _int(horizon[0][1][0], horizon[0][0], "horizon", minimum=1)
    types = _parse_shift_types(sections["SECTION_SHIFTS"])
    staff = _parse_staff(sections["SECTION_STAFF"], types)
    employees = {s.id for s in staff}

    days_off: dict[str, frozenset[int]] = {}
    for number, fields in sections.get("SECTION_DAYS_OFF", []):
        eid, *listed = fields
        _check_names(number, eid, None, employees, types)
        days_off[eid] = days_off.get(eid, frozenset()) | {
            _day(d, number, days) for d in listed if d}

    cover: dict[tuple[int, str], Cover] = {}
    for row in sections.get("SECTION_COVER", []):
        number = row[0]
        day, sid, req, under, over = _fields(row, 5, "SECTION_COVER")
        _check_names(number, None, sid, employees, types)
        key = (_day(day, number, days), sid)
        if key in cover:
            raise InstanceError(f"line {number}: second cover row for day {key[0]} shift {sid}")
        cover[key] = Cover(_int(req, number, "requirement"), _int(under, number, "under weight"),
                           _int(over, number, "over weight"))

    return Instance(
        name=name, days=days, shift_types=types, staff=staff, days_off=days_off,
        on_requests=_parse_requests(sections.get("SECTION_SHIFT_ON_REQUESTS", []),
                                    "SECTION_SHIFT_ON_REQUESTS", employees, types, days),
        off_requests=_parse_requests(sections.get("SECTION_SHIFT_OFF_REQUESTS", []),
                                     "SECTION_SHIFT_OFF_REQUESTS", employees, types, days),
        cover=cover,
    )


def default_data_dir() -> Path:
    """Where the instances are: ``$CURTOIS_DATA``, else ``shared/benchmarks/curtois`` beside
    the repository (``../shared`` from its root), else the team's shared copy under /work."""
    if os.environ.get("CURTOIS_DATA"):
        return Path(os.environ["CURTOIS_DATA"])
    beside = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "curtois"
    return beside if beside.is_dir() else Path("/work/shared/benchmarks/curtois")


def load_instance(path: str | Path) -> Instance:
    """Read an instance file (its name, without `.txt`, becomes the instance's name)."""
    path = Path(path)
    return parse_instance(path.read_text(encoding="utf-8"), name=path.stem)


def shift_id(day: int, shift_type: str) -> str:
    """The document's id of the shift of `shift_type` on `day`."""
    return f"d{day:03d}-{shift_type}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _limits(staff: Staff) -> dict:
    return {
        "max_shifts_per_day": 1,
        "max_shifts_per_activity": dict(staff.max_shifts),
        "max_minutes": staff.max_minutes,
        "min_minutes": staff.min_minutes,
        "min_minutes_strict": True,
        "max_consecutive_days": staff.max_consecutive,
        "min_consecutive_days": staff.min_consecutive,
        "min_consecutive_days_off": staff.min_days_off,
        "max_weekends": staff.max_weekends,
    }


def _volunteer(instance: Instance, staff: Staff) -> dict:
    prefers = [{"shift": shift_id(r.day, r.shift), "weight": r.weight}
               for r in instance.on_requests if r.employee == staff.id]
    prefers += [{"shift": shift_id(r.day, r.shift), "weight": -r.weight}
                for r in instance.off_requests if r.employee == staff.id]
    return {
        "id": staff.id,
        "days_off": [(HORIZON_START + timedelta(days=d)).isoformat()
                     for d in sorted(instance.days_off.get(staff.id, ()))],
        "limits": _limits(staff),
        "prefers": prefers,
    }


def _shift(instance: Instance, day: int, st: ShiftType) -> dict:
    start = datetime.combine(HORIZON_START + timedelta(days=day), SHIFT_START)
    cover = instance.cover_of(day, st.id)
    return {
        "id": shift_id(day, st.id),
        "activity": st.id,
        "start": _stamp(start),
        "end": _stamp(start + timedelta(minutes=st.minutes)),
        "roles": [{
            "role": ROLE,
            "need": cover.requirement,
            "max": max(cover.requirement, len(instance.staff)),
            "under_weight": cover.under_weight,
            "over_weight": cover.over_weight,
        }],
    }


def to_document(instance: Instance) -> dict:
    """The `volunteer-schedule/1` problem document of `instance` (README's mapping)."""
    successions = [{"from": st.id, "to": other}
                   for st in instance.shift_types.values() for other in st.cannot_follow]
    return {
        "format": "volunteer-schedule/1",
        "name": f"Curtois and Qu {instance.name}".strip(),
        "timezone": TIMEZONE,
        "horizon": {"start": HORIZON_START.isoformat(),
                    "end": (HORIZON_START + timedelta(days=instance.days - 1)).isoformat()},
        "volunteers": [_volunteer(instance, s) for s in instance.staff],
        "shifts": [_shift(instance, day, st)
                   for day in range(instance.days) for st in instance.shift_types.values()],
        "rules": {"forbidden_successions": successions},
        "weights": {"preference": 1, "fairness": 0},
    }
