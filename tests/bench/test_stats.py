"""The generic benchmark helpers: child measurement, medians, gaps, tables."""

from __future__ import annotations

import pytest

from bench.stats import (ChildError, Column, fmt_float, fmt_int, fmt_megabytes, format_table, machine_note,
                         median, median_or_none, relative_gap, run_measured)
from tests.bench import helpers


def test_run_measured_returns_the_value_and_the_childs_own_peak_memory() -> None:
    small = run_measured(helpers.allocate_and_sum, 1, timeout=60)
    large = run_measured(helpers.allocate_and_sum, 200, timeout=60)
    assert small.value == 2**20 // 4096 and large.value == 200 * 2**20 // 4096
    assert large.peak_rss - small.peak_rss >= 150 * 2**20
    assert large.seconds > 0


def test_run_measured_reports_a_childs_exception_and_kills_a_hang() -> None:
    with pytest.raises(ChildError, match="boom in child"):
        run_measured(helpers.fail, timeout=60)
    with pytest.raises(TimeoutError):
        run_measured(helpers.sleep, 30, timeout=1)


def test_medians_and_gap() -> None:
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5
    assert median_or_none([None, 4, None, 2]) == 3 and median_or_none([None]) is None
    assert relative_gap(110.0, 100.0) == pytest.approx(10 / 110)
    assert relative_gap(0.5, 0.0) == pytest.approx(0.5)  # small objectives: absolute gap
    assert relative_gap(100.0, None) is None and relative_gap(100.0, 100.0) == 0


def test_format_table_aligns_numbers_right_text_left_and_cjk_as_double_width() -> None:
    columns = (Column("name", align="<"), Column("n", fmt_int), Column("x", fmt_float(2)),
               Column("mem", fmt_megabytes))
    text = format_table(columns, [["滨江", 3, 1.5, 2**30], ["b", 12.5, None, 0]], separators=[1])
    lines = text.splitlines()
    assert lines[0].split() == ["name", "n", "x", "mem"]
    assert lines[2] == "滨江     3  1.50  1,024"
    assert lines[3].startswith("----")  # the separator before row 1
    assert lines[4] == "b     12.5     -      0"


def test_cpu_seconds_of_a_busy_child_are_counted() -> None:
    busy = run_measured(helpers.spin, 0.5, timeout=120)
    assert busy.cpu_seconds >= 0.5  # it spun until it had used half a second of CPU
    assert "cores" in machine_note()
