"""Parsing and validation of problem and solution documents (`solver.parse`)."""

from __future__ import annotations

import copy
import json
import math
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.domain import DEFAULT_WEIGHTS, Preference, Problem
from solver.parse import (
    ProblemError,
    load_json,
    merge_intervals,
    parse_problem,
    parse_solution,
)
from tests.solver.docs import (
    REMOVE,
    make_doc,
    make_role,
    make_shift,
    make_solution_doc,
    make_volunteer,
)

HERE = Path(__file__).parent
INVALID = HERE / "invalid"
EXPECTED = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))
EXAMPLES = HERE / "examples"


def errors_of(doc: object) -> list[str]:
    """The errors `parse_problem` reports for `doc` (fails the test if it accepts it)."""
    with pytest.raises(ProblemError) as info:
        parse_problem(doc)
    assert info.value.errors, "a ProblemError must list at least one fault"
    return info.value.errors


def paths_of(errors: list[str]) -> list[str]:
    """The JSON paths of `errors` (the text before the first ': ')."""
    return [e.split(": ", 1)[0] for e in errors]


# --------------------------------------------------------------------------- invalid corpus


def test_corpus_is_large_and_every_file_has_an_expectation():
    files = {p.stem for p in INVALID.glob("*.json") if p.name != "expected.json"}
    assert files == set(EXPECTED)
    assert len(EXPECTED) >= 35


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_invalid_document_names_its_path(kind):
    expected = EXPECTED[kind]
    with pytest.raises(ProblemError) as info:
        parse_problem(load_json(str(INVALID / f"{kind}.json")))
    errors = info.value.errors
    if expected["path"] is None:  # the file itself is not a JSON document
        assert len(errors) == 1 and expected["message"] in errors[0], errors
    else:
        assert any(e.startswith(expected["path"] + ": ") and expected["message"] in e
                   for e in errors), errors


def test_every_fault_is_collected_not_just_the_first():
    doc = make_doc(
        format="volunteer-schedule/0",
        volunteers=[make_volunteer("v1", limits={"max_shifts": -1}), make_volunteer("v1")],
        shifts=[make_shift("s1", roles=[make_role(need=-2)]),
                make_shift("s2", "2026-12-08T10:00", "2026-12-08T09:00")],
        weights={"fairness": -1},
        fixed=[{"volunteer": "nobody", "shift": "s1"}],
    )
    assert sorted(paths_of(errors_of(doc))) == sorted([
        "format", "volunteers[0].limits.max_shifts", "volunteers[1].id",
        "shifts[0].roles[0].need", "shifts[1].end", "weights.fairness", "fixed[0].volunteer",
    ])


def test_unknown_keys_are_reported_in_every_section():
    doc = make_doc(
        extra=1,
        horizon={"start": "2026-12-07", "end": "2026-12-13", "x": 1},
        volunteers=[make_volunteer("v1", x=1, limits={"x": 1},
                                   prefers=[{"activity": "duty", "weight": 1, "x": 1}])],
        shifts=[make_shift("s1", x=1, roles=[make_role(x=1)],
                           supervision=[{"group": "a", "by": ["b"], "x": 1}])],
        fixed=[{"volunteer": "v1", "shift": "s1", "x": 1}],
        forbidden=[{"volunteer": "v1", "shift": "s1", "x": 1}],
        previous=[{"volunteer": "v1", "shift": "s1", "x": 1}],
        rules={"x": 1, "forbidden_successions": [{"from": "a", "to": "b", "x": 1}]},
        weights={"x": 1},
    )
    unknown = {e.split(": ")[0] for e in errors_of(doc) if e.endswith(": unknown key")}
    assert unknown == {
        "extra", "horizon.x", "volunteers[0].x", "volunteers[0].limits.x",
        "volunteers[0].prefers[0].x", "shifts[0].x", "shifts[0].roles[0].x",
        "shifts[0].supervision[0].x", "fixed[0].x", "forbidden[0].x", "previous[0].x",
        "rules.x", "rules.forbidden_successions[0].x", "weights.x",
    }


def test_odd_keys_are_quoted_in_paths():
    doc = make_doc(volunteers=[make_volunteer("v1", skills={"paper cutting": 0})])
    assert errors_of(doc) == ['volunteers[0].skills["paper cutting"]: must be >= 1']


@pytest.mark.parametrize("value", [True, 1.0, 2.5, "1", None, math.nan, math.inf, [1]])
def test_a_need_must_be_a_plain_integer(value):
    doc = make_doc(shifts=[make_shift(roles=[make_role(need=value)])])
    assert paths_of(errors_of(doc)) == ["shifts[0].roles[0].need"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "1"])
def test_a_weight_must_be_a_finite_number(value):
    assert paths_of(errors_of(make_doc(weights={"continuity": value}))) == ["weights.continuity"]


@pytest.mark.parametrize("doc", [None, 0, "x", [], True, 1.5])
def test_a_document_that_is_not_an_object(doc):
    assert errors_of(doc) == [f"$: must be an object, not {_json_type(doc)}"]


def _json_type(value: object) -> str:
    return {type(None): "null", int: "a number", float: "a number", str: "a string",
            list: "a list", bool: "a boolean"}[type(value)]


def test_fixed_without_role_needs_some_takeable_role():
    ok = make_doc(fixed=[{"volunteer": "v1", "shift": "s1"}])
    assert parse_problem(ok).fixed[0].role is None
    bad = make_doc(fixed=[{"volunteer": "v2", "shift": "s1"}])
    assert paths_of(errors_of(bad)) == ["fixed[0]"]


def test_references_to_a_faulty_shift_are_not_reported_as_unknown():
    doc = make_doc(shifts=[make_shift("s1", roles=[make_role("helper", need=-1)])],
                   fixed=[{"volunteer": "v1", "shift": "s1", "role": "helper"}])
    assert paths_of(errors_of(doc)) == ["shifts[0].roles[0].need"]


def test_huge_numbers_and_deep_nesting_are_reported_not_raised():
    deep: object = []
    for _ in range(100_000):
        deep = [deep]
    doc = make_doc()
    doc["name"] = deep  # not through make_doc, which deep-copies its overrides
    assert paths_of(errors_of(doc)) == ["name"]
    assert paths_of(errors_of(make_doc(weights={"fairness": 10 ** 5000}))) == ["weights.fairness"]
    doc = make_doc(shifts=[make_shift(roles=[make_role(need=10 ** 5000)])])
    assert paths_of(errors_of(doc)) == ["shifts[0].roles[0].need"]


def test_non_string_keys_from_python_callers_are_faults():
    assert paths_of(errors_of(make_doc(weights={1: 2}))) == ['weights["1"]']


# --------------------------------------------------------------------------- valid documents


def test_default_document_parses_into_the_domain():
    problem = parse_problem(make_doc())
    assert isinstance(problem, Problem)
    assert problem.timezone == "Asia/Shanghai"
    assert (problem.horizon_start, problem.horizon_end) == (date(2026, 12, 7), date(2026, 12, 13))
    assert problem.num_days == 7
    s1 = problem.shift_by_id["s1"]
    assert (s1.start, s1.end) == (datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 11))
    assert (s1.start_min, s1.end_min, s1.day, s1.minutes) == (540, 660, 0, 120)
    assert problem.volunteer_by_id["v1"].skills == {"calligraphy": 2}


def test_riverside_example_from_the_spec_parses():
    problem = parse_problem(load_json(str(EXAMPLES / "riverside.json")))
    assert problem.name == "Riverside community, week of 2026-12-07"
    v017 = problem.volunteer_by_id["v017"]
    assert v017.groups == {"retired_cadre", "party_member"} and v017.areas == {"riverside"}
    assert v017.available == ((8 * 60, 12 * 60), (2 * 1440 + 14 * 60, 2 * 1440 + 18 * 60))
    assert v017.unavailable == ((1440 + 9 * 60 + 30, 1440 + 11 * 60),)
    assert v017.days_off == {date(2026, 12, 10)}
    assert (v017.limits.max_shifts_per_day, v017.limits.max_minutes) == (1, 480)
    assert v017.prefers == (Preference("activity", "calligraphy-class", 3),
                            Preference("weekday", 6, -2))
    assert v017.history_minutes == 240
    s042 = problem.shift_by_id["s042"]
    instructor, assistant = s042.roles
    assert (instructor.skills, instructor.need, instructor.max, instructor.continuity) == (
        {"baking": 2}, 1, 1, True)
    assert (assistant.max, assistant.groups) == (3, {"student", "social_worker"})
    assert s042.supervision[0].by == {"social_worker", "retired_cadre"}
    assert s042.day == 5 and s042.minutes == 120
    assert problem.shift_by_id["s050"].roles[0].under_weight == 2000
    assert problem.rules.travel_minutes == 30
    assert problem.rules.forbidden_successions[0].from_activity == "mediation-duty"
    assert problem.weekends == ((5, 6),)
    assert [f.volunteer for f in problem.forbidden] == ["v205"]
    assert [(p.volunteer, p.role) for p in problem.previous] == [("v003", "instructor"),
                                                                 ("v205", None)]


def test_riverside_solution_example_parses_against_its_problem():
    problem = parse_problem(load_json(str(EXAMPLES / "riverside.json")))
    solution = parse_solution(load_json(str(EXAMPLES / "riverside-solution.json")), problem)
    assert (solution.status, solution.objective, solution.bound) == ("optimal", 1234.5, 1200.0)
    assert solution.components["fairness"] == 57.25
    assert solution.assignments[0].role == "instructor"
    assert solution.unfilled[0].missing == 1 and solution.unfilled[0].reasons


def test_skill_list_means_level_one_each():
    doc = make_doc(volunteers=[make_volunteer("v1", skills=["baking", "first_aid"])])
    assert parse_problem(doc).volunteers[0].skills == {"baking": 1, "first_aid": 1}


def test_available_intervals_are_sorted_and_touching_ones_merged():
    doc = make_doc(volunteers=[make_volunteer("v1", available=[
        ["2026-12-08T10:00", "2026-12-08T12:00"],
        ["2026-12-07T08:00", "2026-12-07T10:00"],
        ["2026-12-07T10:00", "2026-12-07T11:00"],  # touches the previous one
        ["2026-12-08T11:00", "2026-12-08T13:00"],  # overlaps
    ])])
    assert parse_problem(doc).volunteers[0].available == ((480, 660), (1440 + 600, 1440 + 780))


def test_absent_available_means_any_time_and_empty_means_never():
    doc = make_doc(volunteers=[make_volunteer("v1"), make_volunteer("v2", available=[])])
    v1, v2 = parse_problem(doc).volunteers
    assert v1.available is None and v2.available == ()


def test_merge_intervals_keeps_separate_ones_apart():
    assert merge_intervals([(5, 6), (0, 2), (2, 3), (1, 2)]) == ((0, 3), (5, 6))


def test_role_weights_resolve_against_document_weights():
    doc = make_doc(weights={"unfilled": 300, "overfilled": 2},
                   shifts=[make_shift(roles=[make_role("a"), make_role("b", under_weight=7,
                                                                           over_weight=0)])])
    a, b = parse_problem(doc).shifts[0].roles
    assert (a.under_weight, a.over_weight) == (300, 2)
    assert (b.under_weight, b.over_weight) == (7, 0)
    assert parse_problem(make_doc()).shifts[0].roles[0].under_weight == DEFAULT_WEIGHTS["unfilled"]


def test_missing_weights_keep_their_defaults():
    weights = parse_problem(make_doc(weights={"change": 5})).weights
    assert weights.change == 5
    assert weights.preference == DEFAULT_WEIGHTS["preference"]


def test_max_defaults_to_need_and_need_zero_is_valid():
    doc = make_doc(shifts=[make_shift(roles=[make_role("a", 2), make_role("b", 0)])])
    a, b = parse_problem(doc).shifts[0].roles
    assert (a.need, a.max, b.need, b.max) == (2, 2, 0, 0)


def test_empty_volunteers_and_shifts_are_a_valid_week():
    problem = parse_problem(make_doc(volunteers=[], shifts=[]))
    assert problem.volunteers == () and problem.shifts == ()


def test_optional_sections_may_be_absent():
    problem = parse_problem(make_doc(name=REMOVE))
    assert problem.name == "" and problem.fixed == () and problem.rules.weekend_days == (5, 6)


def test_shift_may_end_after_the_horizon():
    doc = make_doc(shifts=[make_shift("n", "2026-12-13T22:00", "2026-12-14T06:00")])
    shift = parse_problem(doc).shifts[0]
    assert (shift.day, shift.minutes) == (6, 480)


def test_limits_and_min_minutes_strict():
    doc = make_doc(volunteers=[make_volunteer("v1", limits={
        "min_minutes": 60, "max_minutes": 60, "min_minutes_strict": True,
        "max_shifts_per_activity": {"duty": 0}, "max_weekends": 0})])
    limits = parse_problem(doc).volunteers[0].limits
    assert (limits.min_minutes, limits.max_minutes, limits.min_minutes_strict) == (60, 60, True)
    assert limits.max_shifts_per_activity == {"duty": 0} and limits.max_weekends == 0


def test_other_weekend_days():
    problem = parse_problem(make_doc(rules={"weekend_days": [4, 5]}))
    assert problem.rules.weekend_days == (4, 5) and problem.weekends == ((4, 5),)


# --------------------------------------------------------------------------- daylight saving


def berlin_doc(horizon_start: str, horizon_end: str, *shifts: dict, **overrides) -> dict:
    return make_doc(timezone="Europe/Berlin", horizon={"start": horizon_start, "end": horizon_end},
                    shifts=list(shifts), **overrides)


def test_autumn_change_makes_a_three_hour_night_shift_four_hours_long():
    doc = berlin_doc("2026-10-19", "2026-10-25", make_shift("n", "2026-10-25T01:00",
                                                            "2026-10-25T04:00"))
    shift = parse_problem(doc).shifts[0]
    assert shift.minutes == 240
    assert shift.start_min == 6 * 1440 + 60


def test_spring_change_makes_a_three_hour_night_shift_two_hours_long():
    doc = berlin_doc("2026-03-23", "2026-03-29", make_shift("n", "2026-03-29T01:00",
                                                            "2026-03-29T04:00"))
    assert parse_problem(doc).shifts[0].minutes == 120


def test_minutes_after_a_change_count_the_extra_hour():
    doc = berlin_doc("2026-10-25", "2026-10-26", make_shift("m", "2026-10-26T00:00",
                                                            "2026-10-26T01:00"))
    assert parse_problem(doc).shifts[0].start_min == 25 * 60


def test_ambiguous_local_time_means_its_first_occurrence():
    doc = berlin_doc("2026-10-25", "2026-10-25",
                     make_shift("a", "2026-10-25T02:30", "2026-10-25T03:00"))
    shift = parse_problem(doc).shifts[0]
    # 02:30 CEST (the first 02:30) to 03:00 CET is 90 minutes.
    assert (shift.start_min, shift.minutes) == (150, 90)


def test_nonexistent_local_time_is_an_error_with_its_path():
    doc = berlin_doc("2026-03-29", "2026-03-29", make_shift("s1", "2026-03-29T01:00",
                                                            "2026-03-29T03:00"),
                     volunteers=[make_volunteer("v1", unavailable=[
                         ["2026-03-29T02:15", "2026-03-29T05:00"]])])
    errors = errors_of(doc)
    assert paths_of(errors) == ["volunteers[0].unavailable[0][0]"]
    assert "does not exist in Europe/Berlin" in errors[0]


def test_availability_across_the_change_is_in_absolute_minutes():
    doc = berlin_doc("2026-10-25", "2026-10-26", make_shift("s1", "2026-10-25T09:00",
                                                            "2026-10-25T10:00"),
                     volunteers=[make_volunteer("v1", available=[
                         ["2026-10-25T00:00", "2026-10-26T00:00"]])])
    assert parse_problem(doc).volunteers[0].available == ((0, 25 * 60),)


def test_horizon_starting_on_a_skipped_midnight():
    # Chile moves its clocks from 24:00 to 01:00: 2026-09-06T00:00 never happens there.
    doc = make_doc(timezone="America/Santiago", horizon={"start": "2026-09-06",
                                                         "end": "2026-09-06"},
                   shifts=[make_shift("s1", "2026-09-06T01:00", "2026-09-06T02:00")])
    shift = parse_problem(doc).shifts[0]
    assert (shift.start_min, shift.end_min) == (0, 60)


# --------------------------------------------------------------------------- solutions


def test_solution_document_parses():
    problem = parse_problem(make_doc())
    solution = parse_solution(make_solution_doc(
        [{"volunteer": "v1", "shift": "s1", "role": "teacher"}], objective=None, bound=1.5,
        components={"unfilled": 1}, conflicts=["x"], stats={"seconds": 1}), problem)
    assert solution.assignments[0].volunteer == "v1"
    assert (solution.objective, solution.bound, solution.conflicts) == (None, 1.5, ("x",))


def test_solution_breaking_hard_rules_still_parses():
    problem = parse_problem(make_doc())
    twice = [{"volunteer": "v2", "shift": "s1", "role": "teacher"}] * 2
    assert len(parse_solution(make_solution_doc(twice), problem).assignments) == 2


@pytest.mark.parametrize("doc, path", [
    ([], "$"),
    (make_solution_doc([], format="volunteer-schedule/1"), "format"),
    (make_solution_doc([], status="done"), "status"),
    (make_solution_doc([], status=REMOVE), "status"),
    (make_solution_doc([], objective="1"), "objective"),
    (make_solution_doc([], bound=math.nan), "bound"),
    (make_solution_doc([], extra=1), "extra"),
    (make_solution_doc([], components={"unfilled": "0"}), "components.unfilled"),
    (make_solution_doc([], conflicts=[1]), "conflicts[0]"),
    (make_solution_doc([], stats=[]), "stats"),
    (make_solution_doc([], unfilled=[{"shift": "s9", "role": "x", "missing": 1}]),
     "unfilled[0].shift"),
    (make_solution_doc([], unfilled=[{"shift": "s1", "role": "teacher", "missing": 0}]),
     "unfilled[0].missing"),
    (make_solution_doc(REMOVE), "assignments"),
    (make_solution_doc([{"volunteer": "v1", "shift": "s1"}]), "assignments[0].role"),
    (make_solution_doc([{"volunteer": "v9", "shift": "s1", "role": "teacher"}]),
     "assignments[0].volunteer"),
    (make_solution_doc([{"volunteer": "v1", "shift": "s9", "role": "teacher"}]),
     "assignments[0].shift"),
    (make_solution_doc([{"volunteer": "v1", "shift": "s1", "role": "helper"}]),
     "assignments[0].role"),
    (make_solution_doc([{"volunteer": "v1", "shift": "s1", "role": "teacher", "x": 1}]),
     "assignments[0].x"),
])
def test_invalid_solution_names_its_path(doc, path):
    problem = parse_problem(make_doc())
    with pytest.raises(ProblemError) as info:
        parse_solution(doc, problem)
    assert path in paths_of(info.value.errors), info.value.errors


# --------------------------------------------------------------------------- files


def test_load_json_reads_utf8_with_or_without_bom(tmp_path):
    doc = make_doc(name="河畔社区 第49周")
    plain, bom = tmp_path / "plain.json", tmp_path / "bom.json"
    plain.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bom.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8-sig")
    assert load_json(str(plain)) == doc == load_json(str(bom))


@pytest.mark.parametrize("content, message", [
    (b"", "not valid JSON"),
    (b"{\"a\": Infinity}", "Infinity is not valid JSON"),
    ("{\"name\": \"社区\"}".encode("gb18030"), "not UTF-8"),
    (b"{\"a\": 1, \"a\": 2}", "duplicate key \"a\""),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    (b"{\"a\": 1" + b"0" * 5000 + b"}", "not valid JSON"),
])
def test_load_json_rejects_bad_files_with_one_line(tmp_path, content, message):
    path = tmp_path / "doc.json"
    path.write_bytes(content)
    with pytest.raises(ProblemError) as info:
        load_json(str(path))
    assert len(info.value.errors) == 1 and message in info.value.errors[0]
    assert info.value.errors[0].startswith(f"{path}: ")


def test_load_json_reports_missing_files_and_directories(tmp_path):
    for path in (tmp_path / "missing.json", tmp_path):
        with pytest.raises(ProblemError) as info:
            load_json(str(path))
        assert info.value.errors[0].startswith(f"{path}: cannot read file")


# --------------------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)

#: Values that hit the parser's corner cases more often than random text would.
interesting_values = st.sampled_from([
    None, True, False, 0, -1, 1, 7, 2.5, math.nan, math.inf, 10 ** 30, "", "x",
    "2026-12-07", "2026-12-07T09:00", "2026-12-14T09:00", "2026-02-30", "2026-12-07T25:00",
    "v1", "v2", "s1", "s2", "teacher", "helper", "Europe/Berlin", [], {}, ["a"],
    ["2026-12-07T08:00", "2026-12-07T07:00"], {"weight": 1}, {"activity": "duty"},
]).map(copy.deepcopy) | json_values  # copies: mutations must not edit the shared samples


def rich_doc() -> dict:
    """A valid document using every section, for mutation."""
    doc = json.loads((EXAMPLES / "riverside.json").read_text(encoding="utf-8"))
    return doc


def _containers(value: object, path: tuple = ()) -> list[tuple]:
    """Paths of every list and object inside `value`."""
    found = []
    if isinstance(value, dict):
        found.append(path)
        for key, child in value.items():
            found += _containers(child, path + (key,))
    elif isinstance(value, list):
        found.append(path)
        for i, child in enumerate(value):
            found += _containers(child, path + (i,))
    return found


def _at(value: object, path: tuple) -> object:
    for step in path:
        value = value[step]  # type: ignore[index]
    return value


@st.composite
def mutated_docs(draw) -> dict:
    """The rich document with a few random edits (replace, delete, insert)."""
    doc = rich_doc()
    for _ in range(draw(st.integers(1, 4))):
        containers = _containers(doc)
        target = _at(doc, draw(st.sampled_from(containers)))
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if isinstance(target, dict):
            if target and action != "insert":
                key = draw(st.sampled_from(sorted(target)))
                if action == "delete":
                    del target[key]
                else:
                    target[key] = draw(interesting_values)
            else:
                target[draw(st.text(max_size=8))] = draw(interesting_values)
        elif isinstance(target, list):
            if target and action != "insert":
                index = draw(st.integers(0, len(target) - 1))
                if action == "delete":
                    del target[index]
                else:
                    target[index] = draw(interesting_values)
            else:
                target.append(draw(interesting_values))
    return doc


def _assert_problem_or_listed_faults(doc: object) -> None:
    try:
        problem = parse_problem(doc)
    except ProblemError as error:
        assert error.errors
        for line in error.errors:
            assert isinstance(line, str) and ": " in line and "\n" not in line
    else:
        assert isinstance(problem, Problem)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fuzz_any_json_value_gives_a_problem_or_a_problem_error(doc):
    _assert_problem_or_listed_faults(doc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_docs())
def test_fuzz_mutated_documents_give_a_problem_or_a_problem_error(doc):
    _assert_problem_or_listed_faults(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_an_unknown_key_anywhere_is_reported_at_its_path(data):
    doc = rich_doc()
    objects = [p for p in _containers(doc) if isinstance(_at(doc, p), dict)
               and not _is_free_mapping(p)]
    where = data.draw(st.sampled_from(objects))
    _at(doc, where)["zz_unknown"] = data.draw(interesting_values)
    expected = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in where)
    expected = (expected + ".zz_unknown").lstrip(".")
    assert f"{expected}: unknown key" in errors_of(doc)


def _is_free_mapping(path: tuple) -> bool:
    """Objects whose keys are names chosen by the document (skills, activity caps)."""
    return bool(path) and path[-1] in ("skills", "max_shifts_per_activity")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_mutated_solutions_give_a_solution_or_a_problem_error(data):
    problem = parse_problem(rich_doc())
    doc = json.loads((EXAMPLES / "riverside-solution.json").read_text(encoding="utf-8"))
    containers = _containers(doc)
    target = _at(doc, data.draw(st.sampled_from(containers)))
    if isinstance(target, dict) and target:
        target[data.draw(st.sampled_from(sorted(target)))] = data.draw(interesting_values)
    elif isinstance(target, list) and target:
        target[data.draw(st.integers(0, len(target) - 1))] = data.draw(interesting_values)
    try:
        parse_solution(copy.deepcopy(doc), problem)
    except ProblemError as error:
        assert error.errors and all(": " in line for line in error.errors)
