"""The demo community and the account commands of the CLI."""

from __future__ import annotations

import re
from collections import Counter
from datetime import time

import pytest
from sqlalchemy import func, select

from scheduler.communities import community_by_slug
from scheduler.demo import ACTIVITIES, COORDINATOR_PASSWORD, VOLUNTEER_PASSWORD
from scheduler.extensions import db
from scheduler.models import Community, Role, User, volunteers_of
from tests.conftest import empty_all_tables
from tests.web.conftest import page_text

LOGIN_LINE = re.compile(r"^\s+(coordinator|volunteer)\s+(\S+)\s+mobile (\d{11})\s+password (\S+)$", re.M)


@pytest.fixture
def demo(runner):
    """Run ``flask demo``; returns (community, printed logins)."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return community_by_slug("demo"), LOGIN_LINE.findall(result.output)


def test_demo_prints_a_coordinator_and_two_volunteers_that_can_log_in(demo, app, login):
    _community, logins = demo
    assert [role for role, *_ in logins] == ["coordinator", "volunteer", "volunteer"]
    for role, name, mobile, password in logins:
        user = db.session.scalar(select(User).where(User.mobile == mobile))
        assert user.display_name == name and user.role == Role(role)
        assert password == (COORDINATOR_PASSWORD if role == "coordinator" else VOLUNTEER_PASSWORD)
        client = app.test_client()
        login(client, user, password)
        assert name in page_text(client.get("/"))


def test_demo_community_is_chinese_and_complete(demo):
    community, _ = demo
    assert (community.name, community.timezone) == ("滨河社区", "Asia/Shanghai")
    assert {team.code for team in community.teams} == {
        "retired_cadre", "social_worker", "student", "party_member",
    }
    assert len(community.grids) == 4
    venue_names = " ".join(venue.name for venue in community.venues)
    for place in ("党群服务站", "便民服务中心", "科普馆", "阅览室", "河畔露天茶馆"):
        assert place in venue_names
    titles = " ".join(activity.title for activity in community.activities)
    for title in ("书画班", "烘焙班", "手工班", "健康讲座", "法律讲座", "服务站值班", "科普馆值班",
                  "网格巡查", "公共区域清洁", "独居老人探访", "调解室值班"):
        assert title in titles
    assert all(activity.roles and activity.weekdays for activity in community.activities)
    patrols = [activity for activity in community.activities if activity.code.startswith("grid-patrol")]
    assert {activity.grid.code for activity in patrols} == {grid.code for grid in community.grids}


def test_demo_volunteers_fit_their_teams(demo):
    community, _ = demo
    volunteers = db.session.scalars(volunteers_of(community)).all()
    assert 140 <= len(volunteers) <= 160
    teams = Counter(code for profile in volunteers for code in profile.team_codes())
    assert all(teams[code] >= 20 for code in ("retired_cadre", "social_worker", "student", "party_member"))
    assert all(profile.skills and profile.availability for profile in volunteers)
    assert len({profile.user.mobile for profile in volunteers}) == len(volunteers)

    def windows(profile):
        return {(slot.weekday, slot.start_time, slot.end_time) for slot in profile.availability}

    for profile in volunteers:
        codes, free = profile.team_codes(), windows(profile)
        if "retired_cadre" in codes:  # weekday mornings
            assert {(day, time(8), time(12)) for day in range(5)} <= free
        elif "student" in codes:  # weekends and evenings
            assert {slot[0] for slot in free if slot[1] < time(18)} <= {5, 6}
        elif "social_worker" in codes:  # office hours
            assert free == {(day, time(8, 30), time(17, 30)) for day in range(5)}


def test_every_demo_role_has_volunteers_who_qualify(demo):
    community, _ = demo
    volunteers = db.session.scalars(volunteers_of(community)).all()
    for activity in community.activities:
        for role in activity.roles:
            required = {rs.skill.code: rs.min_level for rs in role.skills}
            teams = {team.code for team in role.teams}
            qualified = [
                profile for profile in volunteers
                if all(profile.skill_levels().get(code, 0) >= level for code, level in required.items())
                and (not teams or teams & profile.team_codes())
                and (activity.grid is None or activity.grid in profile.grids)
            ]
            assert len(qualified) >= role.need, f"{activity.title}/{role.name}"


def test_demo_is_deterministic(runner, database):
    def snapshot():
        result = runner.invoke(args=["demo", "--seed", "7"])
        assert result.exit_code == 0, result.output
        community = community_by_slug("demo")
        return [
            (p.user.display_name, p.user.mobile, sorted(p.skill_levels().items()), sorted(p.team_codes()))
            for p in db.session.scalars(volunteers_of(community))
        ]

    first = snapshot()
    empty_all_tables(database.backend)
    assert snapshot() == first


def test_demo_if_empty_leaves_existing_data_alone(runner, make_community):
    make_community(slug="riverside")
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Community)) == 1


def test_demo_twice_is_refused(demo, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1 and "exists already" in result.output
    assert db.session.scalar(select(func.count()).select_from(Community)) == 1


def test_create_coordinator_with_a_password(runner, make_community, client, login):
    make_community(slug="riverside")
    result = runner.invoke(args=[
        "create-coordinator", "--community", "riverside", "--mobile", "13812345678",
        "--name", "赵主任", "--password", "long-password",
    ])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.mobile == "13812345678"))
    assert user.role == Role.COORDINATOR and user.community.slug == "riverside"
    login(client, user, "long-password")


def test_create_coordinator_asks_for_the_password(runner, make_community):
    make_community(slug="riverside")
    result = runner.invoke(
        args=["create-coordinator", "--community", "riverside", "--mobile", "13812345678", "--name", "赵主任"],
        input="long-password\nlong-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "long-password" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--community", "nowhere", "--mobile", "13812345678"], "No community"),
        (["--community", "riverside", "--mobile", "1381234"], "mobile"),
        (["--community", "riverside", "--mobile", "13812345678", "--password", "short"], "password"),
    ],
)
def test_create_coordinator_refuses_bad_input(runner, make_community, args, message):
    make_community(slug="riverside")
    result = runner.invoke(args=["create-coordinator", "--name", "赵主任", *args], input="long-password\n" * 2)
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_activity_specs_are_consistent():
    codes = [spec.code for spec in ACTIVITIES]
    assert len(codes) == len(set(codes))
    assert all(spec.roles for spec in ACTIVITIES)
