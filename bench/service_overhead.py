"""The web service's overhead around the engine: export a week from the database, and write
the engine's answer back, against the solve itself.

Two parts, each printing a table with medians:

* ``L`` (default): the engine benchmark's L-scale week (`bench.generate`, a street office:
  about 2,600 volunteers and 1,500 shifts) is loaded into a fresh database as one community
  (people, teams, grids, skills, weekly availability, busy times, leave, limits, liked
  activities, and past shifts that give each volunteer their ``history_minutes``), then
  timed: ``export`` (rows to the parsed document, plus the JSON the run row keeps),
  ``solve`` (the engine, once), ``write-back`` (the independent check of the answer, the
  draft rows, the commit). Target: export + write-back under 10% of the solve.
  What the service's tables cannot hold is left out of the loaded week (per-activity caps,
  preferences for a weekday/venue/shift, travel time, forbidden successions), and a duty run
  at the same time in several communities becomes one activity per area; the solve is of
  the document the service itself exports.
* ``--demo``: the demo community (`scheduler.demo`): generating and exporting a fresh week
  (target under 1 s) and one whole auto-schedule, export to write-back, as the web service
  runs it (target: a proven optimum in under 15 s).

    python -m bench.service_overhead [--time-limit 120] [--repeats 3] [--workers 2]
    python -m bench.service_overhead --demo [--time-limit 60]
    (add --database-url postgresql://... to measure on PostgreSQL instead of SQLite)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Optional

from bench.generate import generate
from bench.stats import Column, Stopwatch, fmt_float, fmt_percent, format_table, machine_note, median

log = logging.getLogger(__name__)

WEEK = "2026-W50"  # bench.generate's week starts on Monday 2026-12-07
SLUG = "street-office"


def make_app(database_url: Optional[str], directory: Path):
    """An app on a fresh database (a SQLite file in `directory` unless a URL is given)."""
    from scheduler import create_app
    from scheduler.extensions import db

    url = database_url or f"sqlite:///{directory / 'bench.sqlite'}"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


# --------------------------------------------------------------------------- loading L


def _time(text: str) -> time:
    return datetime.fromisoformat(text).time()


def _weekly_windows(intervals: list[list[str]]) -> list[tuple[int, time, time]]:
    """Absolute intervals as (weekday, start, end) windows; midnight ends become 23:59."""
    windows = []
    for start_text, end_text in intervals:
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
        while start < end:
            day_end = datetime.combine(start.date() + timedelta(days=1), time())
            stop = min(end, day_end)
            windows.append((start.weekday(), start.time(), time(23, 59) if stop == day_end else stop.time()))
            start = stop
    return windows


def load_document(doc: dict) -> int:
    """Load a generated week into a new community; returns the number of volunteers."""
    from scheduler.accounts import hash_password
    from scheduler.communities import create_community
    from scheduler.extensions import db
    from scheduler.models import (
        Activity, ActivityKind, ActivityPreference, Availability, BusyTime, Grid, LeaveDate, Role, Shift,
        ShiftRole, ShiftRoleSkill, SignUp, SignUpSource, SignUpStatus, Skill, SupervisionRule, Team, User,
        Venue, VolunteerProfile, VolunteerSkill,
    )

    community = create_community(SLUG, "长江街道（L 规模）")
    teams = {team.code: team for team in community.teams}
    grids: dict[str, Grid] = {}
    skills: dict[str, Skill] = {}
    venues: dict = {}
    activities: dict[str, Activity] = {}

    def team(code):
        if code not in teams:
            teams[code] = Team(community=community, code=code, name=code)
        return teams[code]

    def grid(code):
        if code not in grids:
            grids[code] = Grid(community=community, code=code, name=code)
        return grids[code]

    def skill(code):
        if code not in skills:
            skills[code] = Skill(community=community, code=code, name=code)
        return skills[code]

    def venue(code):
        if code not in venues:
            venues[code] = Venue(community=community, code=code, name=code)
        return venues[code]

    # An activity runs at one time once in the service's tables; codes whose shifts clash
    # (the same duty in several communities at once) become one activity per area.
    starts = defaultdict(set)
    clashing = set()
    for shift_doc in doc["shifts"]:
        if shift_doc["start"] in starts[shift_doc["activity"]]:
            clashing.add(shift_doc["activity"])
        starts[shift_doc["activity"]].add(shift_doc["start"])

    def activity(shift_doc):
        code = shift_doc["activity"]
        if code in clashing:
            code = f"{code}@{shift_doc.get('area') or shift_doc.get('venue')}"
        if code not in activities:
            start = datetime.fromisoformat(shift_doc["start"])
            end = datetime.fromisoformat(shift_doc["end"])
            activities[code] = Activity(community=community, code=code, kind=ActivityKind.DUTY,
                                        title=shift_doc.get("title", code), start_time=start.time(),
                                        end_time=end.time(), valid_from=start.date())
            activities[code].supervision_rules = [
                SupervisionRule(team=team(rule["group"]), by_teams=[team(code) for code in rule["by"]])
                for rule in shift_doc.get("supervision", [])
            ]
        return activities[code]

    for shift_doc in doc["shifts"]:
        start, end = datetime.fromisoformat(shift_doc["start"]), datetime.fromisoformat(shift_doc["end"])
        db.session.add(Shift(
            community=community, activity=activity(shift_doc), starts_at=start, ends_at=end,
            title=shift_doc.get("title", ""), venue=venue(shift_doc["venue"]) if "venue" in shift_doc else None,
            grid=grid(shift_doc["area"]) if "area" in shift_doc else None,
            roles=[ShiftRole(name=r["role"], position=i, need=r["need"], max=r.get("max"),
                             continuity=r.get("continuity", False),
                             skills=[ShiftRoleSkill(skill=skill(code), min_level=level)
                                     for code, level in r.get("skills", {}).items()],
                             teams=[team(code) for code in r.get("groups", [])])
                   for i, r in enumerate(shift_doc["roles"])],
        ))
    db.session.flush()

    password = hash_password("bench-password")
    monday = date.fromisoformat(doc["horizon"]["start"])
    history_activity = Activity(community=community, code="history", kind=ActivityKind.DUTY, title="往期服务",
                                start_time=time(0), end_time=time(0), valid_from=monday - timedelta(weeks=4))
    db.session.add(history_activity)
    past_service = []
    for number, v in enumerate(doc["volunteers"], start=1):
        limits = v.get("limits", {})
        profile = VolunteerProfile(
            max_shifts_per_day=limits.get("max_shifts_per_day"), max_shifts_per_week=limits.get("max_shifts"),
            max_minutes_per_week=limits.get("max_minutes"), min_rest_minutes=limits.get("min_rest_minutes"),
            max_consecutive_days=limits.get("max_consecutive_days"),
        )
        user = User(community=community, mobile=f"1{number:010d}", password_hash=password,
                    display_name=v.get("name") or v["id"], role=Role.VOLUNTEER, profile=profile)
        db.session.add(user)
        profile.teams = [team(code) for code in v.get("groups", [])]
        profile.grids = [grid(code) for code in v.get("areas", [])]
        profile.skills = [VolunteerSkill(skill=skill(code), level=level) for code, level in v.get("skills", {}).items()]
        if "available" in v:
            profile.availability = [Availability(weekday=d, start_time=s, end_time=e)
                                    for d, s, e in _weekly_windows(v["available"])]
        profile.busy_times = [BusyTime(starts_at=datetime.fromisoformat(a), ends_at=datetime.fromisoformat(b))
                              for a, b in v.get("unavailable", [])]
        profile.leave_dates = [LeaveDate(start_date=date.fromisoformat(d), end_date=date.fromisoformat(d))
                               for d in v.get("days_off", [])]
        profile.preferences = [ActivityPreference(activity=activities[p["activity"]], weight=p["weight"])
                               for p in v.get("prefers", []) if "activity" in p and p["activity"] in activities]
        minutes = int(v.get("history_minutes", 0))
        if minutes:
            past_service.append((profile, minutes, number))
    # Past service: one shift per volunteer in the four weeks before, as long as their history.
    for profile, minutes, number in past_service:
        start = datetime.combine(monday - timedelta(days=1 + number % 27), time()) + timedelta(minutes=number // 27)
        shift = Shift(community=community, activity=history_activity, starts_at=start,
                      ends_at=start + timedelta(minutes=minutes), title="往期服务",
                      roles=[ShiftRole(name="志愿者", need=1)])
        db.session.add(shift)
        db.session.add(SignUp(volunteer=profile, shift_role=shift.roles[0], status=SignUpStatus.CONFIRMED,
                              source=SignUpSource.SCHEDULER))
    db.session.commit()
    return len(doc["volunteers"])


def bench_l(args: argparse.Namespace, directory: Path) -> str:
    """Load L, then time export, solve and write-back."""
    from scheduler.communities import community_by_slug
    from scheduler.export import export_week, write_draft
    from scheduler.extensions import db
    from solver.checker import check
    from solver.engine import solve

    app = make_app(args.database_url, directory)
    doc = generate("L", args.seed)
    rows = []
    with app.app_context():
        watch = Stopwatch()
        volunteers = load_document(doc)
        load_seconds = watch.seconds
        community = community_by_slug(SLUG)
        exports, writes = [], []
        export = None
        for _ in range(args.repeats):
            db.session.expire_all()
            watch = Stopwatch()
            export = export_week(community, WEEK)
            json.dumps(export.document, ensure_ascii=False)
            db.session.commit()
            exports.append(watch.seconds)
        watch = Stopwatch()
        solution = solve(export.problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
        solve_seconds = watch.seconds
        for _ in range(args.repeats):
            watch = Stopwatch()
            report = check(export.problem, solution.assignments)
            json.dumps([u.to_dict() for u in solution.unfilled], ensure_ascii=False)
            write_draft(community, WEEK, solution.assignments, pins=export.pins)
            db.session.commit()
            writes.append(watch.seconds)
        assert report.ok, report.violations[:5]
        overhead = median(exports) + median(writes)
        rows.append(["L", volunteers, len(export.problem.shifts), len(solution.assignments), load_seconds,
                     median(exports), solve_seconds, median(writes), overhead / solve_seconds,
                     solution.status, sum(u.missing for u in solution.unfilled)])
    columns = [Column("scale", align="<"), Column("volunteers"), Column("shifts"), Column("assignments"),
               Column("load s", fmt_float(1)), Column("export s", fmt_float(2)), Column("solve s", fmt_float(1)),
               Column("write-back s", fmt_float(2)), Column("overhead", fmt_percent(1)),
               Column("status", align="<"), Column("unfilled")]
    return (format_table(columns, rows)
            + f"\n(export and write-back: medians of {args.repeats}; solve: one run, time limit "
              f"{args.time_limit:g} s, {args.workers} workers; overhead = (export + write-back) / solve)")


# --------------------------------------------------------------------------- the demo


def bench_demo(args: argparse.Namespace, directory: Path) -> str:
    """Generate + export fresh demo weeks, then one whole auto-schedule."""
    from scheduler import planning
    from scheduler.communities import community_by_slug
    from scheduler.demo import DEMO_SLUG, load_demo
    from scheduler.export import export_week
    from scheduler.extensions import db
    from scheduler.weeks import generate_week, shift_week

    app = make_app(args.database_url, directory)
    app.config["SOLVER_WORKERS"] = args.workers
    rows = []
    with app.app_context():
        load_demo(today=date(2026, 11, 28))
        db.session.commit()
        community = community_by_slug(DEMO_SLUG)
        timings = defaultdict(list)
        weeks = [shift_week(WEEK, n) for n in range(args.repeats)]
        for week in weeks:
            watch = Stopwatch()
            generation = generate_week(community, week)
            db.session.commit()
            generated = watch.seconds
            export = export_week(community, week)
            json.dumps(export.document, ensure_ascii=False)
            timings["generate"].append(generated)
            timings["export"].append(watch.seconds - generated)
            timings["both"].append(watch.seconds)
        shifts = generation.active
        volunteers = len(export.problem.volunteers)
        run = planning.start_run(community, WEEK, time_limit=args.time_limit)
        db.session.commit()
        watch = Stopwatch()
        run = planning.run_schedule(run.id, workers=args.workers)
        whole = watch.seconds
        rows.append(["demo", volunteers, shifts, median(timings["generate"]), median(timings["export"]),
                     median(timings["both"]), whole, run.seconds, run.solver_status, run.unfilled_places,
                     run.best_objective, run.bound])
    columns = [Column("week", align="<"), Column("volunteers"), Column("shifts"), Column("generate s", fmt_float(3)),
               Column("export s", fmt_float(3)), Column("generate+export s", fmt_float(3)),
               Column("auto-schedule s", fmt_float(1)), Column("engine s", fmt_float(1)),
               Column("status", align="<"), Column("unfilled"), Column("objective", fmt_float(1)),
               Column("bound", fmt_float(1))]
    return (format_table(columns, rows)
            + f"\n(generate/export: medians over {args.repeats} fresh weeks; auto-schedule: export, solve "
              f"(time limit {args.time_limit:g} s, {args.workers} workers), check and write-back of {WEEK})")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.service_overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", action="store_true", help="measure the demo community instead of L")
    parser.add_argument("--time-limit", type=float, default=None, help="engine seconds (L: 120, demo: 60)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the timed service steps")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="a database to use (emptied!) instead of a temporary SQLite file")
    args = parser.parse_args(argv)
    if args.time_limit is None:
        args.time_limit = 60.0 if args.demo else 120.0
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="service-overhead-") as directory:
        table = (bench_demo if args.demo else bench_l)(args, Path(directory))
    print(machine_note())
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
