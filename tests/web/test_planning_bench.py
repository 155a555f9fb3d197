"""The service-overhead benchmark's loader: a generated week put into the tables comes back
out of `export_week` as the same people and shifts (so the benchmark times a real export)."""

from __future__ import annotations

from bench.generate import generate
from bench.service_overhead import SLUG, WEEK, load_document
from scheduler.communities import community_by_slug
from scheduler.export import export_week
from solver.checker import check
from solver.engine import solve


def test_a_loaded_week_exports_as_the_same_people_and_shifts(app):
    source = generate("T", 0)
    load_document(source)
    export = export_week(community_by_slug(SLUG), WEEK)
    document = export.document
    by_name = {v["name"]: v for v in document["volunteers"]}
    assert len(by_name) == len(source["volunteers"])
    for original in source["volunteers"]:
        mine = by_name[original["name"]]
        assert mine.get("skills", {}) == original.get("skills", {})
        assert sorted(mine["groups"]) == sorted(original.get("groups", []))
        assert mine.get("history_minutes", 0) == original.get("history_minutes", 0)
        assert mine.get("days_off", []) == sorted(original.get("days_off", []))
        assert len(mine.get("unavailable", [])) == len(original.get("unavailable", []))
    assert sorted((s["start"], s["end"], len(s["roles"])) for s in document["shifts"]) == \
        sorted((s["start"], s["end"], len(s["roles"])) for s in source["shifts"])
    solution = solve(export.problem, time_limit=5, workers=1)
    assert check(export.problem, solution.assignments).ok
