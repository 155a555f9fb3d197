"""Calendar feeds over HTTP through a week's life: publish, re-plan, cancellation.

Every feed is read by icalendar and by Mozilla's ICAL.js (`tests.feeds.reading.read_feed`
insists that they agree) and checked for the right events, times in the community's zone,
a SEQUENCE that grows with each published change and the cancellation kept in the feed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler import feeds
from scheduler.extensions import db
from scheduler.models import Shift, Venue
from scheduler.signals import schedule_changed
from scheduler.weeks import cancel_shift
from tests.feeds.reading import PHONE_LIKE, read_feed, unfolded_text
from tests.feeds.scenario import COMMUNITY_CONTACT, PRIVATE_NOTE, build_scenario, publish_plan

SHANGHAI = "Asia/Shanghai"
#: Properties whose values are dates, numbers or random ids, where long digit runs are normal.
NUMERIC_PROPERTIES = (
    "DTSTART", "DTEND", "DTSTAMP", "CREATED", "LAST-MODIFIED", "RDATE", "UID", "SEQUENCE", "TRIGGER",
    "TZOFFSETFROM", "TZOFFSETTO",
)


@pytest.fixture
def scenario(factories):
    return build_scenario(factories)


def private_url(token: str) -> str:
    return f"/feeds/volunteer/{token}.ics"


PUBLIC_URLS = {
    "community": "/feeds/community/riverside.ics",
    "activity": "/feeds/community/riverside/activity/calligraphy.ics",
    "venue": "/feeds/community/riverside/venue/activity-room.ics",
    "team": "/feeds/community/riverside/team/retired_cadre.ics",
}


def get_feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    data = response.get_data()
    response.close()  # as a server does once the client has it (runs call_on_close work)
    return read_feed(data)


def first_plan(scenario):
    return publish_plan(scenario, [
        (scenario.class_shift, "讲师", scenario.wang),
        (scenario.class_shift, "助教", scenario.li),
        (scenario.patrol_shift, "巡逻员", scenario.ouyang),
        (scenario.patrol_shift, "巡逻员", scenario.wang),
    ])


def replan(scenario):
    """Version 2: 李明 leaves the class for 欧阳娜娜; 王秀英 leaves the patrol."""
    return publish_plan(
        scenario,
        [(scenario.class_shift, "助教", scenario.ouyang)],
        removals=[(scenario.class_shift, scenario.li), (scenario.patrol_shift, scenario.wang)],
    )


def cancel(scenario, shift):
    target = db.session.get(Shift, shift.id)
    cancel_shift(target)
    db.session.commit()
    schedule_changed.send(scenario.community.id, shift_ids=[target.id])


def expected_utc(local: str, zone: str = SHANGHAI) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


# --------------------------------------------------------------------------- private feed


def test_private_feed_follows_publish_replan_and_cancellation(client, scenario):
    wang_token = feeds.issue_token(scenario.wang.profile)
    li_token = feeds.issue_token(scenario.li.profile)
    db.session.commit()
    monday = scenario.monday.isoformat()
    tuesday = (scenario.monday + timedelta(days=1)).isoformat()
    wednesday = (scenario.monday + timedelta(days=2)).isoformat()

    before = get_feed(client, private_url(wang_token))
    assert before.events == []
    assert [str(c["tzid"]) for c in before.calendar.walk("VTIMEZONE")] == [SHANGHAI]

    first_plan(scenario)
    published = get_feed(client, private_url(wang_token))
    assert [e.summary for e in published.events] == ["书法班（讲师）", "夜间巡逻（巡逻员）"]
    lesson, patrol = published.events
    assert (lesson.start_local, lesson.end_local, lesson.tzid) == (f"{monday}T09:00", f"{monday}T11:00", SHANGHAI)
    assert lesson.start_utc == expected_utc(f"{monday}T09:00") == expected_utc(f"{monday}T01:00", "UTC")
    assert (patrol.start_local, patrol.end_local) == (f"{tuesday}T21:00", f"{wednesday}T01:00")
    assert patrol.end_utc - patrol.start_utc == timedelta(hours=4)
    assert lesson.status == patrol.status == "CONFIRMED" and lesson.sequence == patrol.sequence == 0
    assert "岗位：讲师" in lesson.description and "李明（助教）" in lesson.description
    assert COMMUNITY_CONTACT in lesson.description
    assert lesson.location == "活动室，幸福路18号"
    assert lesson.categories == ("课程", "书法班")
    assert lesson.url.endswith(f"/volunteer/shifts/{scenario.class_shift.id}")
    assert lesson.alarm_seconds == (-13 * 3600, -3600)  # 20:00 the evening before, one hour before
    assert PRIVATE_NOTE not in unfolded_text(published.raw)

    replan(scenario)
    replanned = get_feed(client, private_url(wang_token))
    lesson2, patrol2 = replanned.events
    assert lesson2.uid == lesson.uid and patrol2.uid == patrol.uid, "UIDs must not change"
    assert lesson2.status == "CONFIRMED" and lesson2.sequence == 1, "a new co-volunteer is a change"
    assert "欧阳娜娜（助教）" in lesson2.description and "李明" not in lesson2.description
    assert patrol2.status == "CANCELLED" and patrol2.sequence == 1
    assert patrol2.summary.startswith("【已取消】") and "排班已调整" in patrol2.description
    assert patrol2.alarm_seconds == ()
    assert patrol2.last_modified > patrol.last_modified and patrol2.dtstamp == patrol2.last_modified

    li_feed = get_feed(client, private_url(li_token))
    assert [(e.summary, e.status) for e in li_feed.events] == [("【已取消】书法班（助教）", "CANCELLED")]

    cancel(scenario, scenario.class_shift)
    cancelled = get_feed(client, private_url(wang_token))
    lesson3, patrol3 = cancelled.events
    assert lesson3.uid == lesson.uid and lesson3.status == "CANCELLED" and lesson3.sequence == 2
    assert "此活动已取消" in lesson3.description
    assert patrol3 == patrol2, "an untouched event stays byte for byte the same"


def test_private_feed_of_a_self_sign_up(client, scenario):
    from scheduler import signup

    token = feeds.issue_token(scenario.li.profile)
    db.session.commit()
    role = scenario.role(scenario.class_shift, "助教")
    signup.in_write_transaction(lambda: signup.sign_up(scenario.li.profile, role))
    feed = get_feed(client, private_url(token))
    assert [e.summary for e in feed.events] == ["书法班（助教）"]
    sign_up = next(row for row in role.sign_ups if row.volunteer_id == scenario.li.profile.id)
    assert feed.events[0].last_modified == sign_up.updated_at.replace(microsecond=0)


# --------------------------------------------------------------------------- public feeds


@pytest.mark.parametrize("kind", sorted(PUBLIC_URLS))
def test_public_feeds_follow_publish_replan_and_cancellation(client, scenario, kind):
    url = PUBLIC_URLS[kind]
    before = get_feed(client, url)
    if kind == "team":
        # The patrol is reserved for party members and retired cadres: shown before anyone is on it.
        assert [e.summary for e in before.events] == ["夜间巡逻"]
    elif kind == "community":
        assert [e.summary for e in before.events] == ["书法班", "夜间巡逻"]
    else:
        assert [e.summary for e in before.events] == ["书法班"]
    assert all(e.sequence == 0 and e.status == "CONFIRMED" for e in before.events)

    first_plan(scenario)
    published = get_feed(client, url)
    uids = {e.summary: e.uid for e in published.events}
    published_sequence = None
    if "书法班" in uids:
        lesson = published.one("书法班")
        published_sequence = lesson.sequence
        # The names on it changed (the team feed only gains the class now that 王秀英 is on it).
        assert lesson.sequence == (0 if kind == "team" else 1)
        assert "讲师：王老师" in lesson.description and "助教：李老师" in lesson.description
        assert (lesson.start_local, lesson.tzid) == (f"{scenario.monday.isoformat()}T09:00", SHANGHAI)
        assert lesson.url.endswith(f"/calendar/riverside/shifts/{scenario.class_shift.id}")
        assert lesson.alarm_seconds == ()

    replan(scenario)
    replanned = get_feed(client, url)
    assert {e.summary: e.uid for e in replanned.events if "已取消" not in e.summary} == uids
    if "书法班" in uids:
        lesson = replanned.one("书法班")
        assert lesson.sequence == published_sequence + 1
        assert "欧阳老师" in lesson.description and "李老师" not in lesson.description

    cancel(scenario, scenario.class_shift)
    cancelled = get_feed(client, url)
    if "书法班" in uids:
        lesson = cancelled.one("书法班")
        assert lesson.uid == uids["书法班"] and lesson.status == "CANCELLED"
        assert lesson.sequence == published_sequence + 2
    if "夜间巡逻" in uids:
        assert cancelled.one("夜间巡逻").status == "CONFIRMED"


def test_public_uid_is_shared_by_the_public_feeds_and_holds_no_personal_data(client, scenario):
    wang_token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    first_plan(scenario)
    community = get_feed(client, PUBLIC_URLS["community"]).one("书法班")
    activity = get_feed(client, PUBLIC_URLS["activity"]).one("书法班")
    private = get_feed(client, private_url(wang_token)).one("书法班")
    assert community.uid == activity.uid
    assert private.uid != community.uid
    for uid in (community.uid, private.uid):
        for personal in ("王", "wang", "13700000001", f"v{scenario.wang.profile.id}", wang_token):
            assert personal not in uid


def test_team_feed_keeps_a_shift_the_team_no_longer_serves_as_cancelled(client, scenario):
    first_plan(scenario)
    url = "/feeds/community/riverside/team/student.ics"
    assert get_feed(client, url).one("书法班").status == "CONFIRMED"  # 李明 is a student
    replan(scenario)  # 李明 leaves the class
    left = get_feed(client, url).one("书法班")
    assert left.status == "CANCELLED" and "不在本日历中" in left.description


@pytest.mark.parametrize("mode, wanted, unwanted", [
    ("full", ["讲师：王秀英", "助教：李明"], ["王老师"]),
    ("surname_title", ["讲师：王老师", "助教：李老师"], ["王秀英", "李明"]),
    ("none", [], ["王", "李", "讲师："]),
])
def test_public_names_follow_the_communitys_setting(client, factories, mode, wanted, unwanted):
    scenario = build_scenario(factories, name_mode=mode)
    first_plan(scenario)
    for url in PUBLIC_URLS.values():
        text = unfolded_text(client.get(url).get_data())
        for fragment in wanted:
            if "activity" in url or "community" in url or "venue" in url:
                assert fragment in text, (url, fragment)
        description_lines = [line for line in text.splitlines() if line.startswith(("DESCRIPTION", "SUMMARY"))]
        for fragment in unwanted:
            assert not any(fragment in line for line in description_lines), (url, fragment)


def test_public_feeds_never_carry_phone_numbers_or_private_notes(client, scenario):
    first_plan(scenario)
    texts = {url: unfolded_text(client.get(url).get_data()) for url in PUBLIC_URLS.values()}
    for url, text in texts.items():
        assert "BEGIN:VEVENT" in text, url
        words = "\n".join(line for line in text.splitlines() if not line.startswith(NUMERIC_PROPERTIES))
        assert not PHONE_LIKE.findall(words), (url, PHONE_LIKE.findall(words))
        assert PRIVATE_NOTE not in text and "紧急联系人" not in text
        assert COMMUNITY_CONTACT not in text and "13600000001" not in text
    # The class's own description had a phone number: it is masked, the rest kept.
    assert "咨询电话 ***" in texts[PUBLIC_URLS["activity"]]


def test_changing_the_name_mode_bumps_public_events(client, scenario, app):
    first_plan(scenario)
    before = get_feed(client, PUBLIC_URLS["activity"]).one("书法班")
    scenario.community.public_name_mode = "full"
    db.session.commit()
    from scheduler.feed_ledger import reconcile_community

    reconcile_community(scenario.community)
    after = get_feed(client, PUBLIC_URLS["activity"]).one("书法班")
    assert after.sequence == before.sequence + 1 and "王秀英" in after.description


# --------------------------------------------------------------------------- HTTP


def test_feed_headers(client, scenario):
    token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    first_plan(scenario)
    for url in (private_url(token), *PUBLIC_URLS.values()):
        response = client.get(url)
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith('inline; filename="')
        assert response.headers["ETag"].startswith('"')
        assert response.last_modified is not None
        assert "no-cache" in response.headers["Cache-Control"]
    assert client.get(private_url(token)).headers["Cache-Control"].startswith("private")


@pytest.mark.app_config(FEED_BASE_URL="https://volunteers.example.org/")
def test_links_use_the_canonical_address_whatever_host_was_asked(app, scenario):
    first_plan(scenario)
    etags = set()
    for host in ("localhost", "127.0.0.1:5000"):
        response = app.test_client().get(PUBLIC_URLS["activity"], base_url=f"http://{host}")
        feed = read_feed(response.get_data())
        shift_id = scenario.class_shift.id
        assert feed.one("书法班").url == f"https://volunteers.example.org/calendar/riverside/shifts/{shift_id}"
        assert feed.calendar["source"] == "https://volunteers.example.org" + PUBLIC_URLS["activity"]
        etags.add(response.headers["ETag"])
    assert len(etags) == 1, "the same feed, the same entity tag"


def test_conditional_requests_are_answered_without_building(client, scenario, monkeypatch):
    token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    first_plan(scenario)
    for url in (private_url(token), PUBLIC_URLS["community"]):
        full = client.get(url)
        etag, modified = full.headers["ETag"], full.headers["Last-Modified"]

        def no_build(*_args, **_kwargs):
            raise AssertionError("a conditional request built the feed")

        with monkeypatch.context() as patch:
            patch.setattr(feeds, "build_feed", no_build)
            by_etag = client.get(url, headers={"If-None-Match": etag})
            by_date = client.get(url, headers={"If-Modified-Since": modified})
        assert by_etag.status_code == by_date.status_code == 304
        assert by_etag.get_data() == b"" and by_etag.headers["ETag"] == etag
        stale = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200 and stale.get_data() == full.get_data()


def test_a_change_makes_the_old_etag_and_date_stale(client, scenario):
    token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    first_plan(scenario)
    first = client.get(private_url(token))
    replan(scenario)
    again = client.get(private_url(token), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    by_date = client.get(private_url(token), headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200
    assert again.last_modified > first.last_modified


def test_building_twice_gives_the_same_bytes(client, scenario, monkeypatch):
    """DTSTAMP and LAST-MODIFIED come from the data: a later request changes nothing."""
    token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    first_plan(scenario)
    first = client.get(private_url(token)).get_data()
    later = datetime.now(UTC) + timedelta(hours=5)
    monkeypatch.setattr("scheduler.feed_ledger.utcnow", lambda: later)
    monkeypatch.setattr("scheduler.feeds.utcnow", lambda: later)
    with client.application.app_context():
        db.session.execute(db.update(feeds.FeedEvent).values(ics=None, ics_key=None))
        db.session.commit()
    assert client.get(private_url(token)).get_data() == first
    feed = read_feed(first)
    assert all(event.dtstamp < event.start_utc - timedelta(days=1) for event in feed.events)


def test_cancelled_events_leave_the_feed_after_thirty_days(client, scenario, monkeypatch):
    token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    first_plan(scenario)
    replan(scenario)  # 王秀英 leaves the patrol
    feed = get_feed(client, private_url(token))
    patrol = feed.one("夜间巡逻")
    assert patrol.cancelled
    etag = client.get(private_url(token)).headers["ETag"]

    for days, present in ((29, True), (31, False)):
        moment = patrol.last_modified + timedelta(days=days)
        monkeypatch.setattr("scheduler.feed_ledger.utcnow", lambda moment=moment: moment)
        monkeypatch.setattr("scheduler.feeds.utcnow", lambda moment=moment: moment)
        response = client.get(private_url(token), headers={"If-None-Match": etag})
        if present:
            assert response.status_code == 304
        else:
            assert response.status_code == 200
            later = read_feed(response.get_data())
            assert [e.summary for e in later.events] == ["书法班（讲师）"]
            assert response.last_modified >= patrol.last_modified + timedelta(days=30) - timedelta(seconds=1)


def test_a_deleted_shift_stays_cancelled_in_the_public_feed(client, factories, scenario):
    from scheduler.admin_activities import cancel_one_off_event
    from scheduler.weeks import add_one_off

    activity = db.session.get(Shift, scenario.class_shift.id).activity
    extra = add_one_off(activity, scenario.monday + timedelta(days=3))
    db.session.commit()
    schedule_changed.send(scenario.community.id, shift_ids=[extra.id])
    assert len(get_feed(client, PUBLIC_URLS["activity"]).by_summary("书法班")) == 2
    assert cancel_one_off_event(db.session.get(Shift, extra.id)) is False  # nobody signed up: deleted
    db.session.commit()
    schedule_changed.send(scenario.community.id, shift_ids=[extra.id])
    events = get_feed(client, PUBLIC_URLS["activity"]).by_summary("书法班")
    assert [(e.status, e.sequence) for e in events] == [("CONFIRMED", 0), ("CANCELLED", 1)]


@pytest.mark.app_config(FEED_RECONCILE_SECONDS=0)
def test_a_change_nobody_announced_reaches_the_feed_after_the_next_request(client, scenario):
    first_plan(scenario)
    before = get_feed(client, PUBLIC_URLS["activity"]).one("书法班")
    venue = db.session.scalar(db.select(Venue).where(Venue.code == "activity-room"))
    venue.name = "多功能厅"
    db.session.commit()  # no schedule_changed: the ledger notices on its own
    # The feed is due for comparison: answered at once from the ledger, compared after.
    answered = get_feed(client, PUBLIC_URLS["activity"]).one("书法班")
    assert answered.location.startswith("活动室")
    after = get_feed(client, PUBLIC_URLS["activity"]).one("书法班")
    assert after.location.startswith("多功能厅") and after.sequence == before.sequence + 1


def test_a_failing_ledger_does_not_fail_the_sign_up(client, scenario, monkeypatch, caplog):
    from scheduler import signup

    token = feeds.issue_token(scenario.li.profile)
    db.session.commit()
    get_feed(client, private_url(token))

    def broken(*_args, **_kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr("scheduler.feeds.reconcile_shifts", broken)
    role = scenario.role(scenario.class_shift, "助教")
    outcome = signup.in_write_transaction(lambda: signup.sign_up(scenario.li.profile, role))
    assert outcome.confirmed
    assert "could not reconcile" in caplog.text
    monkeypatch.undo()
    # The feed was marked for comparison and shows the sign-up at its next request.
    assert [e.summary for e in get_feed(client, private_url(token)).events] == ["书法班（助教）"]


# --------------------------------------------------------------------------- tokens


def test_tokens_are_long_random_and_stored_only_as_a_hash(scenario):
    token = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    assert len(token) >= 43  # 32 random bytes
    rows = db.session.scalars(db.select(feeds.FeedToken)).all()
    assert [row.token_hash for row in rows] == [feeds.hash_token(token)]
    assert all(token not in str(value) for row in rows for value in vars(row).values())


@pytest.mark.parametrize("token", [
    "x",
    "A" * 43,
    "../../etc/passwd",
    "%00" * 20,
])
def test_unknown_tokens_are_404(client, scenario, token):
    feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    response = client.get(private_url(token))
    assert response.status_code == 404
    assert "text/calendar" not in response.headers["Content-Type"]


def test_a_rotated_token_is_404_like_an_unknown_one(client, scenario):
    old = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    assert client.get(private_url(old)).status_code == 200
    new = feeds.issue_token(scenario.wang.profile)
    db.session.commit()
    rotated = client.get(private_url(old))
    unknown = client.get(private_url("B" * 43))
    assert rotated.status_code == unknown.status_code == 404
    # The same page, but for the address it echoes (the language switch returns to it).
    assert rotated.get_data().replace(old.encode(), b"T") == unknown.get_data().replace(b"B" * 43, b"T")
    assert client.get(private_url(new)).status_code == 200


def test_a_deactivated_volunteers_feed_is_404(client, scenario):
    token = feeds.issue_token(scenario.wang.profile)
    scenario.wang.is_active = False
    db.session.commit()
    assert client.get(private_url(token)).status_code == 404
