"""The re-planning scenario at the tiny scale: withdrawals, both re-solves checker-valid."""

from __future__ import annotations

import random

from bench.eligibility import candidates
from bench.generate import generate
from bench.replan import main, scenario, with_previous, withdraw
from solver.domain import Assignment
from solver.parse import parse_problem


def test_withdraw_forbids_every_shift_of_the_withdrawn_and_nobody_else() -> None:
    doc = generate("S", 1)
    problem = parse_problem(doc)
    pool = candidates(problem)
    first_of_shift = {}
    for (shift_id, role), people in pool.items():
        if people and shift_id not in first_of_shift:
            first_of_shift[shift_id] = Assignment(people[0].id, shift_id, role)
    published = list(first_of_shift.values())
    changed, gone = withdraw(doc, problem, published, 0.05, random.Random(0))
    assigned = {a.volunteer for a in published}
    assert len(gone) == -(-len(assigned) * 5 // 100) and set(gone) <= assigned
    after = parse_problem(changed)
    left = {v.id for people in candidates(after).values() for v in people}
    assert not left & set(gone)
    assert {f.volunteer for f in after.forbidden} == set(gone)
    # their confirmed sign-ups are withdrawn, everyone else's stay
    assert after.fixed == tuple(pin for pin in problem.fixed if pin.volunteer not in gone)
    assert parse_problem(with_previous(changed, published)).previous == tuple(published)


def test_replan_scenario_counts_changes_and_every_roster_passes_the_checker() -> None:
    row = scenario("T", 1, time_limit=3, workers=1, share=0.2)
    assert row.violations == 0 and row.objective_ok == "3/3"  # `changes` priced as the checker does
    assert row.withdrawn >= 1 and row.lost >= row.withdrawn  # each withdrawn one had a shift
    # every assignment of a withdrawn volunteer must go, with or without `previous`
    assert row.replan_changes >= row.lost and row.scratch_changes >= row.lost
    assert row.ratio == row.replan_changes / row.scratch_changes


def test_command_line_prints_the_table(capsys) -> None:
    assert main(["--scales", "T", "--repeat", "1", "--time-limit", "2", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "re-plan chg" in out and "T#1" in out and "T median" in out
