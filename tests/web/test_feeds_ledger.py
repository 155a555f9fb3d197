"""The feed ledger: what reconciling writes, when it bumps, and a week planned by the engine."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from scheduler import feeds, planning
from scheduler.export import as_assignments, draft_assignments
from scheduler.extensions import db
from scheduler.feed_ledger import reconcile_community, reconcile_shifts
from scheduler.feed_models import CancelReason, EventStatus, FeedEvent, FeedScope, ScopeKind
from scheduler.models import Community, LeaveDate, Shift
from solver import check, parse_problem
from tests.feeds.reading import read_feed
from tests.feeds.scenario import build_scenario, publish_plan


@pytest.fixture
def scenario(factories):
    return build_scenario(factories)


def events_of(kind: ScopeKind, ref_id: int) -> list[FeedEvent]:
    scope = db.session.scalar(db.select(FeedScope).where(FeedScope.kind == kind, FeedScope.ref_id == ref_id))
    if scope is None:
        return []
    return list(db.session.scalars(
        db.select(FeedEvent).where(FeedEvent.scope_id == scope.id).order_by(FeedEvent.starts_at)
    ))


def scope_versions() -> dict[tuple[str, int], int]:
    return {(scope.kind.value, scope.ref_id): scope.version for scope in db.session.scalars(db.select(FeedScope))}


def test_reconciling_again_changes_nothing(scenario):
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    reconcile_community(scenario.community)
    versions = scope_versions()
    rows = {row.id: (row.sequence, row.last_modified, row.content_hash) for row in db.session.scalars(db.select(FeedEvent))}
    assert reconcile_community(scenario.community) == []
    assert reconcile_shifts(scenario.community.id, [scenario.class_shift.id, scenario.patrol_shift.id]) == []
    assert scope_versions() == versions
    assert {row.id: (row.sequence, row.last_modified, row.content_hash)
            for row in db.session.scalars(db.select(FeedEvent))} == rows


def test_publish_writes_every_feed_of_the_shift(scenario):
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang), (scenario.class_shift, "助教", scenario.li)])
    community = scenario.community
    class_shift = db.session.get(Shift, scenario.class_shift.id)
    expected = {
        ("community", community.id), ("activity", class_shift.activity_id), ("venue", class_shift.venue_id),
        ("volunteer", scenario.wang.profile.id), ("volunteer", scenario.li.profile.id),
    }
    teams = {team.id for user in (scenario.wang, scenario.li) for team in user.profile.teams}
    expected |= {("team", team_id) for team_id in teams}
    touched = {
        (row.scope.kind.value, row.scope.ref_id)
        for row in db.session.scalars(db.select(FeedEvent).where(FeedEvent.shift_id == class_shift.id))
    }
    assert touched == expected
    public_uids = {
        row.uid for row in db.session.scalars(db.select(FeedEvent).where(FeedEvent.shift_id == class_shift.id))
        if row.scope.kind.is_public
    }
    assert len(public_uids) == 1


def test_last_modified_is_the_time_of_the_change_not_of_the_request(scenario):
    result = publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    [row] = events_of(ScopeKind.VOLUNTEER, scenario.wang.profile.id)
    sign_up = next(s for s in db.session.get(Shift, scenario.class_shift.id).sign_ups if s.volunteer_id == scenario.wang.profile.id)
    assert row.last_modified == row.created_at == sign_up.updated_at.replace(microsecond=0)
    assert row.last_modified <= result.version.published_at.replace(microsecond=0) + timedelta(seconds=1)


def test_a_removed_assignment_is_cancelled_with_a_higher_sequence(scenario):
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    [before] = events_of(ScopeKind.VOLUNTEER, scenario.wang.profile.id)
    uid, sequence = before.uid, before.sequence
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.li)], removals=[(scenario.class_shift, scenario.wang)])
    [after] = events_of(ScopeKind.VOLUNTEER, scenario.wang.profile.id)
    assert (after.uid, after.status, after.cancel_reason) == (uid, EventStatus.CANCELLED, CancelReason.REMOVED)
    assert after.sequence == sequence + 1
    assert after.drop_at == after.cancelled_at + timedelta(days=30)
    # Put back: the same event comes back confirmed, one sequence higher again.
    publish_plan(scenario, [(scenario.class_shift, "助教", scenario.wang)])
    [back] = events_of(ScopeKind.VOLUNTEER, scenario.wang.profile.id)
    assert (back.uid, back.status, back.sequence, back.cancelled_at) == (uid, EventStatus.CONFIRMED, sequence + 2, None)
    assert json.loads(back.content)["role"] == "助教"


def test_scope_versions_grow_only_with_changes(scenario):
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    first = scope_versions()
    publish_plan(scenario, [(scenario.patrol_shift, "巡逻员", scenario.ouyang)])
    second = scope_versions()
    wang = ("volunteer", scenario.wang.profile.id)
    assert second[wang] == first[wang], "王秀英's feed did not change"
    assert second[("community", scenario.community.id)] == first[("community", scenario.community.id)] + 1


@pytest.mark.parametrize("after", [timedelta(seconds=1), timedelta(days=3)])
def test_old_events_leave_the_ledger(scenario, app, monkeypatch, after):
    """Long after its end an event is dropped, not cancelled, however late the next request."""
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    scope = db.session.scalar(db.select(FeedScope).where(FeedScope.kind == ScopeKind.VOLUNTEER))
    [row] = events_of(ScopeKind.VOLUNTEER, scenario.wang.profile.id)
    assert row.drop_at > row.starts_at.replace(tzinfo=row.drop_at.tzinfo) + timedelta(days=59)
    late = row.drop_at + after
    monkeypatch.setattr("scheduler.feed_ledger.utcnow", lambda: late)
    monkeypatch.setattr("scheduler.feeds.utcnow", lambda: late)
    version = scope.version
    state = feeds.scope_state(scope.id)
    assert state.version > version
    assert events_of(ScopeKind.VOLUNTEER, scenario.wang.profile.id) == []


def test_the_cli_reconciles_a_community(runner, scenario):
    result = runner.invoke(args=["feeds", "reconcile", "riverside"])
    assert result.exit_code == 0, result.output
    assert "riverside:" in result.output
    assert {row.scope.kind for row in db.session.scalars(db.select(FeedEvent))} >= {
        ScopeKind.COMMUNITY, ScopeKind.ACTIVITY, ScopeKind.VENUE, ScopeKind.TEAM
    }
    bad = runner.invoke(args=["feeds", "reconcile", "nowhere"])
    assert bad.exit_code != 0 and "nowhere" in bad.output


def test_a_week_planned_and_replanned_by_the_engine(client, scenario):
    """The real engine schedules the week, then re-plans it after 王秀英 takes leave."""
    tokens = {user.display_name: feeds.issue_token(user.profile) for user in (scenario.wang, scenario.li, scenario.ouyang)}
    db.session.commit()
    community = db.session.get(Community, scenario.community.id)

    def run_engine(kind_start):
        run = kind_start(community, scenario.week, user=scenario.coordinator, time_limit=5)
        db.session.commit()
        finished = planning.run_schedule(run.id, workers=1)
        assert finished.status.value == "succeeded", finished.error
        problem = parse_problem(json.loads(finished.problem_json))
        report = check(problem, as_assignments(draft_assignments(community, scenario.week)))
        assert report.ok, report.violations
        result = planning.publish(community, scenario.week, user=scenario.coordinator)
        changed = list(result.changed_shift_ids)
        db.session.commit()
        planning.notify(community, changed)
        return result

    run_engine(planning.start_run)
    feeds_v1 = {name: read_feed(client.get(f"/feeds/volunteer/{token}.ics").get_data()) for name, token in tokens.items()}
    planned = {name: {e.uid: e for e in feed.events} for name, feed in feeds_v1.items()}
    assert any(planned.values()), "the engine assigned somebody"
    # Every confirmed sign-up is an event in its volunteer's feed, and nothing else is.
    for user in (scenario.wang, scenario.li, scenario.ouyang):
        shifts = {s.shift_id for s in user.profile.sign_ups if s.status.value == "confirmed"}
        assert len(planned[user.display_name]) == len(shifts)

    leave = LeaveDate(volunteer_id=scenario.wang.profile.id, start_date=scenario.monday,
                      end_date=scenario.monday + timedelta(days=6), reason="探亲")
    db.session.add(leave)
    db.session.commit()
    # Only 王秀英 and 欧阳娜娜 may patrol and it needs two: the engine must have put her on it.
    assert any("夜间巡逻" in event.summary for event in planned["王秀英"].values())
    run_engine(planning.start_replan)
    wang_after = read_feed(client.get(f"/feeds/volunteer/{tokens['王秀英']}.ics").get_data())
    for event in wang_after.events:
        before = planned["王秀英"][event.uid]
        assert event.status == "CANCELLED" and event.sequence == before.sequence + 1
    assert {e.uid for e in wang_after.events} == set(planned["王秀英"])
