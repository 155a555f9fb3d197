"""Fixtures shared by every test area that needs the web service and its database.

- ``database`` (session scope) is parametrised: SQLite always, and PostgreSQL again when
  ``TEST_DATABASE_URL`` is set (a private schema per test session, so several people can
  run the suite at once against one server). The schema is created once per session with
  ``create_all`` (``tests/web/test_migrations.py`` checks the migrations give the same).
- ``app`` is a fresh app per test on emptied tables, with an app context pushed so the
  test can use ``db.session`` and the factories directly.
- ``client`` runs each request in its own app context and database session, as a real
  server would; it commits the test's session first, so the view sees the test's data and
  the test sees only what the view committed.
- Factories return callables, flaskr/Indico style: ``make_community``, ``make_volunteer``,
  ``make_coordinator``, ``make_activity``, ``make_shift``. Accounts they create have the
  password `DEFAULT_PASSWORD`.
- ``@pytest.mark.app_config(KEY=value)`` overrides settings of the test's app.
"""

from __future__ import annotations

import itertools
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from scheduler import create_app
from scheduler.accounts import create_coordinator, register_volunteer
from scheduler.communities import create_community, skill_by_code, team_by_code
from scheduler.config import PROJECT_ROOT, normalise_database_url
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityKind,
    ActivityRole,
    ActivityRoleSkill,
    Availability,
    Community,
    Grid,
    Shift,
    Skill,
    SupervisionRule,
    User,
    Venue,
)
from web.i18n import compile_catalogues

DEFAULT_PASSWORD = "correct-horse-9"

#: Settings of every test app: cheap password hashing, no CSRF (tests that check CSRF turn
#: it back on with the app_config marker).
BASE_TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST_KIB": 8,
    "ARGON2_PARALLELISM": 1,
    "DEFAULT_COMMUNITY": "demo",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**settings): override configuration keys of the test's app"
    )


def database_backends() -> list[str]:
    """The databases the suite runs on: SQLite, plus PostgreSQL if TEST_DATABASE_URL is set."""
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@dataclass(frozen=True)
class TestDatabase:
    """Where a test session's database lives and how to connect to it."""

    __test__ = False  # not a test class, despite the name

    backend: str
    uri: str
    engine_options: Mapping[str, Any] = field(default_factory=dict)

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A complete test configuration for an app on this database."""
        return {
            **BASE_TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": self.uri,
            "SQLALCHEMY_ENGINE_OPTIONS": dict(self.engine_options),
            **overrides,
        }


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile stale .po catalogues, so a bare ``pytest`` on a fresh clone has them."""
    compile_catalogues(PROJECT_ROOT)


def postgresql_schema(url: str, prefix: str = "test") -> tuple[str, dict[str, Any]]:
    """Create a private schema on the TEST_DATABASE_URL server; returns it and engine options."""
    schema = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema, {"connect_args": {"options": f"-csearch_path={schema}"}}


def drop_postgresql_schema(url: str, schema: str) -> None:
    """Drop a schema made by `postgresql_schema`."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session", params=database_backends())
def database(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[TestDatabase]:
    """The test session's database, with every table created."""
    schema = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite"
        database = TestDatabase("sqlite", f"sqlite:///{path}")
    else:
        url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
        schema, options = postgresql_schema(url)
        database = TestDatabase("postgresql", url, options)
    app = create_app(database.config())
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield database
    if schema is not None:
        drop_postgresql_schema(database.uri, schema)


def empty_all_tables(backend: str) -> None:
    """Delete every row of every mapped table (ids restart at 1)."""
    tables = db.metadata.sorted_tables
    if backend == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database: TestDatabase, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """A fresh app on empty tables, inside an app context."""
    overrides: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("app_config"))):
        overrides.update(marker.kwargs)
    app = create_app(database.config(**overrides))
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    with app.app_context():
        empty_all_tables(database.backend)
        yield app
        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context and database session.

    The test's own session is committed first, as nothing uncommitted would be visible to
    another process either; the fresh app context is torn down (and its session removed)
    after each request.
    """

    def open(self, *args: Any, **kwargs: Any):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    """A CLI runner whose commands run in their own app context, like `IsolatedClient`."""

    def invoke(self, *args: Any, **kwargs: Any):
        db.session.commit()
        with self.app.app_context():
            return super().invoke(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app` (see `IsolatedClient`)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of `app`: ``runner.invoke(args=["demo"])``."""
    return app.test_cli_runner()


# --------------------------------------------------------------------------- factories


class Factories:
    """Builders of test data; each commits and returns the new object."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._community: Optional[Community] = None

    def _next(self) -> int:
        return next(self._numbers)

    def default_community(self) -> Community:
        """The community used when a factory is given none (created on first use)."""
        if self._community is None:
            self._community = self.make_community(slug="test", name="测试社区")
        return self._community

    def make_community(self, slug: Optional[str] = None, name: Optional[str] = None, **kwargs: Any) -> Community:
        """A community with the four default teams."""
        number = self._next()
        community = create_community(slug or f"community-{number}", name or f"社区{number}", **kwargs)
        db.session.commit()
        return community

    def skill(self, community: Community, code: str) -> Skill:
        """The skill `code` of `community`, created when missing."""
        skill = skill_by_code(community, code)
        if skill is None:
            skill = Skill(community=community, code=code, name=code)
            db.session.add(skill)
            db.session.flush()
        return skill

    def make_volunteer(
        self,
        community: Optional[Community] = None,
        *,
        name: Optional[str] = None,
        mobile: Optional[str] = None,
        password: str = DEFAULT_PASSWORD,
        teams: Sequence[str] = ("student",),
        skills: Mapping[str, int] | Sequence[str] = (),
        availability: Optional[Sequence[tuple[int, str, str]]] = None,
        grids: Sequence[str] = (),
        **limits: Optional[int],
    ) -> User:
        """A volunteer account with a profile.

        `teams` are team codes, `skills` skill codes (a mapping gives levels; missing skills
        are created), `availability` ``(weekday, "HH:MM", "HH:MM")`` windows (None: always
        available), `grids` grid codes (created when missing), `limits` profile columns such
        as ``max_shifts_per_week=2``.
        """
        community = community or self.default_community()
        number = self._next()
        levels = dict(skills) if isinstance(skills, Mapping) else {code: 1 for code in skills}
        user = register_volunteer(
            community,
            name=name or f"志愿者{number}",
            mobile=mobile or f"1370000{number:04d}",
            password=password,
            teams=[self._team(community, code) for code in teams],
            skills={self.skill(community, code): level for code, level in levels.items()},
        )
        profile = user.profile
        for key, value in limits.items():
            if not hasattr(profile, key):
                raise TypeError(f"VolunteerProfile has no limit {key!r}")
            setattr(profile, key, value)
        if availability is not None:
            profile.availability = [
                Availability(weekday=day, start_time=_time(start), end_time=_time(end))
                for day, start, end in availability
            ]
        profile.grids = [self.grid(community, code) for code in grids]
        db.session.commit()
        return user

    def make_coordinator(
        self,
        community: Optional[Community] = None,
        *,
        name: Optional[str] = None,
        mobile: Optional[str] = None,
        password: str = DEFAULT_PASSWORD,
    ) -> User:
        """A coordinator account of `community`."""
        community = community or self.default_community()
        number = self._next()
        user = create_coordinator(
            community,
            name=name or f"协调员{number}",
            mobile=mobile or f"1360000{number:04d}",
            password=password,
        )
        db.session.commit()
        return user

    def grid(self, community: Community, code: str) -> Grid:
        """The grid `code` of `community`, created when missing."""
        grid = next((grid for grid in community.grids if grid.code == code), None)
        if grid is None:
            grid = Grid(community=community, code=code, name=code)
            db.session.add(grid)
            db.session.flush()
        return grid

    def venue(self, community: Community, code: str) -> Venue:
        """The venue `code` of `community`, created when missing."""
        venue = next((venue for venue in community.venues if venue.code == code), None)
        if venue is None:
            venue = Venue(community=community, code=code, name=code, address=f"{code} 1号")
            db.session.add(venue)
            db.session.flush()
        return venue

    def make_activity(
        self,
        community: Optional[Community] = None,
        *,
        code: Optional[str] = None,
        title: Optional[str] = None,
        kind: str = "class",
        weekdays: Sequence[int] = (0,),
        start: str = "09:00",
        end: str = "11:00",
        venue: Optional[str] = None,
        grid: Optional[str] = None,
        roles: Optional[Sequence[Mapping[str, Any]]] = None,
        supervision: Optional[Mapping[str, Sequence[str]]] = None,
        valid_from: date = date(2026, 1, 1),
        valid_until: Optional[date] = None,
    ) -> Activity:
        """An activity; `roles` are dicts ``name, need, max, skills {code: level}, teams
        [codes], continuity`` (default: one role "志愿者" needing 1); `supervision` maps a
        supervised team code to the team codes that supervise it."""
        community = community or self.default_community()
        number = self._next()
        activity = Activity(
            community=community,
            code=code or f"activity-{number}",
            kind=ActivityKind(kind),
            title=title or f"活动{number}",
            start_time=_time(start),
            end_time=_time(end),
            venue=self.venue(community, venue) if venue else None,
            grid=self.grid(community, grid) if grid else None,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        activity.weekdays = weekdays
        db.session.add(activity)
        for position, spec in enumerate(roles or [{"name": "志愿者", "need": 1}]):
            activity.roles.append(
                ActivityRole(
                    name=spec["name"],
                    position=position,
                    need=spec.get("need", 1),
                    max=spec.get("max"),
                    continuity=spec.get("continuity", False),
                    skills=[
                        ActivityRoleSkill(skill=self.skill(community, skill_code), min_level=level)
                        for skill_code, level in dict(spec.get("skills", {})).items()
                    ],
                    teams=[self._team(community, team_code) for team_code in spec.get("teams", ())],
                )
            )
        for team_code, by_codes in (supervision or {}).items():
            activity.supervision_rules.append(
                SupervisionRule(
                    team=self._team(community, team_code),
                    by_teams=[self._team(community, by) for by in by_codes],
                )
            )
        db.session.commit()
        return activity

    def make_shift(
        self, activity: Optional[Activity] = None, *, day: date = date(2026, 12, 7), **activity_kwargs: Any
    ) -> Shift:
        """A shift of `activity` (made with `activity_kwargs` when not given) on `day`."""
        activity = activity or self.make_activity(**activity_kwargs)
        shift = Shift.from_activity(activity, day, one_off=not activity.occurs_on(day))
        db.session.add(shift)
        db.session.commit()
        return shift

    @staticmethod
    def _team(community: Community, code: str):
        team = team_by_code(community, code)
        if team is None:
            raise ValueError(f"community {community.slug} has no team {code!r}")
        return team


def _time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@pytest.fixture
def factories(app: Flask) -> Factories:
    """All builders of one test, sharing a default community."""
    return Factories()


@pytest.fixture
def make_community(factories: Factories):
    """``make_community(slug=None, name=None, **kwargs) -> Community``."""
    return factories.make_community


@pytest.fixture
def make_volunteer(factories: Factories):
    """``make_volunteer(community=None, *, teams=("student",), skills=..., availability=...) -> User``."""
    return factories.make_volunteer


@pytest.fixture
def make_coordinator(factories: Factories):
    """``make_coordinator(community=None, *, name=None, mobile=None) -> User``."""
    return factories.make_coordinator


@pytest.fixture
def make_activity(factories: Factories):
    """``make_activity(community=None, *, roles=[...], weekdays=(0,), start, end, ...) -> Activity``."""
    return factories.make_activity


@pytest.fixture
def make_shift(factories: Factories):
    """``make_shift(activity=None, *, day=date(2026, 12, 7), **activity_kwargs) -> Shift``."""
    return factories.make_shift


@pytest.fixture
def community(factories: Factories) -> Community:
    """The default test community (slug ``test``), shared with the factories."""
    return factories.default_community()


def project_path(*parts: str) -> Path:
    """A path inside the repository."""
    return PROJECT_ROOT.joinpath(*parts)
