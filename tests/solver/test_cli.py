"""The command line: ``python -m solver solve|check`` with the real engine and checker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solver.checker import check
from solver.cli import main
from solver.parse import load_json, parse_problem, parse_solution
from tests.solver.docs import make_doc, make_role, make_shift, make_solution_doc, make_volunteer

HERE = Path(__file__).parent
INVALID = HERE / "invalid"
EXPECTED = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))
EXAMPLES = HERE / "examples"
ROOT = HERE.parent.parent

#: Tiny, fast and reproducible engine settings for every solve in these tests.
SOLVE_ARGS = ["--time-limit", "5", "--workers", "1", "--seed", "7"]


def write(path: Path, doc: object) -> str:
    """Write `doc` as UTF-8 JSON to `path`; returns the path as a string."""
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run_module(*args: str) -> subprocess.CompletedProcess:
    """``python -m solver ARGS`` in a child process, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "solver", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


# --------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize("command", ["solve", "check"])
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_invalid_document_exits_2_naming_its_path(kind, command, capsys, tmp_path):
    problem = str(INVALID / f"{kind}.json")
    solution = write(tmp_path / "solution.json", make_solution_doc([]))
    args = [command, problem] + ([solution] if command == "check" else SOLVE_ARGS)
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(line.startswith(f"{problem}: ") for line in lines)
    expected = EXPECTED[kind]
    if expected["path"] is None:
        assert len(lines) == 1 and expected["message"] in lines[0]
    else:
        assert any(line.startswith(f"{problem}: {expected['path']}: ")
                   and expected["message"] in line for line in lines), lines


@pytest.mark.parametrize("kind", ["not-an-object", "shift-outside-horizon",
                                  "fixed-lacks-skill", "dst-nonexistent-local-time",
                                  "file-latin1", "file-not-json"])
def test_invalid_document_as_a_real_process(kind):
    problem = str(INVALID / f"{kind}.json")
    result = run_module("solve", problem, *SOLVE_ARGS)
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    path = EXPECTED[kind]["path"]
    assert (path is None or f": {path}: " in result.stderr), result.stderr


def test_every_fault_is_one_line_on_stderr(capsys, tmp_path):
    doc = make_doc(weights={"fairness": -1, "change": "x"},
                   shifts=[make_shift(roles=[make_role(need=-1)], colour="red")])
    problem = write(tmp_path / "p.json", doc)
    assert main(["solve", problem]) == 2
    err = capsys.readouterr().err
    assert sorted(line.split(": ")[1] for line in err.splitlines()) == [
        "shifts[0].colour", "shifts[0].roles[0].need", "weights.change", "weights.fairness"]


@pytest.mark.parametrize("name", ["missing.json", "."])
def test_unreadable_problem_file_exits_2(name, tmp_path):
    result = run_module("solve", str(tmp_path / name))
    assert result.returncode == 2
    assert "cannot read file" in result.stderr and "Traceback" not in result.stderr


def test_unreadable_or_invalid_solution_file_exits_2(tmp_path, capsys):
    problem = write(tmp_path / "p.json", make_doc())
    assert main(["check", problem, str(tmp_path / "missing.json")]) == 2
    (tmp_path / "garbage.json").write_bytes(b"\x89PNG\r\n")
    assert main(["check", problem, str(tmp_path / "garbage.json")]) == 2
    wrong = write(tmp_path / "s.json", make_solution_doc(
        [{"volunteer": "v9", "shift": "s1", "role": "teacher"}], status="done"))
    assert main(["check", problem, wrong]) == 2
    err = capsys.readouterr().err
    assert f"{wrong}: assignments[0].volunteer: unknown volunteer" in err
    assert f"{wrong}: status: must be one of" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [
    [], ["plan", "p.json"], ["solve"], ["check", "p.json"],
    ["solve", "p.json", "--time-limit", "0"], ["solve", "p.json", "--time-limit", "nan"],
    ["solve", "p.json", "--workers", "-1"], ["solve", "p.json", "--seed", "x"],
])
def test_bad_command_lines_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_unwritable_output_exits_2_without_a_half_file(tmp_path, capsys):
    problem = write(tmp_path / "p.json", make_doc())
    target = tmp_path / "no-such-dir" / "out.json"
    assert main(["solve", problem, "-o", str(target), *SOLVE_ARGS]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert not target.exists()


# --------------------------------------------------------------------------- solve


def test_solve_writes_a_valid_solution_document_to_stdout(tmp_path):
    doc = make_doc()
    doc["volunteers"][0]["name"] = "王秀英"
    problem_path = write(tmp_path / "p.json", doc)
    result = run_module("solve", problem_path, *SOLVE_ARGS)
    assert result.returncode == 0, result.stderr
    solution_doc = json.loads(result.stdout)
    assert solution_doc["format"] == "volunteer-schedule-solution/1"
    assert solution_doc["status"] in ("optimal", "feasible")
    problem = parse_problem(doc)
    solution = parse_solution(solution_doc, problem)
    report = check(problem, solution.assignments)
    assert report.ok, report.violations
    assert solution.objective == pytest.approx(report.objective, rel=1e-6, abs=1e-6)
    assert solution_doc["components"]["unfilled"] == 0  # all three places can be filled
    assert f"status {solution.status}" in result.stderr


def test_solve_writes_utf8_to_stdout_even_in_an_ascii_locale(tmp_path):
    doc = make_doc(volunteers=[make_volunteer("志愿者-1")],
                   shifts=[make_shift("书法课", roles=[make_role("老师", 1)])])
    result = subprocess.run(
        [sys.executable, "-m", "solver", "solve", write(tmp_path / "p.json", doc), *SOLVE_ARGS],
        cwd=ROOT, capture_output=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    solution = json.loads(result.stdout.decode("utf-8"))
    assert solution["assignments"] == [{"volunteer": "志愿者-1", "shift": "书法课", "role": "老师"}]


def test_solve_writes_utf8_without_escapes_to_the_output_file(tmp_path, capsys):
    doc = make_doc(volunteers=[make_volunteer("志愿者-1", name="李明", groups=["student"])],
                   shifts=[make_shift("书法课", roles=[make_role("老师", 2)])])
    problem_path = write(tmp_path / "p.json", doc)
    out = tmp_path / "solution.json"
    code = main(["solve", problem_path, "-o", str(out), *SOLVE_ARGS])
    assert code == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert "\\u" not in text and "书法课" in text and "志愿者-1" in text
    solution = parse_solution(load_json(str(out)), parse_problem(doc))
    assert [(a.volunteer, a.role) for a in solution.assignments] == [("志愿者-1", "老师")]
    assert [u.missing for u in solution.unfilled] == [1]
    assert check(parse_problem(doc), solution.assignments).ok


def test_solve_reports_infeasible_with_exit_1_and_conflicts(tmp_path, capsys):
    # v2 is fixed to s2 but takes Monday off: the document is valid, the week is not.
    doc = make_doc(fixed=[{"volunteer": "v2", "shift": "s2", "role": "helper"}])
    doc["volunteers"][1]["days_off"] = ["2026-12-07"]
    problem_path = write(tmp_path / "p.json", doc)
    code = main(["solve", problem_path, *SOLVE_ARGS])
    out, err = capsys.readouterr()
    assert code == 1
    solution_doc = json.loads(out)
    assert solution_doc["status"] == "infeasible"
    assert solution_doc["conflicts"] and any("v2" in c for c in solution_doc["conflicts"])
    assert "conflict:" in err and "Traceback" not in err


def test_solve_the_riverside_example_and_check_it(tmp_path):
    out = tmp_path / "solution.json"
    example = str(EXAMPLES / "riverside.json")
    solved = run_module("solve", example, "-o", str(out), *SOLVE_ARGS)
    assert solved.returncode == 0, solved.stderr
    checked = run_module("check", example, str(out))
    assert checked.returncode == 0, checked.stdout
    assert "result: ok" in checked.stdout and "violation" not in checked.stdout


# --------------------------------------------------------------------------- check


def check_output(tmp_path: Path, problem: dict, solution: dict, capsys) -> tuple[int, str]:
    """Run ``check`` in-process; returns the exit code and standard output."""
    code = main(["check", write(tmp_path / "p.json", problem),
                 write(tmp_path / "s.json", solution)])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def test_check_accepts_a_good_solution_and_prints_the_objective(tmp_path, capsys):
    doc = make_doc()
    assignments = [{"volunteer": "v1", "shift": "s1", "role": "teacher"},
                   {"volunteer": "v2", "shift": "s2", "role": "helper"}]
    expected = check(parse_problem(doc), parse_solution(make_solution_doc(assignments),
                                                         parse_problem(doc)).assignments)
    solution = make_solution_doc(assignments, objective=expected.objective,
                                 components=expected.components)
    code, out = check_output(tmp_path, doc, solution, capsys)
    assert code == 0
    assert f"objective: {expected.objective:.6f}" in out
    for name in ("unfilled", "overfilled", "preference", "fairness", "continuity", "changes"):
        assert f"  {name}: " in out
    assert out.rstrip().endswith("result: ok")


def test_check_lists_every_broken_rule_with_exit_1(tmp_path, capsys):
    assignments = [{"volunteer": "v2", "shift": "s1", "role": "teacher"},  # lacks calligraphy
                   {"volunteer": "v3", "shift": "s2", "role": "helper"},
                   {"volunteer": "v3", "shift": "s2", "role": "helper"}]  # one role per shift
    code, out = check_output(tmp_path, make_doc(), make_solution_doc(assignments), capsys)
    violations = [line for line in out.splitlines() if line.startswith("violation: ")]
    assert code == 1
    assert len(violations) >= 2
    assert any("v2" in v and "calligraphy" in v for v in violations)
    assert any("v3" in v for v in violations)


def test_check_flags_a_wrong_reported_objective(tmp_path, capsys):
    assignments = [{"volunteer": "v1", "shift": "s1", "role": "teacher"}]
    code, out = check_output(tmp_path, make_doc(),
                             make_solution_doc(assignments, objective=-5.0), capsys)
    assert code == 1
    assert "mismatch: reported objective -5" in out
    assert "violation:" not in out


def test_check_of_the_spec_example_solution_finds_its_faults(tmp_path):
    # The spec's solution fragment puts v017 (no baking skill) in s042 as instructor.
    result = run_module("check", str(EXAMPLES / "riverside.json"),
                        str(EXAMPLES / "riverside-solution.json"))
    assert result.returncode == 1
    assert "violation: " in result.stdout and "baking" in result.stdout
    assert "Traceback" not in result.stderr
