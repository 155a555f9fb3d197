"""A small community week for the planning tests, and helpers to run the engine on it.

`small_week` builds, in the default test community, one week (2026-W50, Monday 7 to Sunday
13 December 2026) that the engine solves in well under a second: a calligraphy class on
Tuesday and Thursday, a desk duty on Monday, a museum duty on Saturday (students supervised
by adults) and a baking class on Saturday whose instructor nobody qualifies for (always
unfilled, with reasons). Eight volunteers with skills, teams, availability and limits.

Test modules import the fixture: ``from tests.web.planning_fixtures import small_week  # noqa: F401``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from scheduler import planning
from scheduler.extensions import db
from scheduler.models import Activity, Community, Shift, User
from scheduler.planning_models import ScheduleRun
from scheduler.weeks import generate_week
from tests.conftest import Factories

WEEK = "2026-W50"
MONDAY = date(2026, 12, 7)
#: Small CP-SAT settings for tests (GUIDE.md: workers <= 2, a few seconds).
TEST_WORKERS = 1
TEST_TIME_LIMIT = 10

WEEKDAY_MORNINGS = [(day, "08:00", "12:00") for day in range(5)]
OFFICE_HOURS = [(day, "08:30", "17:30") for day in range(5)]
WEEKENDS = [(day, "08:00", "18:00") for day in (5, 6)]


@dataclass
class SmallWeek:
    """The community, its activities and volunteers (by short name) and the generated week."""

    community: Community
    week: str
    activities: dict[str, Activity]
    volunteers: dict[str, User]
    coordinator: User

    def shifts(self) -> list[Shift]:
        """The week's shifts, by start."""
        return sorted((s for a in self.activities.values() for s in a.shifts if s.week == self.week),
                      key=lambda s: (s.starts_at, s.id))

    def shift(self, activity: str, weekday: int = None) -> Shift:
        """The shift of `activity` (on `weekday`, 0 = Monday, if it has several)."""
        found = [s for s in self.shifts() if s.activity.code == activity
                 and (weekday is None or s.starts_at.weekday() == weekday)]
        assert len(found) == 1, f"{activity} {weekday}: {found}"
        return found[0]


def build_small_week(factories: Factories, community: Community, *, generate: bool = True) -> SmallWeek:
    """Build the small week in `community` with `factories` (see the module docstring);
    usable outside a test's app fixture (the browser tests seed a live server with it)."""
    make_activity, make_volunteer = factories.make_activity, factories.make_volunteer
    activities = {
        "calligraphy": make_activity(
            community, code="calligraphy", title="书画班", weekdays=(1, 3), start="09:00", end="11:00",
            venue="reading-room",
            roles=[{"name": "讲师", "need": 1, "skills": {"calligraphy": 3}, "continuity": True},
                   {"name": "助教", "need": 1, "max": 2, "skills": {"calligraphy": 1}}]),
        "desk": make_activity(
            community, code="desk", title="服务站值班", kind="duty", weekdays=(0,), start="08:30", end="12:00",
            venue="station", roles=[{"name": "接待", "need": 2, "skills": {"reception": 1}}]),
        "museum": make_activity(
            community, code="museum", title="科普馆值班", kind="duty", weekdays=(5,), start="09:00", end="12:00",
            venue="museum", supervision={"student": ["retired_cadre", "social_worker", "party_member"]},
            roles=[{"name": "讲解员", "need": 2, "skills": {"science": 1}},
                   {"name": "值班负责人", "need": 1, "teams": ["retired_cadre", "social_worker", "party_member"]}]),
        "baking": make_activity(
            community, code="baking", title="烘焙班", weekdays=(5,), start="14:00", end="16:00",
            venue="service-centre", roles=[{"name": "讲师", "need": 1, "skills": {"baking": 2}}]),
    }
    volunteers = {
        "wang": make_volunteer(community, name="王秀英", teams=("retired_cadre",),
                               skills={"calligraphy": 3, "reception": 1},
                               availability=WEEKDAY_MORNINGS, max_shifts_per_day=1, max_minutes_per_week=480),
        "li": make_volunteer(community, name="李建国", teams=("retired_cadre", "party_member"),
                             skills={"calligraphy": 1, "reception": 1},
                             availability=WEEKDAY_MORNINGS + WEEKENDS, max_shifts_per_week=3),
        "zhang": make_volunteer(community, name="张静", teams=("social_worker",), skills={"reception": 2},
                                availability=OFFICE_HOURS, max_minutes_per_week=900),
        "zhao": make_volunteer(community, name="赵子涵", teams=("student",), skills={"science": 2},
                               availability=WEEKENDS),
        "qian": make_volunteer(community, name="钱欣怡", teams=("student",), skills={"science": 1, "baking": 1},
                               availability=WEEKENDS, max_shifts_per_day=2),
        "sun": make_volunteer(community, name="孙伟", teams=("party_member",), skills={"reception": 1}),
        "zhou": make_volunteer(community, name="周淑珍", teams=("retired_cadre",), skills={"calligraphy": 2},
                               availability=WEEKDAY_MORNINGS + WEEKENDS),
        "wu": make_volunteer(community, name="吴明轩", teams=("student",), skills={"science": 1, "reception": 1},
                             availability=WEEKENDS),
    }
    coordinator = factories.make_coordinator(community)
    if generate:
        generate_week(community, WEEK)
        db.session.commit()
    return SmallWeek(community, WEEK, activities, volunteers, coordinator)


@pytest.fixture
def small_week(community, factories) -> SmallWeek:
    """The small community week, generated (not scheduled)."""
    return build_small_week(factories, community)


def run_now(community: Community, week: str = WEEK, **kwargs) -> ScheduleRun:
    """Queue a run and execute it in this thread (small engine settings); returns it."""
    kwargs.setdefault("time_limit", TEST_TIME_LIMIT)
    start = planning.start_replan if kwargs.pop("replan", False) else planning.start_run
    run = start(community, week, **kwargs)
    db.session.commit()
    result = planning.run_schedule(run.id, workers=TEST_WORKERS)
    assert result is not None
    return result
