"""The community-week generator: valid documents of the stated sizes, reproducible by seed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.eligibility import candidates
from bench.generate import SCALES, generate, main
from solver.checker import check
from solver.checker_rules import CheckContext, assignment_violations
from solver.domain import Assignment
from solver.parse import parse_problem

#: (volunteers, shifts) ranges the issue states for each scale, with some slack.
SIZES = {
    "S": ((110, 150), (65, 95)),
    "M": ((580, 720), (340, 460)),
    "L": ((2350, 2850), (1350, 1650)),
}


@pytest.mark.parametrize("scale", ["S", "M", "L"])
@pytest.mark.parametrize("seed", [0, 7])
def test_generated_week_is_valid_and_of_the_stated_size(scale: str, seed: int) -> None:
    problem = parse_problem(generate(scale, seed))
    (vol_low, vol_high), (shift_low, shift_high) = SIZES[scale]
    assert vol_low <= len(problem.volunteers) <= vol_high
    assert shift_low <= len(problem.shifts) <= shift_high
    assert problem.num_days == 7 and problem.horizon_start.weekday() == 0


def test_same_seed_same_document_other_seed_other_document() -> None:
    assert generate("S", 3) == generate("S", 3)
    assert generate("S", 3) != generate("S", 4)


def test_generated_week_has_every_team_activity_and_chinese_names() -> None:
    doc = generate("S", 1)
    groups = {g for v in doc["volunteers"] for g in v["groups"]}
    assert {"retired_cadre", "social_worker", "student", "party_member"} <= groups
    activities = {s["activity"].split("@")[0] for s in doc["shifts"]}
    assert {"service-desk", "grid-patrol", "public-cleaning", "elderly-visit", "mediation-desk",
            "museum-duty", "calligraphy-class", "painting-class", "baking-class",
            "handicraft-class", "tutoring"} <= activities
    assert all("\u4e00" <= v["name"][0] <= "\u9fff" for v in doc["volunteers"])
    assert all("\u4e00" <= s["title"][0] <= "\u9fff" for s in doc["shifts"])
    assert any(s["area"].endswith("-g1") for s in doc["shifts"] if s["activity"] == "grid-patrol")


def test_most_roles_have_candidates_and_a_few_are_scarce() -> None:
    problem = parse_problem(generate("M", 2))
    pool = candidates(problem)
    needs = {(s.id, r.name): r.need for s in problem.shifts for r in s.roles}
    short = [key for key, need in needs.items() if len(pool[key]) < need]
    assert len(short) < 0.05 * len(needs)  # demand is realistic ...
    rare = [key for key, people in pool.items() if len(people) <= 2 and needs[key] > 0]
    assert rare  # ... but some roles need rare skills


def test_eligibility_agrees_with_the_checker_rules() -> None:
    """The fast filter used by the baseline and the size column is the checker's, per triple."""
    problem = parse_problem(generate("S", 5))
    ctx = CheckContext(problem)
    pool = candidates(problem)
    for shift in problem.shifts[::3]:
        for role in shift.roles:
            listed = {v.id for v in pool[(shift.id, role.name)]}
            by_checker = {v.id for v in problem.volunteers
                          if not assignment_violations(ctx, Assignment(v.id, shift.id, role.name))}
            assert listed == by_checker, (shift.id, role.name)


def test_command_line_writes_the_document(tmp_path, capsys) -> None:
    out = tmp_path / "week.json"
    assert main(["T", "--seed", "2", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == generate("T", 2)
    assert main(["T", "--seed", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == generate("T", 2)


def test_tiny_scale_exists_for_smoke_tests() -> None:
    problem = parse_problem(generate(SCALES["T"], 0))
    assert 10 <= len(problem.shifts) <= 25 and 20 <= len(problem.volunteers) <= 40


def test_confirmed_sign_ups_are_liked_valid_and_within_need() -> None:
    problem = parse_problem(generate("M", 4))
    assert 0.05 * sum(r.need for s in problem.shifts for r in s.roles) <= len(problem.fixed)
    assert check(problem, problem.fixed).violations == []  # the sign-ups alone are a valid roster
    for pin in problem.fixed:
        volunteer, shift = problem.volunteer_by_id[pin.volunteer], problem.shift_by_id[pin.shift]
        assert sum(p.weight for p in volunteer.prefers if p.matches(shift)) > 0
    per_role = Counter((pin.shift, pin.role) for pin in problem.fixed)
    assert all(n <= problem.shift_by_id[s].role(r).need for (s, r), n in per_role.items())
