"""Volunteer rosters as spreadsheets: export to CSV or Excel, import with row-level errors.

Coordinators keep their volunteers in a spreadsheet today, so the columns are the ones such
a sheet has, with Chinese headers (`COLUMNS`); English headers are accepted too. Lists are
separated by 、 or commas and skills carry their level: ``书法(3)、急救``.

Import is all or nothing. `read_roster` refuses a hostile file as a whole (too big, not a
spreadsheet, a zip bomb, too many rows or columns) with `RosterFileError`; `import_roster`
then checks every row and raises `RosterImportError` with every fault (row number as the
spreadsheet shows it, column, what is wrong) before writing anything. A row whose mobile
number belongs to a volunteer of the community updates that volunteer; a column missing from
the file leaves that field alone, while an empty cell clears it. Like every service, it
flushes and the caller commits (or rolls back).

CSV exports are UTF-8 with a byte order mark, which Excel needs to show Chinese; imports
also accept GB18030 (what Excel on a Chinese Windows saves as "CSV"). Cells that a
spreadsheet would run as a formula are refused on import and neutralised on export.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Mapping, Optional, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scheduler.accounts import is_valid_mobile, normalise_mobile
from scheduler.admin import (
    MAX_SKILL_LEVEL,
    NAME_MAX_LENGTH,
    AdminError,
    VolunteerData,
    VolunteerLimits,
    create_volunteer,
    update_volunteer,
)
from scheduler.extensions import db
from scheduler.models import Community, Grid, Role, Skill, Team, User, VolunteerProfile, VolunteerSkill

log = logging.getLogger(__name__)

#: Refuse files larger than this many bytes.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Refuse sheets with more data rows or columns than this.
MAX_ROWS = 5000
MAX_COLUMNS = 40
#: Rows read in all, blank ones included.
MAX_SCANNED_ROWS = 4 * MAX_ROWS
MAX_CELL_CHARS = 1000
#: An .xlsx is a zip: refuse one that unpacks to more than this or has too many parts.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ZIP_ENTRIES = 500

ACTIVE, INACTIVE = "在册", "停用"
LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")
SKILL_ITEM = re.compile(r"^(?P<name>.+?)\s*(?:[(（]\s*(?P<paren>\d+)\s*[)）]|[:：]\s*(?P<colon>\d+))?$")


@dataclass(frozen=True)
class Column:
    """A roster column: its key, the Chinese header written on export, accepted aliases."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "name")),
    Column("mobile", "手机号", ("手机", "手机号码", "电话", "联系电话", "mobile", "phone")),
    Column("teams", "队伍", ("团队", "所属队伍", "teams", "team")),
    Column("skills", "技能(等级)", ("技能", "skills", "skill", "skills(level)")),
    Column("grids", "网格", ("所属网格", "grids", "grid")),
    Column("max_hours_per_week", "每周最多小时", ("每周最多时长", "max_hours_per_week")),
    Column("max_shifts_per_week", "每周最多班次", ("max_shifts_per_week",)),
    Column("max_shifts_per_day", "每天最多班次", ("每日最多班次", "max_shifts_per_day")),
    Column("min_rest_minutes", "两班最少间隔(分钟)", ("最少休息分钟", "min_rest_minutes")),
    Column("max_consecutive_days", "最多连续天数", ("max_consecutive_days",)),
    Column("status", "状态", ("status",)),
    Column("notes", "备注", ("notes", "note")),
)
REQUIRED = ("name", "mobile")
_INTEGER_LIMITS = ("max_shifts_per_week", "max_shifts_per_day", "min_rest_minutes", "max_consecutive_days")
#: Upper bounds that catch a value typed into the wrong column.
_LIMIT_CEILINGS = {
    "max_hours_per_week": 168,
    "max_shifts_per_week": 100,
    "max_shifts_per_day": 24,
    "min_rest_minutes": 7 * 24 * 60,
    "max_consecutive_days": 7,
}


class RosterFileError(ValueError):
    """The file as a whole is refused (too big, not a spreadsheet ...); `message` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class RowError:
    """A fault in one cell: `row` as the spreadsheet numbers it (header = 1), `column` header."""

    row: int
    column: str
    message: object


class RosterImportError(ValueError):
    """Rows were refused; nothing was imported. `errors` lists every fault."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(f"{len(errors)} faults in the roster")
        self.errors = list(errors)


@dataclass(frozen=True)
class RosterSheet:
    """A read spreadsheet: the columns found (key -> header as written) and data rows.

    Each row is ``(row_number, {key: text})``; completely empty rows are left out.
    """

    columns: Mapping[str, str]
    rows: Sequence[tuple[int, Mapping[str, str]]]
    formula_cells: Sequence[RowError] = ()


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    created: int
    updated: int

    @property
    def total(self) -> int:
        """Rows imported."""
        return self.created + self.updated


# --------------------------------------------------------------------------- export


def roster_rows(volunteers: Iterable[VolunteerProfile]) -> Iterator[list[object]]:
    """The header, then one row per volunteer, in `COLUMNS` order (cells as str or int)."""
    yield [column.header for column in COLUMNS]
    for profile in volunteers:
        user = profile.user
        minutes = profile.max_minutes_per_week
        values = {
            "name": user.display_name,
            "mobile": user.mobile,
            "teams": "、".join(team.name for team in profile.teams),
            "skills": "、".join(
                f"{held.skill.name}({held.level})"
                for held in sorted(profile.skills, key=lambda held: held.skill_id)
            ),
            "grids": "、".join(grid.name for grid in profile.grids),
            "max_hours_per_week": None if minutes is None else _hours_text(minutes),
            "status": ACTIVE if user.is_active else INACTIVE,
            "notes": profile.notes,
        }
        for key in _INTEGER_LIMITS:
            values[key] = getattr(profile, key)
        yield [values[column.key] for column in COLUMNS]


def export_csv(volunteers: Iterable[VolunteerProfile]) -> bytes:
    """The roster as CSV: UTF-8 with a byte order mark, CRLF lines, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in roster_rows(volunteers):
        writer.writerow(["" if value is None else _defuse(str(value)) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(volunteers: Iterable[VolunteerProfile]) -> bytes:
    """The roster as an Excel workbook: one sheet, mobile numbers stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "志愿者"
    mobile_column = 1 + next(i for i, column in enumerate(COLUMNS) if column.key == "mobile")
    for row in roster_rows(volunteers):
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            # openpyxl reads a string starting with "=" as a formula: store it as text.
            if cell.data_type == "f":
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=mobile_column, max_col=mobile_column):
        cell.number_format = "@"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(10, 2.2 * len(column.header) + 4)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _hours_text(minutes: int) -> str:
    hours = minutes / 60
    return str(int(hours)) if hours == int(hours) else f"{hours:.2f}".rstrip("0")


def _defuse(text: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would evaluate (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --------------------------------------------------------------------------- reading


def read_roster(data: bytes) -> RosterSheet:
    """Read an uploaded roster, CSV or .xlsx, told apart by content, not by file name.

    Raises `RosterFileError` for a file that is refused as a whole.
    """
    if not data.strip():
        raise RosterFileError(_l("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(
            _l("The file is too large (at most %(size)d MB).", size=MAX_FILE_BYTES // (1024 * 1024))
        )
    if data.startswith(b"PK\x03\x04"):
        return _sheet_from_cells(_xlsx_cells(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            _l("This is an old Excel (.xls) file. In Excel choose 'Save as' and pick .xlsx or CSV.")
        )
    return _sheet_from_cells(_csv_cells(data))


def _csv_cells(data: bytes) -> list[tuple[int, Sequence[object]]]:
    if b"\x00" in data or _looks_binary(data):
        raise RosterFileError(_l("This file is not a spreadsheet. Upload a CSV or .xlsx file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise RosterFileError(_l("The file's text encoding is not UTF-8 or GB18030."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    try:
        return _filled_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise RosterFileError(_l("The CSV file cannot be read: %(reason)s", reason=str(error))) from error


def _looks_binary(data: bytes) -> bool:
    """True for bytes with many control characters (a PDF, an image, a zip ...)."""
    sample = data[:4096]
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    return controls > len(sample) // 100 or sample.startswith(b"%PDF")


def _xlsx_cells(data: bytes) -> list[tuple[int, Sequence[object]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise RosterFileError(_l("This file is not a spreadsheet. Upload a CSV or .xlsx file.")) from error
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise RosterFileError(_l("This file is not an Excel workbook. Upload a CSV or .xlsx file."))
    if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise RosterFileError(_l("The workbook unpacks to too much data; upload only the volunteers' sheet."))
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it skips (data validation, styles ...): harmless.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            sheet = workbook.worksheets[0]
            # Bounded columns: a forged dimension (A1:XFD1048576) would pad every row to 16384.
            cells_by_row = sheet.iter_rows(max_col=MAX_COLUMNS + 1)
            rows = _filled_rows(
                [_FormulaCell() if cell.data_type == "f" else cell.value for cell in cells]
                for cells in cells_by_row
            )
            workbook.close()
    except RosterFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for damaged workbooks
        log.info("unreadable workbook: %r", error)
        raise RosterFileError(_l("The Excel file cannot be read; it may be damaged.")) from error
    return rows


class _FormulaCell:
    """Stands for a cell that holds a formula (refused: only values are imported)."""


def _filled_rows(rows: Iterable[Sequence[object]]) -> list[tuple[int, Sequence[object]]]:
    """``(row number, cells)`` of the rows that hold anything, numbered as the sheet shows.

    Refuses more than `MAX_ROWS` data rows, and more than `MAX_SCANNED_ROWS` rows in all
    (blank rows cost time too).
    """
    filled: list[tuple[int, Sequence[object]]] = []
    for number, cells in enumerate(rows, start=1):
        if number > MAX_SCANNED_ROWS or len(filled) > MAX_ROWS + 1:
            raise RosterFileError(_l("The file has too many rows (at most %(count)d).", count=MAX_ROWS))
        if any(_cell_text(value) or isinstance(value, _FormulaCell) for value in cells):
            filled.append((number, cells))
    return filled


def _sheet_from_cells(rows: list[tuple[int, Sequence[object]]]) -> RosterSheet:
    if not rows:
        raise RosterFileError(_l("The file is empty."))
    header = rows[0][1]
    if len(header) > MAX_COLUMNS and any(_cell_text(v) for v in header[MAX_COLUMNS:]):
        raise RosterFileError(_l("The sheet has too many columns (at most %(count)d).", count=MAX_COLUMNS))
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, value in enumerate(header[:MAX_COLUMNS]):
        title = _cell_text(value)
        column = _column_for(title)
        if column is None or column.key in positions:
            continue
        positions[column.key] = position
        headers[column.key] = title
    missing = [column.header for column in COLUMNS if column.key in REQUIRED and column.key not in positions]
    if missing:
        raise RosterFileError(
            _l(
                "The first row must name the columns; %(missing)s is missing. "
                "Export the roster to see the expected columns.",
                missing="、".join(missing),
            )
        )
    data_rows: list[tuple[int, dict[str, str]]] = []
    formulas: list[RowError] = []
    for index, row in rows[1:]:
        values: dict[str, str] = {}
        has_formula = False
        for key, position in positions.items():
            raw = row[position] if position < len(row) else None
            if isinstance(raw, _FormulaCell) or (isinstance(raw, str) and _is_formula(raw)):
                formulas.append(RowError(index, headers[key], _l("Contains a formula; paste values only.")))
                values[key] = ""
                has_formula = True
            else:
                values[key] = _unquote(_cell_text(raw))
                if len(values[key]) > MAX_CELL_CHARS:
                    raise RosterFileError(
                        _l("Row %(row)d has a cell longer than %(count)d characters.", row=index, count=MAX_CELL_CHARS)
                    )
        if any(values.values()) or has_formula:  # rows with text only in unknown columns are left out
            data_rows.append((index, values))
    if len(data_rows) > MAX_ROWS:
        raise RosterFileError(_l("The file has too many rows (at most %(count)d).", count=MAX_ROWS))
    return RosterSheet(columns=headers, rows=data_rows, formula_cells=formulas)


def _column_for(title: str) -> Optional[Column]:
    wanted = _header_key(title)
    for column in COLUMNS:
        if wanted in {_header_key(column.header), *(_header_key(alias) for alias in column.aliases)}:
            return column
    return None


def _header_key(title: str) -> str:
    return re.sub(r"\s+", "", title).replace("（", "(").replace("）", ")").lower()


def _cell_text(value: object) -> str:
    """A cell as text: numbers from Excel without a trailing ``.0`` (mobile numbers!)."""
    if value is None or isinstance(value, _FormulaCell):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value).strip()


def _is_formula(text: str) -> bool:
    """True for text a spreadsheet would run: ``=...``, ``@...``, or ``+``/``-`` then not a digit."""
    text = text.lstrip()
    if text[:1] in ("=", "@"):
        return True
    return text[:1] in ("+", "-") and len(text) > 1 and not (text[1].isdigit() or text[1] in " .")


def _unquote(text: str) -> str:
    """Undo `_defuse`: ``'=abc`` back to ``=abc``."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


# --------------------------------------------------------------------------- import


@dataclass
class _Lookup:
    """A community's teams, skills and grids by name and by code."""

    teams: dict[str, Team] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)

    @classmethod
    def of(cls, community: Community) -> _Lookup:
        lookup = cls()
        pairs = (
            (lookup.teams, community.teams),
            (lookup.skills, community.skills),
            (lookup.grids, community.grids),
        )
        for target, items in pairs:
            for item in items:
                target[item.code.lower()] = item
                target[item.name.strip().lower()] = item
        return lookup


def import_roster(community: Community, sheet: RosterSheet) -> ImportReport:
    """Create or update the volunteers of `sheet` in `community`, all or nothing.

    Raises `RosterImportError` listing every faulty cell; nothing is written then.
    """
    lookup = _Lookup.of(community)
    errors: list[RowError] = list(sheet.formula_cells)
    formula_cells = {(error.row, error.column) for error in sheet.formula_cells}
    mobiles = [normalise_mobile(values.get("mobile", "")) for _, values in sheet.rows]
    owners = _users_by_mobile([mobile for mobile in mobiles if is_valid_mobile(mobile)])
    first_row_of: dict[str, int] = {}
    planned: list[tuple[int, Optional[User], VolunteerData, Optional[bool]]] = []
    for (row, values), mobile in zip(sheet.rows, mobiles):
        row_errors: list[RowError] = []

        def fault(key: str, message) -> None:
            row_errors.append(RowError(row, sheet.columns[key], message))

        owner = owners.get(mobile)
        if mobile in first_row_of:
            fault("mobile", _l("The same mobile number is already on row %(row)d.", row=first_row_of[mobile]))
        elif is_valid_mobile(mobile):
            first_row_of[mobile] = row
        if owner is not None and (owner.community_id != community.id or owner.role != Role.VOLUNTEER):
            fault("mobile", _l("This mobile number belongs to another account."))
        data, active = _row_data(values, sheet.columns, mobile, owner, lookup, fault)
        # A formula cell reads as empty: report the formula, not also the empty value.
        errors.extend(error for error in row_errors if (error.row, error.column) not in formula_cells)
        if not row_errors:
            planned.append((row, owner, data, active))
    if errors:
        raise RosterImportError(sorted(errors, key=lambda error: (error.row, _column_order(error.column, sheet))))
    created = updated = 0
    for row, owner, data, active in planned:
        try:
            if owner is None:
                profile = create_volunteer(community, data, flush=False)
                created += 1
            else:
                profile = owner.profile
                update_volunteer(profile, data, flush=False)
                updated += 1
        except AdminError as error:  # checked above; kept as a safety net
            column = sheet.columns.get(error.field, sheet.columns["name"])
            raise RosterImportError([RowError(row, column, error.message)]) from error
        if active is not None:
            profile.user.is_active = active
    db.session.flush()
    log.info("roster import into %s: %d created, %d updated", community.slug, created, updated)
    return ImportReport(created=created, updated=updated)


def _column_order(header: str, sheet: RosterSheet) -> int:
    keys = list(sheet.columns.values())
    return keys.index(header) if header in keys else len(keys)


def _users_by_mobile(mobiles: Sequence[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(mobiles), 500):
        chunk = mobiles[start:start + 500]
        query = select(User).where(User.mobile.in_(chunk)).options(
            selectinload(User.profile).options(
                selectinload(VolunteerProfile.teams),
                selectinload(VolunteerProfile.grids),
                selectinload(VolunteerProfile.skills).joinedload(VolunteerSkill.skill),
            )
        )
        for user in db.session.scalars(query):
            found[user.mobile] = user
    return found


def _row_data(values, columns, mobile, owner, lookup, fault) -> tuple[VolunteerData, Optional[bool]]:
    """The `VolunteerData` of one row; faults are reported through `fault(key, message)`."""
    profile = owner.profile if owner is not None else None
    base = _current_data(profile) if profile is not None else VolunteerData(name="", mobile=mobile)
    changes: dict[str, object] = {"mobile": mobile}

    name = values.get("name", "")
    if not name:
        fault("name", _l("Enter the volunteer's name."))
    elif len(name) > NAME_MAX_LENGTH:
        fault("name", _l("Use at most %(count)d characters.", count=NAME_MAX_LENGTH))
    changes["name"] = name
    if not values.get("mobile"):
        fault("mobile", _l("Enter the mobile number."))
    elif re.fullmatch(r"\d(\.\d+)?[eE]\+\d+", values["mobile"]):
        fault("mobile", _l(
            "Excel shortened this number to %(value)s: format the column as text and type it again.",
            value=values["mobile"],
        ))
    elif not is_valid_mobile(mobile):
        fault("mobile", _l(
            "'%(value)s' is not an 11-digit mobile number starting with 1.", value=values["mobile"]
        ))

    for key, table in (("teams", lookup.teams), ("grids", lookup.grids)):
        if key in columns:
            found, unknown = _names(values[key], table)
            if unknown:
                fault(key, _unknown_message(key, unknown))
            changes[key] = found
    if "skills" in columns:
        changes["skills"] = _skills(values["skills"], lookup.skills, lambda message: fault("skills", message))
    limits = {name: getattr(base.limits, name) for name in VolunteerLimits.__dataclass_fields__}
    for key in ("max_hours_per_week", *_INTEGER_LIMITS):
        if key not in columns:
            continue
        number = _number(values[key], key, lambda message, key=key: fault(key, message))
        if key == "max_hours_per_week":
            limits["max_minutes_per_week"] = None if number is None else round(number * 60)
        else:
            limits[key] = None if number is None else int(number)
    changes["limits"] = VolunteerLimits(**limits)
    if "notes" in columns:
        changes["notes"] = values["notes"]
    active = None
    if "status" in columns and values["status"]:
        status = values["status"].strip().lower()
        if status in (ACTIVE, "active", "在职", "正常"):
            active = True
        elif status in (INACTIVE, "inactive", "注销"):
            active = False
        else:
            fault("status", _l("Write %(active)s or %(inactive)s.", active=ACTIVE, inactive=INACTIVE))
    return replace(base, **changes), active


def _current_data(profile: VolunteerProfile) -> VolunteerData:
    return VolunteerData(
        name=profile.user.display_name,
        mobile=profile.user.mobile,
        teams=list(profile.teams),
        skills={held.skill: held.level for held in profile.skills},
        grids=list(profile.grids),
        limits=VolunteerLimits.of(profile),
        notes=profile.notes,
    )


def _split(cell: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(cell) if part.strip()]


def _names(cell: str, table: Mapping[str, object]) -> tuple[list, list[str]]:
    found, unknown = [], []
    for part in _split(cell):
        item = table.get(part.lower())
        if item is None:
            unknown.append(part)
        elif item not in found:
            found.append(item)
    return found, unknown


def _unknown_message(key: str, unknown: list[str]):
    names = "、".join(unknown)
    if key == "teams":
        return _l("Unknown team: %(names)s. Add it under Teams first, or correct the name.", names=names)
    return _l("Unknown grid: %(names)s. Add it under Grids first, or correct the name.", names=names)


def _skills(cell: str, table: Mapping[str, Skill], fault) -> dict[Skill, int]:
    levels: dict[Skill, int] = {}
    unknown: list[str] = []
    for part in _split(cell):
        match = SKILL_ITEM.match(part)
        name = match.group("name").strip() if match else part
        level_text = (match.group("paren") or match.group("colon")) if match else None
        skill = table.get(name.lower())
        if skill is None:
            unknown.append(name)
            continue
        level = int(level_text) if level_text else 1
        if not 1 <= level <= MAX_SKILL_LEVEL:
            fault(_l("Level of %(skill)s must be 1 to %(top)d.", skill=name, top=MAX_SKILL_LEVEL))
            continue
        levels[skill] = level
    if unknown:
        fault(
            _l(
                "Unknown skill: %(names)s. Add it under Skills first, or correct the name (write levels as 书法(2)).",
                names="、".join(unknown),
            )
        )
    return levels


def _number(text: str, key: str, fault) -> Optional[float]:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text) if key == "max_hours_per_week" else int(text)
    except ValueError:
        fault(_l("'%(value)s' is not a number.", value=text))
        return None
    if not math.isfinite(number) or number < 0 or number > _LIMIT_CEILINGS[key]:
        fault(_l("Enter a number from 0 to %(top)d, or leave it empty.", top=_LIMIT_CEILINGS[key]))
        return None
    return number
