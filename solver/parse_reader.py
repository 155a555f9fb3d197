"""Typed, fault-collecting access to JSON values, for the document parsers (`solver.parse`).

`Reader` checks one value at a time (an object's keys, an integer's range, a local time...)
and records every fault as ``"json.path: message"`` instead of raising, so that a document
is reported completely in one pass. `ProblemError` carries those lines; `load_json` reads a
file strictly (UTF-8, no NaN, no duplicate keys) and reports failures the same way.

Local wall-clock times become absolute minutes since local midnight of the horizon's first
day through `zoneinfo`, so that a DST change shortens or lengthens a shift as it should. An
ambiguous local time (the repeated hour in autumn) means its first occurrence; a local time
that does not exist (the skipped hour in spring) is a fault.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timezone
from typing import Callable, Iterable, Mapping, Optional, TypeVar
from zoneinfo import ZoneInfo

#: Upper bounds that keep every derived quantity far inside CP-SAT's 64-bit integers.
MAX_COUNT = 1_000_000  # headcounts, shift counts, day counts
MAX_MINUTES = 10_000_000  # about 19 years
MAX_WEIGHT = 1e9
MAX_PREFERENCE_WEIGHT = 1_000_000
MAX_HORIZON_DAYS = 366
MAX_SHIFT_MINUTES = 7 * 24 * 60

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


def key_path(path: str, key: object) -> str:
    """`path` extended by an object key (``a.b``, or ``a["odd key"]``)."""
    if isinstance(key, str) and _IDENTIFIER_RE.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(str(key), ensure_ascii=False)}]"


def index_path(path: str, index: int) -> str:
    """`path` extended by a list index."""
    return f"{path}[{index}]"


def quote(value: object) -> str:
    """A short JSON rendering of `value` for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # huge ints, odd objects, deep nesting
        text = f"<{type_name(value)}>"
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: object) -> str:
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


class Reader:
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
            self.error(path, f"must be an object, not {type_name(value)}")
            return None
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                self.error(key_path(path, key), "unknown key")
        for key in required:
            if key not in value:
                self.error(key_path(path, key), "is required")
        return value

    def items(self, value: object, path: str) -> list[tuple[str, object]]:
        """The elements of a list with their paths (reports a non-list)."""
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {type_name(value)}")
            return []
        return [(index_path(path, i), item) for i, item in enumerate(value)]

    def string(self, value: object, path: str, *, nonempty: bool = True) -> Optional[str]:
        """`value` if it is a string (non-empty unless told otherwise)."""
        if not isinstance(value, str):
            self.error(path, f"must be a string, not {type_name(value)}")
            return None
        if nonempty and not value.strip():
            self.error(path, "must not be empty")
            return None
        return value

    def text(self, value: object, path: str) -> Optional[str]:
        """`value` if it is a string, possibly empty (names and titles)."""
        return self.string(value, path, nonempty=False)

    def integer(self, value: object, path: str, lo: int, hi: int) -> Optional[int]:
        """`value` if it is an integer in ``lo..hi`` (booleans and floats are not)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"must be an integer, not {type_name(value)} {quote(value)}")
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
            self.error(path, f"must be a number, not {type_name(value)} {quote(value)}")
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

    def number_or_null(self, value: object, path: str) -> Optional[float]:
        """A finite number or null (None either way when absent, null or faulty)."""
        return None if value is None else self.number(value, path, -math.inf, math.inf)

    def boolean(self, value: object, path: str) -> Optional[bool]:
        """`value` if it is true or false."""
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, not {type_name(value)}")
            return None
        return value

    def strings(self, value: object, path: str) -> Optional[list[str]]:
        """A list of non-empty strings, or None (after reporting) when any is wrong."""
        if not isinstance(value, list):
            self.error(path, f"must be a list of strings, not {type_name(value)}")
            return None
        result = [self.string(item, item_path) for item_path, item in self.items(value, path)]
        return None if any(item is None for item in result) else result  # type: ignore[misc]

    def date(self, value: object, path: str) -> Optional[date]:
        """A ``YYYY-MM-DD`` date."""
        if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
            self.error(path, f"must be a date written YYYY-MM-DD, not {quote(value)}")
            return None
        try:
            return date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            self.error(path, f"{quote(value)} is not a valid date")
            return None

    def local_datetime(self, value: object, path: str) -> Optional[datetime]:
        """A ``YYYY-MM-DDTHH:MM`` local wall-clock time (naive)."""
        if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
            self.error(path, f"must be a local time written YYYY-MM-DDTHH:MM, not {quote(value)}")
            return None
        try:
            return datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]),
                            int(value[11:13]), int(value[14:16]))
        except ValueError:
            self.error(path, f"{quote(value)} is not a valid date and time")
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
        result = read(doc[key], key_path(path, key))
        return default if result is None else result


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
        raise ProblemError([f"{path}: duplicate key {quote(exc.args[0])} in an object"]) from None
    except json.JSONDecodeError as exc:
        raise ProblemError([f"{path}: not valid JSON: {exc.msg} "
                            f"(line {exc.lineno}, column {exc.colno})"]) from None
    except (ValueError, RecursionError) as exc:
        raise ProblemError([f"{path}: not valid JSON: {exc}"]) from None
