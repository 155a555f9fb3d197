"""The Curtois and Qu benchmark: reading instances, the mapping, the benchmark's own rules and
objective, and solving (instance 1 must reach its proven optimum, 607)."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bench import curtois, curtois_run
from bench.curtois_format import (Cover, Instance, InstanceError, default_data_dir,
                                  load_instance, parse_instance, shift_id, to_document)
from bench.curtois_rules import Entry, Evaluation, benchmark_objective, roster_violations, runs
from solver.checker import check
from solver.domain import Assignment
from solver.parse import parse_problem

DATA = default_data_dir()

# A hand-made instance in the benchmark's own layout (CRLF, comments, blank-line sections).
# Shift L may not be followed by E; A's day 2 and B's days 0 and 6 are days off; B may not
# work L and no weekend; cover wants one E every day and one L on days 0, 1, 3 and 5.
MINI_LINES = [
    "# hand-made mini instance",
    "SECTION_HORIZON", "# days", "7", "",
    "SECTION_SHIFTS", "# ShiftID, Length in mins, Shifts which cannot follow this shift",
    "E,480,", "L,600,E", "",
    "SECTION_STAFF", "# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
    "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends",
    "A,E=4|L=2,2880,1440,3,2,2,1", "B,E=7|L=0,1440,0,5,1,1,0", "",
    "SECTION_DAYS_OFF", "A,2", "B,0,6", "",
    "SECTION_SHIFT_ON_REQUESTS", "A,0,L,2", "B,3,E,3", "",
    "SECTION_SHIFT_OFF_REQUESTS", "A,4,E,1", "",
    "SECTION_COVER", "# Day, ShiftID, Requirement, Weight for under, Weight for over",
    *[f"{d},E,1,100,1" for d in range(7)],
    *[f"{d},L,{1 if d in (0, 1, 3, 5) else 0},50,2" for d in range(7)],
]
MINI = "\r\n".join(MINI_LINES) + "\r\n"

# A valid roster of MINI; the violation cases below each change it to break one rule.
VALID: list[Entry] = [("A", 0, "L"), ("A", 1, "L"), ("A", 4, "E"), ("A", 5, "E"),
                      ("B", 1, "E"), ("B", 2, "E"), ("B", 3, "E")]
B_ROW = [("B", 1, "E"), ("B", 2, "E"), ("B", 3, "E")]


@pytest.fixture
def mini() -> Instance:
    """The hand-made instance, parsed."""
    return parse_instance(MINI, name="mini")


# -- reading ---------------------------------------------------------------------------------

def test_instance1_is_read_as_published() -> None:
    inst = load_instance(DATA / "Instance1.txt")
    assert (len(inst.staff), inst.days, list(inst.shift_types)) == (8, 14, ["D"])
    assert inst.shift_types["D"].minutes == 480 and inst.shift_types["D"].cannot_follow == ()
    a = inst.staff[0]
    assert (a.id, dict(a.max_shifts), a.max_minutes, a.min_minutes) == ("A", {"D": 14}, 4320, 3360)
    assert (a.max_consecutive, a.min_consecutive, a.min_days_off, a.max_weekends) == (5, 2, 2, 1)
    assert inst.days_off["A"] == {0} and inst.days_off["H"] == {7}
    assert (len(inst.on_requests), len(inst.off_requests), len(inst.cover)) == (21, 5, 14)
    assert inst.cover[(1, "D")] == Cover(7, 100, 1)
    assert inst.shift_on_total == 37


def test_mini_instance_sections(mini) -> None:
    assert mini.shift_types["L"].cannot_follow == ("E",)
    assert dict(mini.staff[1].max_shifts) == {"E": 7, "L": 0}
    assert mini.days_off == {"A": {2}, "B": {0, 6}}
    off = [(r.employee, r.day, r.shift, r.weight) for r in mini.off_requests]
    assert off == [("A", 4, "E", 1)]
    assert mini.cover_of(3, "L") == Cover(1, 50, 2) and mini.cover_of(4, "L") == Cover(0, 50, 2)


@pytest.mark.parametrize("old,new,message", [
    ("SECTION_DAYS_OFF", "SECTION_HOLIDAYS", "unknown section SECTION_HOLIDAYS"),
    ("B,E=7|L=0,1440,0,5,1,1,0", "B,E=7|L=0,1440,0,5,1,1", "needs 8 fields, has 7"),
    ("B,3,E,3", "Z,3,E,3", "unknown employee Z"),
    ("6,E,1,100,1", "7,E,1,100,1", "day 7 is outside the horizon of 7 days"),
    ("A,4,E,1", "A,4,E,one", "weight must be an integer, not 'one'"),
    ("L,600,E", "L,600,E|N", "unknown successor N"),
    ("A,E=4|L=2", "A,E=4|X=2", "bad MaxShifts entry 'X=2'"),
    ("0,E,1,100,1", "1,E,1,100,1", "second cover row for day 1 shift E"),
])
def test_malformed_instances_name_the_fault(old: str, new: str, message: str) -> None:
    with pytest.raises(InstanceError, match=message.replace("|", r"\|")):
        parse_instance(MINI.replace(old, new, 1))


def test_parse_error_names_the_line() -> None:
    with pytest.raises(InstanceError, match=r"^line 22: unknown employee Z"):
        parse_instance(MINI.replace("B,3,E,3", "Z,3,E,3"))


# -- mapping ---------------------------------------------------------------------------------

def test_mini_maps_onto_the_document_as_the_readme_says(mini) -> None:
    doc = to_document(mini)
    assert doc["horizon"] == {"start": "2024-01-01", "end": "2024-01-07"}  # day 0 a Monday
    assert doc["weights"] == {"preference": 1, "fairness": 0}
    assert doc["rules"] == {"forbidden_successions": [{"from": "L", "to": "E"}]}
    assert len(doc["shifts"]) == 14
    late3 = next(s for s in doc["shifts"] if s["id"] == shift_id(3, "L"))
    assert late3 == {"id": "d003-L", "activity": "L", "start": "2024-01-04T08:00",
                     "end": "2024-01-04T18:00",
                     "roles": [{"role": "staff", "need": 1, "max": 2, "under_weight": 50,
                                "over_weight": 2}]}
    a, b = doc["volunteers"]
    assert a == {
        "id": "A", "days_off": ["2024-01-03"],
        "limits": {"max_shifts_per_day": 1, "max_shifts_per_activity": {"E": 4, "L": 2},
                   "max_minutes": 2880, "min_minutes": 1440, "min_minutes_strict": True,
                   "max_consecutive_days": 3, "min_consecutive_days": 2,
                   "min_consecutive_days_off": 2, "max_weekends": 1},
        "prefers": [{"shift": "d000-L", "weight": 2}, {"shift": "d004-E", "weight": -1}],
    }
    assert b["days_off"] == ["2024-01-01", "2024-01-07"]
    assert b["prefers"] == [{"shift": "d003-E", "weight": 3}]


def test_mapped_document_parses_with_the_same_times_and_weekends(mini) -> None:
    problem = parse_problem(to_document(mini))
    assert problem.weekends == ((5, 6),)
    late = problem.shift_by_id["d003-L"]
    assert (late.day, late.minutes, late.roles[0].need) == (3, 600, 1)


@pytest.mark.parametrize("number", range(1, 25))
def test_every_instance_maps_onto_a_valid_document(number: int) -> None:
    inst = load_instance(DATA / f"Instance{number}.txt")
    problem = parse_problem(to_document(inst))
    assert len(problem.volunteers) == len(inst.staff)
    assert len(problem.shifts) == inst.days * len(inst.shift_types)
    assert len(problem.weekends) == inst.days // 7
    assert sum(r.need for s in problem.shifts for r in s.roles) == sum(
        c.requirement for c in inst.cover.values())


def test_assignments_map_back_to_the_roster(mini) -> None:
    assignments = [Assignment(e, shift_id(d, s), "staff") for e, d, s in reversed(VALID)]
    assert curtois.roster_from_assignments(mini, assignments) == sorted(VALID)
    with pytest.raises(ValueError, match="unknown shift d009-E"):
        curtois.roster_from_assignments(mini, [Assignment("A", "d009-E", "staff")])


def test_roster_file_round_trip(tmp_path: Path) -> None:
    curtois.write_roster(VALID, tmp_path / "r.txt")
    assert (tmp_path / "r.txt").read_text().splitlines()[:2] == ["A,0,L", "A,1,L"]
    assert curtois.read_roster(tmp_path / "r.txt") == VALID
    (tmp_path / "bad.txt").write_text("A,0,L\nA;1;L\n")
    with pytest.raises(ValueError, match=r"bad.txt:2: expected EmployeeID,day,ShiftID"):
        curtois.read_roster(tmp_path / "bad.txt")


# -- the benchmark's own objective and rules -------------------------------------------------

def test_objective_of_a_hand_made_roster(mini) -> None:
    # E: nobody on days 0 and 6 (2 x 100). L: nobody on days 3 and 5 (2 x 50).
    # Both shift-on requests are worked; A works E on day 4 against its shift-off request (1).
    assert benchmark_objective(mini, VALID) == Evaluation(shift_on=0, shift_off=1,
                                                          under_cover=300, over_cover=0)
    # Moving B from day 3 to day 4 loses B's request (3), leaves E short on day 3 too (100)
    # and puts one E too many on day 4 (1).
    changed = [e for e in VALID if e != ("B", 3, "E")] + [("B", 4, "E")]
    assert benchmark_objective(mini, changed) == Evaluation(3, 1, 400, 1)


def test_hand_made_roster_objective_equals_checker_plus_shift_on_weights(mini) -> None:
    problem = parse_problem(to_document(mini))
    report = check(problem, [Assignment(e, shift_id(d, s), "staff") for e, d, s in VALID])
    assert report.violations == []
    assert report.objective + mini.shift_on_total == benchmark_objective(mini, VALID).total == 301


def test_objective_disagreements_are_reported() -> None:
    evaluation = Evaluation(10, 0, 100, 0)
    assert curtois._mismatches(evaluation, 110.0, 100.0, offset=10) == []
    assert curtois._mismatches(evaluation, 111.0, 101.0, offset=10) == [
        "benchmark objective 110 != engine objective 101 + shift-on weights 10",
        "benchmark objective 110 != checker objective 101 + shift-on weights 10"]


def test_runs_are_maximal() -> None:
    assert list(runs([True, True, False, True])) == [(True, 0, 2), (False, 2, 1), (True, 3, 1)]


BROKEN = {
    "two shifts a day": (VALID + [("A", 0, "E")], "A: two shifts on day 0 (L and E)"),
    "succession": ([("A", 0, "E"), ("A", 3, "L"), ("A", 4, "E"), ("A", 5, "E")] + B_ROW,
                   "A: E on day 4 may not follow L on day 3"),
    "max shifts of a type": (VALID[:4] + [("B", 1, "E"), ("B", 2, "L")],
                             "B: 1 shifts of L, max 0"),
    "max minutes": (VALID + [("B", 4, "E")], "B: 1920 minutes, outside [0, 1440]"),
    "min minutes": ([("A", 0, "L"), ("A", 1, "L")] + B_ROW,
                    "A: 1200 minutes, outside [1440, 2880]"),
    "min minutes without shifts": (B_ROW, "A: 0 minutes, outside [1440, 2880]"),
    "max consecutive at the edge": ([(("A", d, "E")) for d in (3, 4, 5, 6)] + B_ROW,
                                    "A: 4 consecutive shifts from day 3, max 3"),
    "min consecutive inside": ([("A", 0, "L"), ("A", 1, "L"), ("A", 4, "E")] + B_ROW,
                               "A: only 1 consecutive shifts from day 4, min 2"),
    "min days off inside": ([("A", 0, "L"), ("A", 1, "L"), ("A", 3, "E"), ("A", 4, "E")] + B_ROW,
                            "A: only 1 consecutive days off from day 2, min 2"),
    "max weekends": (VALID[:4] + [("B", 3, "E"), ("B", 5, "E")], "B: 1 weekends worked, max 0"),
    "day off": (VALID[:4] + [("B", d, "E") for d in (0, 1, 2)], "B: works E on day off 0"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_broken_rule_is_found_alone(mini, case: str) -> None:
    roster, message = BROKEN[case]
    assert roster_violations(mini, roster) == [message]


@pytest.mark.parametrize("case", BROKEN)
def test_checker_also_rejects_each_broken_roster(mini, case: str) -> None:
    roster, _ = BROKEN[case]
    problem = parse_problem(to_document(mini))
    assignments = [Assignment(e, shift_id(d, s), "staff") for e, d, s in roster]
    assert check(problem, assignments).violations


def test_runs_touching_the_edges_are_exempt_from_the_minimums(mini) -> None:
    # A's one-day run on day 0 and its days off 5-6 touch the edges; day 2 is its day off.
    roster = [("A", 0, "L"), ("A", 3, "E"), ("A", 4, "E")] + B_ROW
    assert roster_violations(mini, roster) == []
    assert roster_violations(mini, VALID) == []


# -- solving ---------------------------------------------------------------------------------

def _valid_rows(mini, staff_index: int) -> list[list[Entry]]:
    """Every roster row of one employee that breaks none of its hard rules."""
    alone = replace(mini, staff=(mini.staff[staff_index],))
    eid = alone.staff[0].id
    rows = []
    for choice in itertools.product([None, "E", "L"], repeat=mini.days):
        row = [(eid, d, s) for d, s in enumerate(choice) if s is not None]
        if not roster_violations(alone, row):
            rows.append(row)
    return rows


def test_engine_finds_the_brute_force_optimum_of_the_mini_instance(mini) -> None:
    best = min(benchmark_objective(mini, a + b).total
               for a, b in itertools.product(_valid_rows(mini, 0), _valid_rows(mini, 1)))
    result = curtois.solve_instance(mini, time_limit=10, workers=2)
    assert result.ok, result.violations + result.checker_violations + result.mismatches
    assert result.status == "optimal"
    assert result.objective == best == result.engine_objective == result.bound


def test_instance1_reaches_its_proven_optimum_607() -> None:
    result = curtois.solve_instance(load_instance(DATA / "Instance1.txt"), time_limit=60,
                                    workers=2)
    assert result.violations == [] and result.checker_violations == [] and result.mismatches == []
    assert result.objective == 607 == result.engine_objective
    assert result.bound is not None and result.bound <= 607


def test_command_writes_the_roster_and_the_result(mini, tmp_path: Path, capsys) -> None:
    (tmp_path / "mini.txt").write_bytes(MINI.encode())
    code = curtois.main([str(tmp_path / "mini.txt"), "--time-limit", "10", "--workers", "2",
                         "--roster", str(tmp_path / "roster.txt"),
                         "--json", str(tmp_path / "r.json")])
    assert code == 0
    result = json.loads((tmp_path / "r.json").read_text())
    roster = curtois.read_roster(tmp_path / "roster.txt")
    assert roster == [tuple(e) for e in result["roster"]]
    assert benchmark_objective(mini, roster).total == result["objective"]
    assert result["checker_objective"] == result["engine_objective"] == result["objective"]
    assert f"objective {result['objective']}" in capsys.readouterr().out


def test_command_rejects_a_broken_instance(tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.txt").write_text(MINI.replace("B,3,E,3", "Z,3,E,3"))
    assert curtois.main([str(tmp_path / "bad.txt")]) == 2
    assert "unknown employee Z" in capsys.readouterr().err


# -- the runner ------------------------------------------------------------------------------

def test_instance_lists() -> None:
    assert curtois_run.parse_numbers("1-3,7, 10-11") == [1, 2, 3, 7, 10, 11]
    with pytest.raises(Exception, match="bad instance range"):
        curtois_run.parse_numbers("5-2")


def test_references_are_read() -> None:
    refs = curtois_run.load_references(DATA)
    assert refs[1] == curtois_run.Reference(607, 607, 607, 607)
    assert (refs[13].gurobi_10, refs[13].ip_vns_10, refs[13].best_ub) == (500410, 3109, 1348)
    assert refs[24].best_lb == 40438 and refs[24].gurobi_10 is None


def test_runner_table_for_instance1(capsys) -> None:
    code = curtois_run.main(["--instances", "1", "--time-limit", "60", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0
    row = next(line.split() for line in out.splitlines() if line.startswith("1 "))
    # instance, staff, days, types, objective, bound, best known, gap %
    assert row[:5] == ["1", "8", "14", "1", "607"] and row[6:8] == ["607", "0.00"]


def test_runner_flags_results_that_contradict_the_literature() -> None:
    ref = curtois_run.Reference(best_lb=100, best_ub=110)
    row = curtois_run.Row(1)
    assert curtois_run._implausible(row, ref, [{"objective": 120, "bound": 105}]) == ""
    assert curtois_run._implausible(row, ref, [{"objective": 99, "bound": 112}]) == (
        "objective 99 below the proven lower bound 100; bound 112 above the best known roster 110")
