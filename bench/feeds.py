"""Calendar feed benchmark: build times, the cost of a 304, and a loopback load test.

    python -m bench.feeds [--scale L] [--weeks 4] [--repeat 15] [--volunteers 20]
                          [--load-seconds 10] [--no-load-test]

Loads `--weeks` weeks of a generated document (`bench.feeds_data`: an L document is a
street office, 1,486 shifts and 2,610 volunteers a week, as one community) into a fresh
SQLite database, builds the feed ledger from the live tables, then measures (medians):

* building a volunteer's private feed and the community, activity, venue and team feeds,
  cold (every event serialised by icalendar) and warm (events cached in the ledger);
* answering a conditional request (one query, no build), in-process and over HTTP with
  Flask's test client, as a fraction of a build (target: < 1/10);
* the ledger's own work: building it from scratch, comparing it again with nothing changed,
  and following a re-plan that touches a week's shifts;
* with `wrk` installed (Debian package ``wrk``): requests per second against gunicorn on
  127.0.0.1 for a full build and for a 304 (`bench.feeds_load`).

Targets from issue 5: a volunteer feed in < 20 ms, the community feed of four L weeks in
< 1 s, a 304 in < 1/10 of a build.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Optional, Sequence

from sqlalchemy import func, select, update

from bench.baseline import run_baseline
from bench.feeds_data import busiest_volunteers, load_weeks
from bench.generate import SCALES, generate
from bench.stats import Column, fmt_float, fmt_int, format_table, machine_note, median
from scheduler import create_app, feeds
from scheduler.extensions import db
from scheduler.feed_ledger import reconcile_community, reconcile_scope, reconcile_shifts
from scheduler.feed_models import FeedEvent, FeedScope, ScopeKind
from scheduler.models import Activity, Community, Shift, SignUp, SignUpStatus, Team, Venue, VolunteerProfile
from solver.parse import parse_problem

#: Links in feeds use this base everywhere (FEED_BASE_URL), so in-process builds, the
#: test client and gunicorn share the ledger's cached events.
BASE_URL = "http://127.0.0.1:5000/"
PARAMS = feeds.RenderParams(
    locale="zh_Hans", base_url=BASE_URL,
    source_url=BASE_URL + "feeds/x.ics", page_url=BASE_URL + "calendar/jiangpan/",
)


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def repeat(fn: Callable[[], object], times: int) -> float:
    """Median seconds of `times` calls of `fn`."""
    return median(timed(fn) for _ in range(times))


def next_monday(today: Optional[date] = None) -> date:
    today = today or date.today()
    return today + timedelta(days=7 - today.weekday())


@dataclass
class BuildRow:
    """One feed's figures (seconds)."""

    feed: str
    events: int
    kilobytes: float
    cold: float
    warm: float
    not_modified: float

    @property
    def ratio_cold(self) -> float:
        return self.not_modified / self.cold

    @property
    def ratio_warm(self) -> float:
        return self.not_modified / self.warm


def clear_cache(scope_id: int) -> None:
    db.session.execute(update(FeedEvent).where(FeedEvent.scope_id == scope_id).values(ics=None, ics_key=None))
    db.session.commit()


def measure_feed(label: str, lookup: Callable[[], feeds.FeedRef], repeats: int, cold_repeats: int) -> BuildRow:
    """Cold and warm builds and the 304 path of one feed, in-process.

    `lookup` is the query a request for the feed runs (by token, or by slug and code); the
    304 figure is that query, the state and the ETag, as the view does before answering.
    """
    state = feeds.feed_state(lookup())
    events = db.session.scalar(select(func.count()).select_from(FeedEvent).where(FeedEvent.scope_id == state.scope_id))
    colds = []
    for _ in range(cold_repeats):
        clear_cache(state.scope_id)
        colds.append(timed(lambda: feeds.build_feed(state.scope_id, PARAMS)))
    body = feeds.build_feed(state.scope_id, PARAMS)
    warm = repeat(lambda: feeds.build_feed(state.scope_id, PARAMS), repeats)
    etag = state.etag(PARAMS)

    def conditional() -> None:
        assert feeds.feed_state(lookup()).etag(PARAMS) == etag

    return BuildRow(label, events, len(body) / 1024, median(colds), warm, repeat(conditional, repeats))


def biggest(kind: ScopeKind, community_id: int) -> int:
    """The ref id of the scope of `kind` with the most events."""
    return db.session.execute(
        select(FeedScope.ref_id)
        .join(FeedEvent, FeedEvent.scope_id == FeedScope.id)
        .where(FeedScope.kind == kind, FeedScope.community_id == community_id)
        .group_by(FeedScope.ref_id)
        .order_by(func.count(FeedEvent.id).desc())
        .limit(1)
    ).scalar_one()


SUBJECTS = {ScopeKind.ACTIVITY: Activity, ScopeKind.VENUE: Venue, ScopeKind.TEAM: Team}


def public_lookup(kind: ScopeKind, slug: str, ref_id: Optional[int] = None) -> Callable[[], feeds.FeedRef]:
    """The lookup a request for a public feed runs."""
    code = db.session.get(SUBJECTS[kind], ref_id).code if kind in SUBJECTS else None
    return lambda: feeds.public_feed(slug, kind, code)


def http_figures(app, token: str, repeats: int) -> list[tuple[str, float, float]]:
    """(feed, full GET, conditional GET) medians through Flask's test client."""
    client = app.test_client()
    out = []
    for label, url in (("volunteer (busiest)", f"/feeds/volunteer/{token}.ics"),
                       ("community", "/feeds/community/jiangpan.ics")):
        first = client.get(url)
        assert first.status_code == 200
        etag = first.headers["ETag"]
        full = repeat(lambda: client.get(url), repeats)

        def conditional() -> None:
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

        out.append((label, full, repeat(conditional, repeats)))
    return out


def unknown_token_seconds(app, repeats: int) -> float:
    """Median time of the 404 for a token that opens nothing (through the test client)."""
    client = app.test_client()
    url = "/feeds/volunteer/" + "A" * 43 + ".ics"

    def unknown() -> None:
        assert client.get(url).status_code == 404

    return repeat(unknown, repeats)


@dataclass
class Replan:
    """A re-plan of the first week: what it touched and what following it cost."""

    shifts: int
    volunteers: list[int]
    seconds: float


def replan_week(community_id: int, share: float, seed: int, *, warm: Callable[[list[int]], None]) -> Replan:
    """Remove `share` of the first week's confirmed sign-ups, as a published re-plan would,
    and time the ledger following it (what `schedule_changed` runs). `warm` is called with
    the volunteers about to lose a shift first, so their feeds are cached as in steady state."""
    first_week = db.session.scalar(select(func.min(Shift.week)).where(Shift.community_id == community_id))
    rows = db.session.scalars(
        select(SignUp).join(Shift, Shift.id == SignUp.shift_id)
        .where(Shift.week == first_week, SignUp.status == SignUpStatus.CONFIRMED)
        .order_by(SignUp.id)
    ).all()
    chosen = random.Random(seed).sample(rows, max(1, round(len(rows) * share)))
    volunteers = sorted({row.volunteer_id for row in chosen})
    shift_ids = sorted({row.shift_id for row in chosen})
    warm(volunteers)
    for row in db.session.scalars(select(SignUp).where(SignUp.id.in_([row.id for row in chosen]))):
        row.status = SignUpStatus.REMOVED
    db.session.commit()
    return Replan(len(shift_ids), volunteers, timed(lambda: reconcile_shifts(community_id, shift_ids)))


def volunteer_scope_ids(volunteer_ids: Sequence[int]) -> list[int]:
    return list(db.session.scalars(
        select(FeedScope.id).where(FeedScope.kind == ScopeKind.VOLUNTEER, FeedScope.ref_id.in_(volunteer_ids))
    ))


def warm_volunteers(volunteer_ids: list[int]) -> None:
    for scope_id in volunteer_scope_ids(volunteer_ids):
        feeds.build_feed(scope_id, PARAMS)


def first_builds_after_replan(volunteer_ids: list[int], slug: str) -> list[tuple[str, int, float]]:
    """(feed, events serialised again, seconds) of the first build after the re-plan: only
    the events it changed are serialised again, the rest comes from the ledger's cache."""
    times, changed = [], []
    for scope_id in volunteer_scope_ids(volunteer_ids):
        changed.append(_uncached(scope_id))
        times.append(timed(lambda: feeds.build_feed(scope_id, PARAMS)))
    out = [(f"volunteer (median of the {len(times)} who lost a shift)", round(median(changed)), median(times))]
    state = feeds.feed_state(feeds.public_feed(slug, ScopeKind.COMMUNITY))
    uncached = _uncached(state.scope_id)
    out.append(("community (all)", uncached, timed(lambda: feeds.build_feed(state.scope_id, PARAMS))))
    return out


def compare_one(scope_ids: Sequence[int]) -> float:
    """Median seconds of comparing single feeds with the live tables (nothing changed)."""
    return median(timed(lambda scope_id=scope_id: reconcile_scope(scope_id)) for scope_id in scope_ids)


def _uncached(scope_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(FeedEvent).where(FeedEvent.scope_id == scope_id, FeedEvent.ics.is_(None))
    )


def ms(value: float) -> str:
    return f"{value * 1000:,.1f}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="L", choices=sorted(SCALES))
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--cold-repeat", type=int, default=2)
    parser.add_argument("--volunteers", type=int, default=20, help="private feeds measured (the busiest)")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--no-load-test", action="store_true")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    database = f"sqlite:///{workdir / 'feeds.sqlite'}"
    app = create_app({
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database, "FEED_RECONCILE_SECONDS": 24 * 3600,
        "FEED_BASE_URL": BASE_URL,
    }, instance_path=str(workdir))
    print(f"# Calendar feeds, {args.scale} x {args.weeks} weeks; {machine_note()}")
    with app.app_context():
        db.create_all()
        doc = generate(args.scale, args.seed)
        baseline = run_baseline(parse_problem(doc))
        assert baseline.report.ok, baseline.report.violations[:5]
        loaded = load_weeks(doc, baseline.assignments, weeks=args.weeks, first_monday=next_monday())
        print(f"loaded: {loaded.volunteers:,} volunteers, {loaded.shifts:,} shifts, "
              f"{loaded.sign_ups:,} confirmed sign-ups (greedy roster, checker-valid) into {database}")

        ledger_first = timed(lambda: reconcile_community(db.session.get(Community, loaded.community_id)))
        ledger_again = repeat(lambda: reconcile_community(db.session.get(Community, loaded.community_id)), 3)
        events_total = db.session.scalar(select(func.count()).select_from(FeedEvent))
        scopes_total = db.session.scalar(select(func.count()).select_from(FeedScope))

        volunteer_ids = busiest_volunteers(loaded.community_id, args.volunteers)
        tokens = {}
        for volunteer_id in volunteer_ids:
            tokens[volunteer_id] = feeds.issue_token(db.session.get(VolunteerProfile, volunteer_id))
        db.session.commit()

        rows: list[BuildRow] = []
        volunteer_rows = [
            measure_feed("volunteer", lambda token=token: feeds.private_feed(token), args.repeat, args.cold_repeat)
            for token in tokens.values()
        ]
        rows.append(BuildRow(
            f"volunteer (median of the {len(volunteer_rows)} busiest)",
            round(median(r.events for r in volunteer_rows)), median(r.kilobytes for r in volunteer_rows),
            median(r.cold for r in volunteer_rows), median(r.warm for r in volunteer_rows),
            median(r.not_modified for r in volunteer_rows),
        ))
        slug = db.session.get(Community, loaded.community_id).slug
        rows.append(measure_feed("community (all)", public_lookup(ScopeKind.COMMUNITY, slug),
                                 args.repeat, args.cold_repeat))
        for kind in (ScopeKind.ACTIVITY, ScopeKind.VENUE, ScopeKind.TEAM):
            lookup = public_lookup(kind, slug, biggest(kind, loaded.community_id))
            rows.append(measure_feed(f"{kind.value} (biggest)", lookup, args.repeat, args.cold_repeat))

        busiest_token = tokens[volunteer_ids[0]]
        http = http_figures(app, busiest_token, args.repeat)
        unknown_404 = unknown_token_seconds(app, args.repeat)
        community_scope = feeds.feed_state(feeds.public_feed(slug, ScopeKind.COMMUNITY)).scope_id
        compare_community = compare_one([community_scope] * 3)
        compare_volunteer = compare_one(volunteer_scope_ids(volunteer_ids))
        replan = replan_week(loaded.community_id, 0.05, args.seed, warm=warm_volunteers)
        after_replan = first_builds_after_replan(replan.volunteers[:args.volunteers], slug)

    print()
    print(format_table(
        [Column("feed", align="<"), Column("events", fmt_int), Column("KiB", fmt_float(0)),
         Column("cold build ms", ms), Column("warm build ms", ms), Column("304 path ms", ms),
         Column("304/cold", fmt_float(3)), Column("304/warm", fmt_float(3))],
        [(r.feed, r.events, r.kilobytes, r.cold, r.warm, r.not_modified, r.ratio_cold, r.ratio_warm) for r in rows],
    ))
    print("\ncold: every VEVENT serialised by icalendar; warm: events cached in the ledger; "
          "304 path: the request's one lookup query + state + ETag, no build.")
    print()
    print(format_table(
        [Column("over HTTP (Flask test client)", align="<"), Column("200 ms", ms), Column("304 ms", ms),
         Column("304/200", fmt_float(3))],
        [(label, full, conditional, conditional / full) for label, full, conditional in http],
    ))
    print(f"unknown token: 404 in {ms(unknown_404)} ms (median)")
    print()
    print(format_table(
        [Column("ledger work", align="<"), Column("seconds", fmt_float(2))],
        [(f"build the ledger from the live tables ({events_total:,} events in {scopes_total:,} feeds)", ledger_first),
         ("compare it all again, nothing changed (median of 3)", ledger_again),
         ("compare the community feed alone, nothing changed (median of 3)", compare_community),
         ("compare one volunteer's feed, nothing changed (median)", compare_volunteer),
         (f"follow a re-plan removing 5% of week 1's sign-ups ({replan.shifts} shifts, "
          f"{len(replan.volunteers)} volunteers)", replan.seconds)],
    ))
    print()
    print(format_table(
        [Column("first build after the re-plan", align="<"), Column("events re-serialised", fmt_int),
         Column("ms", ms)],
        after_replan,
    ))
    if not args.no_load_test:
        from bench.feeds_load import load_test

        print()
        print(load_test(database, str(workdir), busiest_token, base_url=BASE_URL, seconds=args.load_seconds))
    print(f"\n(data kept in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
