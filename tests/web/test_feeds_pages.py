"""The feed pages: "My calendar" (private link, QR code, rotation, reminders) and the
community's public calendar page with every public feed."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from scheduler import feeds
from scheduler.extensions import db
from scheduler.feed_models import FeedSettings, FeedToken
from tests.feeds.reading import read_feed
from tests.feeds.scenario import build_scenario, publish_plan
from tests.web.conftest import field_errors, page_text

HREF = re.compile(r'href="([^"]+)"')
VALUE = re.compile(r'class="copy-field"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*class="copy-field"')


@pytest.fixture
def scenario(factories):
    return build_scenario(factories)


def hrefs(response) -> list[str]:
    return [unescape(link) for link in HREF.findall(response.get_data(as_text=True))]


def make_link(client) -> str:
    """Press "make my calendar link" and return the https link the page then shows."""
    response = client.post("/my/calendar/link")
    assert response.status_code == 302
    page = client.get("/my/calendar")
    html = page.get_data(as_text=True)
    [https] = [unescape(a or b) for a, b in VALUE.findall(html)]
    return https


def test_the_page_is_for_volunteers_only(client, scenario, login, logout):
    anonymous = client.get("/my/calendar")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    login(client, scenario.coordinator)
    assert client.get("/my/calendar").status_code == 403
    assert client.post("/my/calendar/link").status_code == 403


def test_a_new_volunteer_makes_a_link_and_subscribes(app, client, scenario, login):
    login(client, scenario.wang)
    first = client.get("/my/calendar")
    assert first.status_code == 200
    assert "您还没有日历链接" in page_text(first)
    https = make_link(client)
    page = client.get("/my/calendar")
    html = page.get_data(as_text=True)
    token = https.rsplit("/", 1)[1].removesuffix(".ics")
    assert https == f"http://localhost/feeds/volunteer/{token}.ics"
    assert f"webcal://localhost/feeds/volunteer/{token}.ics" in hrefs(page)
    assert '<svg role="img"' in html and "<path" in html, "the QR code is drawn on the page"
    assert "cdn" not in html.lower()
    # The token is stored only as its hash.
    [row] = db.session.scalars(db.select(FeedToken)).all()
    assert row.token_hash == feeds.hash_token(token) and token not in row.token_hash
    # The link works for a calendar app, which has no session.
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    calendar_app = app.test_client()  # no session, no cookies
    feed = calendar_app.get(f"/feeds/volunteer/{token}.ics")
    assert feed.status_code == 200
    assert [e.summary for e in read_feed(feed.get_data()).events] == ["书法班（讲师）"]


def test_the_link_is_shown_again_in_the_same_session_only(app, client, scenario, login):
    login(client, scenario.wang)
    https = make_link(client)
    assert https in client.get("/my/calendar").get_data(as_text=True)
    other = app.test_client()
    login(other, scenario.wang)
    page = other.get("/my/calendar")
    assert https not in page.get_data(as_text=True)
    assert "链接只在生成时显示一次" in page_text(page)


def test_a_new_link_ends_the_old_one(client, scenario, login):
    login(client, scenario.wang)
    old = make_link(client)
    new = make_link(client)
    assert new != old
    assert client.get(old.replace("http://localhost", "")).status_code == 404
    assert client.get(new.replace("http://localhost", "")).status_code == 200
    assert len(db.session.scalars(db.select(FeedToken).where(FeedToken.revoked_at.is_(None))).all()) == 1


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_forms_need_the_csrf_token(client, scenario, login):
    login_page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    logged_in = client.post("/auth/login", data={"mobile": scenario.wang.mobile, "password": "correct-horse-9",
                                                 "csrf_token": csrf})
    assert logged_in.status_code == 302 and client.get("/my/calendar").status_code == 200
    assert client.post("/my/calendar/link").status_code == 400
    assert client.post("/my/calendar/reminders", data={"minutes_before": "60"}).status_code == 400
    assert db.session.scalars(db.select(FeedToken)).all() == []


def test_reminders_change_the_feed(client, scenario, login):
    login(client, scenario.wang)
    https = make_link(client)
    path = https.replace("http://localhost", "")
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    before = client.get(path)
    assert read_feed(before.get_data()).events[0].alarm_seconds == (-13 * 3600, -3600)
    response = client.post("/my/calendar/reminders", data={"evening_before": "", "minutes_before": "30"})
    assert response.status_code == 302
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, "new reminders are a new version of the feed"
    assert read_feed(after.get_data()).events[0].alarm_seconds == (-1800,)
    client.post("/my/calendar/reminders", data={"evening_before": "y", "evening_time": "19:30", "minutes_before": "0"})
    assert read_feed(client.get(path).get_data()).events[0].alarm_seconds == (-(13 * 3600 + 1800),)
    saved = db.session.get(FeedSettings, scenario.wang.profile.id)
    assert (saved.remind_evening_before, saved.evening_time.isoformat(), saved.remind_minutes_before) == (
        True, "19:30:00", None
    )


def test_a_bad_reminder_time_is_shown_beside_the_field_with_the_input_kept(client, scenario, login):
    login(client, scenario.wang)
    response = client.post("/my/calendar/reminders", data={"evening_before": "y", "evening_time": "25:99",
                                                           "minutes_before": "120"})
    assert response.status_code == 400
    assert "evening_time" in field_errors(response)
    html = response.get_data(as_text=True)
    assert 'value="25:99"' in html
    assert re.search(r'<option selected value="120">|<option value="120" selected>', html)
    assert db.session.get(FeedSettings, scenario.wang.profile.id) is None


def test_the_public_page_links_every_public_feed(client, scenario):
    response = client.get("/calendar/riverside/")
    assert response.status_code == 200
    links = hrefs(response)
    html = response.get_data(as_text=True)
    expected = [
        "http://localhost/feeds/community/riverside.ics",
        "http://localhost/feeds/community/riverside/activity/calligraphy.ics",
        "http://localhost/feeds/community/riverside/activity/night-patrol.ics",
        "http://localhost/feeds/community/riverside/venue/activity-room.ics",
        *[f"http://localhost/feeds/community/riverside/team/{code}.ics"
          for code in ("retired_cadre", "social_worker", "student", "party_member")],
    ]
    for https in expected:
        assert "webcal://" + https.split("://", 1)[1] in links, https
        assert f'value="{https}"' in html, https
        assert client.get(https.replace("http://localhost", "")).status_code == 200
    assert "书法班" in page_text(response) and "近期活动" in page_text(response)


def test_coming_events_show_local_dates_and_times(client, scenario):
    from babel.dates import format_date

    tuesday = format_date(scenario.monday + timedelta(days=1), "full", locale="zh_Hans")
    text = page_text(client.get("/calendar/riverside/"))
    assert f"{tuesday} 21:00–01:00 夜间巡逻" in text, "a 21:00 start is not moved to the next day"


def test_the_public_qr_codes_are_svg(client, scenario):
    for path in ("/calendar/riverside/qr/community.svg", "/calendar/riverside/qr/activity/calligraphy.svg"):
        response = client.get(path)
        assert response.status_code == 200 and response.content_type.startswith("image/svg+xml")
        assert response.get_data(as_text=True).startswith("<svg")
    assert client.get("/calendar/riverside/qr/other/x.svg").status_code == 404
    assert client.get("/calendar/riverside/qr/activity/no-such-class.svg").status_code == 404


@pytest.mark.app_config(FEED_BASE_URL="https://volunteers.example.org")
def test_links_on_the_pages_use_the_canonical_address(client, scenario, login):
    public = hrefs(client.get("/calendar/riverside/"))
    assert "webcal://volunteers.example.org/feeds/community/riverside.ics" in public
    login(client, scenario.wang)
    https = make_link(client)
    assert https.startswith("https://volunteers.example.org/feeds/volunteer/")
    assert "webcal://volunteers.example.org/feeds/volunteer/" in "".join(hrefs(client.get("/my/calendar")))


def test_the_public_shift_page_names_as_the_community_allows(client, scenario):
    publish_plan(scenario, [(scenario.class_shift, "讲师", scenario.wang)])
    response = client.get(f"/calendar/riverside/shifts/{scenario.class_shift.id}")
    text = page_text(response)
    assert response.status_code == 200
    assert "王老师" in text and "王秀英" not in text
    assert "13800138000" not in text and "***" in text
    assert client.get("/calendar/riverside/shifts/99999").status_code == 404


def test_calendars_redirects_to_the_visitors_community(client, scenario, login):
    login(client, scenario.li)
    response = client.get("/calendar/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar/riverside/")
    assert client.get("/calendar/nowhere/").status_code == 404
