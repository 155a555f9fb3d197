"""The main benchmark: the engine on generated community weeks, beside the greedy baseline.

    python -m bench.run [--scales S,M,L] [--repeat N] [--time-limit S=10,M=60,L=120]
                        [--workers 2] [--no-min-unfilled] [--engine-stats]

For each scale and seed (1..N) it generates a week, fills it with the greedy baseline, solves
it with `solver.engine.solve` in a child process (peak memory is the solve's own), re-checks
the engine's roster with the independent checker, and, unless ``--no-min-unfilled``, solves
an unfilled-only variant of the week to get the proven minimum of unfilled places. It prints
one row per run and a median row per scale, with the machine's load (the cores are shared:
compare ``cpu s`` with workers x seconds to see how much of the machine a solve really got).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Optional, Sequence

from solver.parse import parse_problem

from bench.baseline import run_baseline
from bench.eligibility import eligible_triples
from bench.generate import SCALES, generate
from bench.solving import solve_measured, unfilled_only, verify
from bench.stats import (Column, fmt_float, fmt_int, fmt_megabytes, fmt_percent, format_table,
                         machine_note, median_or_none, relative_gap)

#: Default engine time limit per scale, in seconds (the issue's targets).
TIME_LIMITS = {"T": 5.0, "S": 10.0, "M": 60.0, "L": 120.0}


@dataclass(frozen=True)
class Row:
    """One benchmark run (or a median of several) as table cells."""

    instance: str
    volunteers: float
    shifts: float
    eligible: float  # (volunteer, shift, role) triples surviving the per-assignment rules
    variables: Optional[float]  # the engine's own count, if it reports one
    first_seconds: Optional[float]
    objective: Optional[float]
    bound: Optional[float]
    gap: Optional[float]
    unfilled: Optional[float]  # as the checker counts it on the engine's roster
    min_unfilled: Optional[str]  # proven minimum (or "lb..ub" when not proven)
    status: str
    seconds: Optional[float]
    cpu_seconds: Optional[float]
    peak_rss: Optional[float]
    violations: Optional[float]  # checker violations of the engine roster (must be 0)
    objective_ok: str  # engine objective == checker objective
    greedy_unfilled: float
    greedy_objective: float
    engine_stats: tuple[tuple[str, object], ...] = ()  # printed with --engine-stats, not a column


COLUMNS = (
    Column("instance", align="<"), Column("vols", fmt_int), Column("shifts", fmt_int),
    Column("eligible", fmt_int), Column("vars", fmt_int), Column("first s", fmt_float(1)),
    Column("objective", fmt_float(1)), Column("bound", fmt_float(1)), Column("gap", fmt_percent(2)),
    Column("unfilled", fmt_int), Column("min unf", align=">"), Column("status", align="<"),
    Column("seconds", fmt_float(1)), Column("cpu s", fmt_float(1)),
    Column("peak MiB", fmt_megabytes), Column("viol", fmt_int), Column("obj=chk", align="<"), Column("greedy unf", fmt_int), Column("greedy obj", fmt_float(1)),
)


def minimum_unfilled(doc: dict, time_limit: float, workers: int) -> str:
    """The fewest unfilled places the hard rules allow, as text: ``"7"`` when proven,
    ``"5..7"`` (bound..best) when not, ``"?"`` when the variant found nothing."""
    outcome = solve_measured(unfilled_only(doc), time_limit=time_limit, workers=workers)
    if outcome.objective is None:
        return "?"
    best = round(outcome.objective)
    if outcome.status == "optimal":
        return str(best)
    low = -1 if outcome.bound is None else round(outcome.bound + 0.4999)  # ceil of the bound
    return f"{max(low, 0)}..{best}"


def benchmark(scale: str, seed: int, *, time_limit: float, workers: int,
              with_min_unfilled: bool) -> Row:
    """Generate, fill greedily, solve, verify: one row of the table."""
    doc = generate(scale, seed)
    problem = parse_problem(doc)
    greedy = run_baseline(problem)
    if not greedy.report.ok:  # the baseline places assignments through the checker's rules
        raise AssertionError(f"baseline roster broke hard rules: {greedy.report.violations[:3]}")
    outcome = solve_measured(doc, time_limit=time_limit, workers=workers)
    check = verify(problem, outcome) if outcome.error is None else None
    least = minimum_unfilled(doc, time_limit, workers) if with_min_unfilled else None
    return Row(
        instance=f"{scale}#{seed}", volunteers=len(problem.volunteers), shifts=len(problem.shifts),
        eligible=sum(1 for _ in eligible_triples(problem)), variables=outcome.variables,
        first_seconds=outcome.first_seconds, objective=outcome.objective, bound=outcome.bound,
        gap=relative_gap(outcome.objective, outcome.bound),
        unfilled=None if check is None else check.unfilled,
        min_unfilled=least, status=outcome.status, seconds=outcome.seconds or None,
        cpu_seconds=outcome.cpu_seconds or None, peak_rss=outcome.peak_rss or None,
        violations=None if check is None else len(check.violations),
        objective_ok="-" if check is None else ("yes" if check.objective_agrees else
                                                 f"NO ({check.objective:,.1f})"),
        greedy_unfilled=greedy.unfilled, greedy_objective=greedy.objective,
        engine_stats=tuple(sorted(outcome.stats.items())) or (("error", outcome.error),),
    )


def median_row(scale: str, rows: Sequence[Row]) -> Row:
    """The medians of `rows` (statuses counted, e.g. ``3/3 optimal``)."""
    def med(attribute: str) -> Optional[float]:
        return median_or_none(getattr(r, attribute) for r in rows)

    statuses = sorted({r.status for r in rows})
    status = ", ".join(f"{sum(r.status == s for r in rows)}/{len(rows)} {s}" for s in statuses)
    agree = sum(r.objective_ok == "yes" for r in rows)
    return Row(
        instance=f"{scale} median", volunteers=med("volunteers"), shifts=med("shifts"),
        eligible=med("eligible"), variables=med("variables"), first_seconds=med("first_seconds"),
        objective=med("objective"), bound=med("bound"), gap=med("gap"), unfilled=med("unfilled"),
        min_unfilled=_minimum_met(rows), status=status, seconds=med("seconds"),
        cpu_seconds=med("cpu_seconds"), peak_rss=med("peak_rss"),
        violations=max((r.violations for r in rows if r.violations is not None), default=None),
        objective_ok=f"{agree}/{len(rows)}", greedy_unfilled=med("greedy_unfilled"),
        greedy_objective=med("greedy_objective"),
    )


def _minimum_met(rows: Sequence[Row]) -> Optional[str]:
    """``"2/3 met"``: runs whose unfilled equals the proven minimum (None if none computed)."""
    proven = [r for r in rows if r.min_unfilled is not None]
    if not proven:
        return None
    met = sum(1 for r in proven if r.min_unfilled.isdigit() and r.unfilled == int(r.min_unfilled))
    return f"{met}/{len(rows)} met"


def table(rows: Sequence[Row], separators: Sequence[int] = ()) -> str:
    """The rows as the benchmark's text table."""
    names = list(Row.__dataclass_fields__)[:len(COLUMNS)]
    return format_table(COLUMNS, [[getattr(r, name) for name in names] for r in rows],
                        separators)


def parse_time_limits(text: Optional[str]) -> dict[str, float]:
    """``"S=10,M=60"`` (or one number for every scale) merged over `TIME_LIMITS`."""
    limits = dict(TIME_LIMITS)
    if not text:
        return limits
    if "=" not in text:
        return {scale: float(text) for scale in limits}
    for item in text.split(","):
        scale, _, seconds = item.partition("=")
        limits[scale.strip()] = float(seconds)
    return limits


def main(argv: Optional[list[str]] = None) -> int:
    """Run the benchmark and print its table; exit 1 if any engine roster broke a hard rule."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="S,M,L", help="comma-separated, of T,S,M,L")
    parser.add_argument("--repeat", type=int, default=3, help="seeds per scale (1..N)")
    parser.add_argument("--time-limit", help="seconds: one number, or per scale like S=10,M=60")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (2 cores here)")
    parser.add_argument("--no-min-unfilled", action="store_true",
                        help="skip the unfilled-only solve that proves the minimum")
    parser.add_argument("--engine-stats", action="store_true",
                        help="also print the engine's own statistics of each run")
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {', '.join(unknown)}; choose from {', '.join(SCALES)}")
    limits = parse_time_limits(args.time_limit)
    print(f"machine at start: {machine_note()}", file=sys.stderr, flush=True)
    rows: list[Row] = []
    separators: list[int] = []
    for scale in scales:
        runs = []
        for seed in range(1, args.repeat + 1):
            row = benchmark(scale, seed, time_limit=limits[scale], workers=args.workers,
                            with_min_unfilled=not args.no_min_unfilled)
            runs.append(row)
            print(table([row]).splitlines()[-1], file=sys.stderr, flush=True)  # live progress
        separators.append(len(rows))
        rows += runs + [median_row(scale, runs)]
    print(f"time limits: {', '.join(f'{s} {limits[s]:g} s' for s in scales)}; "
          f"workers {args.workers}; seeds 1..{args.repeat}; {machine_note()} at the end")
    print(table(rows, separators))
    if args.engine_stats:
        for row in rows:
            if row.engine_stats:
                print(f"{row.instance}: " + ", ".join(f"{k}={v}" for k, v in row.engine_stats))
    broken = [r for r in rows if r.violations]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
