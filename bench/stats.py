"""Generic benchmark helpers: timing, medians, peak memory of a child process, text tables.

Nothing here knows about schedules, so every benchmark (community weeks, Curtois
instances) can share it:

- `run_measured(fn, *args, timeout=..., **kwargs)` runs ``fn`` in a fresh (spawned) Python
  process and returns its value with the wall-clock seconds, CPU seconds and the *child's
  own* peak resident memory, so the figure is the solve's and not the benchmark driver's;
- `median`, `median_or_none` for summarising repeats; `machine_note` (cores, load) to print
  beside timings taken on a shared machine;
- `Column` and `format_table` for aligned plain-text tables, with `fmt_*` cell formatters.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import sys
import time
import traceback
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

# -- timing and memory -------------------------------------------------------------------------


class Stopwatch:
    """Seconds since creation (monotonic clock)."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds elapsed so far."""
        return time.perf_counter() - self._start


def peak_rss_bytes() -> int:
    """Peak resident set size of the calling process so far, in bytes.

    On Linux this is ``VmHWM`` of ``/proc/self/status``, the high-water mark of the current
    address space: ``getrusage``'s ``ru_maxrss`` survives ``exec`` and so would charge a
    spawned child with the RSS of the parent that forked it.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # reported in kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def cpu_seconds() -> float:
    """User plus system CPU seconds of the calling process (all its threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_note() -> str:
    """Cores and load averages, printed beside timings on a shared machine."""
    try:
        one, five, fifteen = os.getloadavg()
        load = f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min)"
    except OSError:
        load = "load average unknown"
    return f"{os.cpu_count()} cores, {load}"


@dataclass(frozen=True)
class Measured:
    """What `run_measured` returns: the function's value, wall seconds and peak RSS (bytes)."""

    value: Any
    seconds: float
    peak_rss: int
    cpu_seconds: float = 0.0  # user + system time of the child: what it got of the machine


class ChildError(RuntimeError):
    """The measured function raised in the child process (the message has its traceback)."""


def _child(connection: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        watch = Stopwatch()
        value = fn(*args, **kwargs)
        connection.send(("ok", value, watch.seconds, peak_rss_bytes(), cpu_seconds()))
    except BaseException:  # report everything, the parent decides  # noqa: BLE001
        connection.send(("error", traceback.format_exc(), 0.0, peak_rss_bytes(), cpu_seconds()))
    finally:
        connection.close()


def run_measured(fn: Callable[..., Any], *args: Any, timeout: Optional[float] = None,
                 **kwargs: Any) -> Measured:
    """Run ``fn(*args, **kwargs)`` in a new spawned process; its value, seconds and peak RSS.

    `fn`, its arguments and its value must be picklable (`fn` a module-level function).
    Raises `ChildError` if it raised, `TimeoutError` (after killing the child) if it did not
    answer within `timeout` seconds, `ChildError` if the child died without answering.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, fn, args, kwargs), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            process.kill()
            raise TimeoutError(f"{getattr(fn, '__name__', fn)} gave no answer within {timeout} s")
        try:
            kind, value, seconds, peak, cpu = receiver.recv()
        except EOFError as exc:
            raise ChildError(f"child process died (exit code {process.exitcode})") from exc
    finally:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        receiver.close()
    if kind == "error":
        raise ChildError(value)
    return Measured(value, seconds, peak, cpu)


# -- summaries ---------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    """The median of `values` (the mean of the middle two for an even count)."""
    return statistics.median(list(values))


def median_or_none(values: Iterable[Optional[float]]) -> Optional[float]:
    """The median of the values that are not ``None``; ``None`` if there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def relative_gap(objective: Optional[float], bound: Optional[float]) -> Optional[float]:
    """``(objective - bound) / max(|objective|, 1)``: 0 when proven optimal; None if unknown."""
    if objective is None or bound is None:
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1.0)


# -- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: header, how to turn a cell value into text, and alignment."""

    header: str
    fmt: Callable[[Any], str] = str
    align: str = ">"  # ">" right (numbers), "<" left (names)


def format_table(columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                 separators: Iterable[int] = ()) -> str:
    """Rows as an aligned plain-text table with a header rule.

    Each row holds one raw value per column; ``None`` prints as ``-``. `separators` are row
    indexes before which a rule is drawn (e.g. before each median row).
    """
    texts = [[("-" if value is None else col.fmt(value)) for col, value in zip(columns, row)]
             for row in rows]
    widths = [max([_width(col.header)] + [_width(r[i]) for r in texts]) for i, col in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(cell, width, col.align)
                         for cell, width, col in zip(cells, widths, columns)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    before = set(separators)
    out = [line([c.header for c in columns]), rule]
    for index, cells in enumerate(texts):
        if index in before and index:
            out.append(rule)
        out.append(line(cells))
    return "\n".join(out)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    fill = " " * (width - _width(text))
    return text + fill if align == "<" else fill + text


def fmt_float(digits: int = 1) -> Callable[[Any], str]:
    """A formatter with `digits` decimals and thousands separators."""
    return lambda value: f"{value:,.{digits}f}"


def fmt_percent(digits: int = 2) -> Callable[[Any], str]:
    """A formatter of a fraction as a percentage."""
    return lambda value: f"{100 * value:.{digits}f}%"


def fmt_megabytes(value: Any) -> str:
    """Bytes as whole MiB."""
    return f"{value / 2**20:,.0f}"


def fmt_int(value: Any) -> str:
    """A number rounded to an integer, with thousands separators (medians may be x.5)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
