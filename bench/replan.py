"""Re-planning after withdrawals: how much does a re-plan with `previous` change a published plan?

    python -m bench.replan [--scales S,M,L] [--repeat N] [--time-limit ...] [--withdraw 0.05]

For each week: solve it and "publish" the roster; withdraw 5% of the volunteers who have an
assignment (every shift they could take becomes `forbidden`, as the web service exports a
withdrawal); then solve the changed week twice, with `previous` = the published roster and
from scratch without it. Changes are counted as the spec does (symmetric difference of
(volunteer, shift) pairs against the published roster). The target is re-plan changes <= a
third of from-scratch changes; every roster is re-checked with the independent checker.
"""

from __future__ import annotations

import argparse
import copy
import math
import random
import sys
from dataclasses import dataclass
from typing import Optional, Sequence

from solver.domain import Assignment, Problem
from solver.parse import parse_problem

from bench.eligibility import candidates
from bench.generate import SCALES, generate
from bench.run import parse_time_limits
from bench.solving import EngineOutcome, pairs, solve_measured, verify
from bench.stats import Column, fmt_float, fmt_int, format_table, machine_note, median_or_none


@dataclass(frozen=True)
class ReplanRow:
    """One re-planning scenario (or the medians of several)."""

    instance: str
    published: Optional[float]  # assignments in the published roster
    withdrawn: Optional[float]  # volunteers withdrawn
    lost: Optional[float]  # published assignments of the withdrawn volunteers
    replan_changes: Optional[float]
    scratch_changes: Optional[float]
    ratio: Optional[float]
    replan_unfilled: Optional[float]
    scratch_unfilled: Optional[float]
    statuses: str
    violations: Optional[float]  # checker violations over the three rosters (must be 0)
    objective_ok: str = "-"  # rosters whose engine objective the checker reproduces


COLUMNS = (
    Column("instance", align="<"), Column("published", fmt_int), Column("withdrawn", fmt_int),
    Column("lost", fmt_int), Column("re-plan chg", fmt_int), Column("scratch chg", fmt_int),
    Column("ratio", fmt_float(3)), Column("re-plan unf", fmt_int), Column("scratch unf", fmt_int),
    Column("status (pub/re/scratch)", align="<"), Column("viol", fmt_int),
    Column("obj=chk", align="<"),
)


def withdraw(doc: dict, problem: Problem, published: Sequence[Assignment], share: float,
             rng: random.Random) -> tuple[dict, list[str]]:
    """`doc` with `share` of the assigned volunteers withdrawn (at least one).

    A withdrawn volunteer gets a `forbidden` entry for every shift with a role they are
    eligible for and loses their confirmed sign-ups (`fixed`), as the web service exports a
    withdrawal; nothing else about the week changes. Returns the new document and the
    withdrawn ids.
    """
    assigned = sorted({a.volunteer for a in published})
    count = min(len(assigned), max(1, math.ceil(share * len(assigned))))
    gone = set(rng.sample(assigned, count))
    forbidden = sorted({(v.id, shift_id) for (shift_id, _), people in candidates(problem).items()
                        for v in people if v.id in gone})
    changed = copy.deepcopy(doc)
    changed["forbidden"] = changed.get("forbidden", []) + [
        {"volunteer": v, "shift": s} for v, s in forbidden]
    if "fixed" in changed:
        changed["fixed"] = [pin for pin in changed["fixed"] if pin["volunteer"] not in gone]
    return changed, sorted(gone)


def with_previous(doc: dict, published: Sequence[Assignment]) -> dict:
    """`doc` with `previous` = the published roster."""
    changed = copy.deepcopy(doc)
    changed["previous"] = [a.to_dict() for a in published]
    return changed


def scenario(scale: str, seed: int, *, time_limit: float, workers: int, share: float) -> ReplanRow:
    """Solve, publish, withdraw, re-plan both ways: one row."""
    doc = generate(scale, seed)
    problem = parse_problem(doc)
    first = solve_measured(doc, time_limit=time_limit, workers=workers)
    if first.error is not None or first.objective is None:
        return _failed(scale, seed, first)
    published = first.assignments
    changed, gone = withdraw(doc, problem, published, share, random.Random(seed))
    replanned_doc = with_previous(changed, published)
    replan = solve_measured(replanned_doc, time_limit=time_limit, workers=workers)
    scratch = solve_measured(changed, time_limit=time_limit, workers=workers)
    checked = {"published": verify(problem, first)}
    for name, document, outcome in (("replan", replanned_doc, replan), ("scratch", changed, scratch)):
        if outcome.error is None:
            checked[name] = verify(parse_problem(document), outcome)
    violations = sum(len(v.violations) for v in checked.values())
    agree = sum(v.objective_agrees for v in checked.values())
    before = pairs(published)
    replan_changes = _changes(before, replan)
    scratch_changes = _changes(before, scratch)
    return ReplanRow(
        instance=f"{scale}#{seed}", published=len(published), withdrawn=len(gone),
        lost=sum(1 for a in published if a.volunteer in set(gone)),
        replan_changes=replan_changes, scratch_changes=scratch_changes,
        ratio=_ratio(replan_changes, scratch_changes),
        replan_unfilled=checked["replan"].unfilled if "replan" in checked else None,
        scratch_unfilled=checked["scratch"].unfilled if "scratch" in checked else None,
        statuses="/".join(o.status for o in (first, replan, scratch)), violations=violations,
        objective_ok=f"{agree}/3",
    )


def _changes(before: set[tuple[str, str]], outcome: EngineOutcome) -> Optional[int]:
    if outcome.error is not None or outcome.objective is None:
        return None
    return len(before ^ pairs(outcome.assignments))


def _ratio(replan: Optional[float], scratch: Optional[float]) -> Optional[float]:
    if replan is None or scratch is None:
        return None
    return replan / scratch if scratch else (0.0 if replan == 0 else math.inf)


def _failed(scale: str, seed: int, outcome: EngineOutcome) -> ReplanRow:
    return ReplanRow(f"{scale}#{seed}", None, None, None, None, None, None, None, None,
                     f"{outcome.status} (publish)", None, "-")


def median_row(scale: str, rows: Sequence[ReplanRow]) -> ReplanRow:
    """Medians over `rows`; the ratio is the median of the per-run ratios."""
    def med(attribute: str) -> Optional[float]:
        return median_or_none(getattr(r, attribute) for r in rows)

    met = sum(1 for r in rows if r.ratio is not None and r.ratio <= 1 / 3)
    return ReplanRow(
        f"{scale} median", med("published"), med("withdrawn"), med("lost"), med("replan_changes"),
        med("scratch_changes"), med("ratio"), med("replan_unfilled"), med("scratch_unfilled"),
        f"ratio <= 1/3 in {met}/{len(rows)}",
        max((r.violations for r in rows if r.violations is not None), default=None),
        f"{sum(r.objective_ok == '3/3' for r in rows)}/{len(rows)} all",
    )


def table(rows: Sequence[ReplanRow], separators: Sequence[int] = ()) -> str:
    """The rows as the re-planning table."""
    return format_table(COLUMNS, [[getattr(r, n) for n in ReplanRow.__dataclass_fields__] for r in rows],
                        separators)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the re-planning scenario and print its table; exit 1 on any checker violation."""
    parser = argparse.ArgumentParser(prog="python -m bench.replan", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="S,M,L", help="comma-separated, of T,S,M,L")
    parser.add_argument("--repeat", type=int, default=3, help="seeds per scale (1..N)")
    parser.add_argument("--time-limit", help="seconds: one number, or per scale like S=10,M=60")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--withdraw", type=float, default=0.05, help="share of assigned volunteers")
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {', '.join(unknown)}; choose from {', '.join(SCALES)}")
    limits = parse_time_limits(args.time_limit)
    rows: list[ReplanRow] = []
    separators: list[int] = []
    for scale in scales:
        runs = []
        for seed in range(1, args.repeat + 1):
            runs.append(scenario(scale, seed, time_limit=limits[scale], workers=args.workers,
                                 share=args.withdraw))
            print(table(runs[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
        separators.append(len(rows))
        rows += runs + [median_row(scale, runs)]
    print(f"withdrawn: {args.withdraw:.0%} of assigned volunteers; time limits: "
          f"{', '.join(f'{s} {limits[s]:g} s' for s in scales)}; workers {args.workers}; "
          f"{machine_note()} at the end")
    print(table(rows, separators))
    return 1 if any(r.violations for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
