"""Run the engine over Curtois and Qu instances and print the comparison table.

    python -m bench.curtois_run [--instances 1-24] [--time-limit 60] [--workers 2]
                                [--seed 0] [--repeats 1] [--data DIR] [--rosters DIR]
                                [--json OUT.json]

Each solve runs in its own process (`bench.stats.run_measured`), so the peak memory is the
solve's own. Columns: instance size, our objective (the benchmark's, computed from the roster
independently of the engine) and bound, the best known value and our gap to it, the
10-minute results published for Gurobi and the IP/VNS hybrid, seconds (mapping, building the
model and solving; not the process start), seconds to the first solution, peak memory and
the hard-rule violations found by the benchmark's rules plus our checker (plus objective
mismatches, which should never happen). With `--repeats N` each instance is solved N times
with seeds seed..seed+N-1 and the columns show medians (violations: the total).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

from bench.curtois_format import default_data_dir, load_instance
from bench.stats import ChildError, Column, fmt_float, fmt_int, fmt_megabytes, format_table
from bench.stats import median, median_or_none, run_measured

@dataclass(frozen=True)
class Reference:
    """What the literature knows about an instance."""

    best_lb: Optional[int] = None
    best_ub: Optional[int] = None
    gurobi_10: Optional[int] = None
    ip_vns_10: Optional[int] = None


@dataclass
class Row:
    """One line of the table (medians over the repeats)."""

    number: int
    staff: Optional[int] = None
    days: Optional[int] = None
    types: Optional[int] = None
    objective: Optional[float] = None
    bound: Optional[float] = None
    best: Optional[int] = None
    gap: Optional[float] = None
    gurobi_10: Optional[int] = None
    ip_vns_10: Optional[int] = None
    seconds: Optional[float] = None
    first_seconds: Optional[float] = None
    peak_rss: Optional[float] = None
    violations: int = 0
    status: str = "-"
    error: str = ""


def parse_numbers(text: str) -> list[int]:
    """Instance numbers from a list like ``1-12,15,20-24``."""
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an instance list: {text!r}") from None
        if low < 1 or high < low:
            raise argparse.ArgumentTypeError(f"bad instance range {part!r}")
        numbers.extend(range(low, high + 1))
    return numbers


def _int_or_none(text: str) -> Optional[int]:
    return int(text) if text.strip() else None


def load_references(data: Path) -> dict[int, Reference]:
    """Best known bounds and the published 10-minute results, by instance number."""
    found: dict[int, dict] = {}
    with open(data / "best_known.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            number = int(row["instance"].removeprefix("Instance"))
            found.setdefault(number, {}).update(best_lb=_int_or_none(row["lb"]),
                                                best_ub=_int_or_none(row["ub"]))
    with open(data / "published_results.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["runtime_minutes"].strip() == "10":
                found.setdefault(int(row["instance"]), {}).update(
                    gurobi_10=_int_or_none(row["gurobi"]),
                    ip_vns_10=_int_or_none(row["ip_vns_hybrid"]))
    return {n: Reference(**values) for n, values in found.items()}


def solve_file(path: str, time_limit: float, workers: int, seed: int) -> dict:
    """Solve one instance file (runs in the measured child process); the result as a dict."""
    from bench.curtois import solve_instance  # imported in the child only

    return asdict(solve_instance(load_instance(path), time_limit=time_limit, workers=workers,
                                 seed=seed))


def run_instance(number: int, reference: Reference,
                 args: argparse.Namespace) -> tuple[Row, list[dict]]:
    """Solve instance `number` `args.repeats` times; its table row and the raw results."""
    path = Path(args.data) / f"Instance{number}.txt"
    instance = load_instance(path)
    row = Row(number, staff=len(instance.staff), days=instance.days,
              types=len(instance.shift_types), best=reference.best_ub,
              gurobi_10=reference.gurobi_10, ip_vns_10=reference.ip_vns_10)
    results: list[dict] = []
    seconds: list[float] = []
    peaks: list[float] = []
    for repeat in range(args.repeats):
        try:
            measured = run_measured(solve_file, str(path), args.time_limit, args.workers,
                                    args.seed + repeat, timeout=2 * args.time_limit + 300)
        except (ChildError, TimeoutError) as error:
            row.error = str(error).strip().splitlines()[-1]
            row.status = "error"
            return row, results
        result = measured.value
        results.append(result)
        seconds.append(result["seconds"])
        peaks.append(measured.peak_rss)
        row.violations += (len(result["violations"]) + len(result["checker_violations"])
                           + len(result["mismatches"]))
        if args.rosters and result["roster"]:
            Path(args.rosters).mkdir(parents=True, exist_ok=True)
            lines = "".join(f"{e},{d},{s}\n" for e, d, s in result["roster"])
            name = f"Instance{number}.seed{args.seed + repeat}.txt"
            (Path(args.rosters) / name).write_text(lines)
    row.status = "/".join(sorted({r["status"] for r in results}))
    row.objective = median_or_none(r["objective"] for r in results)
    row.bound = median_or_none(r["bound"] for r in results)
    row.seconds = median(seconds)
    row.first_seconds = median_or_none(r["first_solution_seconds"] for r in results)
    row.peak_rss = median(peaks)
    if row.objective is not None and row.best:
        row.gap = 100.0 * (row.objective - row.best) / row.best
    row.error = _implausible(row, reference, results)
    return row, results


def _implausible(row: Row, reference: Reference, results: list[dict]) -> str:
    """A roster better than the proven lower bound, or a bound above the best known roster,
    means that our rules or our bound disagree with the benchmark's: say so."""
    notes = []
    objectives = [r["objective"] for r in results if r["objective"] is not None]
    bounds = [r["bound"] for r in results if r["bound"] is not None]
    if reference.best_lb is not None and objectives and min(objectives) < reference.best_lb:
        notes.append(f"objective {min(objectives)} below the proven lower bound "
                     f"{reference.best_lb}")
    if reference.best_ub is not None and bounds and max(bounds) > reference.best_ub + 1e-6:
        notes.append(f"bound {max(bounds):g} above the best known roster {reference.best_ub}")
    return "; ".join(notes)


COLUMNS = (
    Column("instance", lambda n: f"{n}", "<"),
    Column("staff"), Column("days"), Column("types"),
    Column("objective", fmt_int), Column("bound", fmt_int), Column("best known", fmt_int),
    Column("gap %", fmt_float(2)),
    Column("gurobi 10'", fmt_int), Column("ip/vns 10'", fmt_int),
    Column("seconds", fmt_float(1)), Column("1st sol s", fmt_float(1)),
    Column("peak MiB", fmt_megabytes), Column("violations"), Column("status", str, "<"),
)


def _cells(row: Row) -> list:
    return [row.number, row.staff, row.days, row.types, row.objective, row.bound, row.best,
            row.gap, row.gurobi_10, row.ip_vns_10, row.seconds, row.first_seconds,
            row.peak_rss, row.violations, row.status]


def _median_cells(rows: Sequence[Row]) -> list:
    return ["median", None, None, None, None, None, None,
            median_or_none(r.gap for r in rows), None, None,
            median_or_none(r.seconds for r in rows), median_or_none(r.first_seconds for r in rows),
            median_or_none(r.peak_rss for r in rows), sum(r.violations for r in rows), ""]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.curtois_run",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=parse_numbers, default=parse_numbers("1-24"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--data", default=str(default_data_dir()),
                        help="directory of the instances (default: %(default)s)")
    parser.add_argument("--rosters", help="write each roster into this directory")
    parser.add_argument("--json", help="write every raw result here")
    args = parser.parse_args(argv)
    references = load_references(Path(args.data))
    rows: list[Row] = []
    raw: dict[int, list[dict]] = {}
    for number in args.instances:
        row, raw[number] = run_instance(number, references.get(number, Reference()), args)
        rows.append(row)
        # Everything the table will say, so that a run stopped early still tells validity.
        print(f"Instance{number}: {row.status} objective {row.objective} bound {row.bound} "
              f"{row.seconds or 0:.1f} s, {row.violations} violations {row.error}",
              file=sys.stderr, flush=True)
    print(f"Curtois and Qu instances, {args.time_limit:g} s per solve, {args.workers} workers, "
          f"{args.repeats} repeat(s) from seed {args.seed}")
    print(format_table(COLUMNS, [_cells(r) for r in rows] + [_median_cells(rows)],
                       separators=[len(rows)]))
    for row in rows:
        if row.error:
            print(f"Instance{row.number}: {row.error}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [asdict(r) for r in rows], "raw": raw}))
    return 0 if all(r.error == "" and r.violations == 0 and r.objective is not None
                    for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
