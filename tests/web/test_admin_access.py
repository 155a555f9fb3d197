"""Who may open the coordinator pages: only coordinators, and only of their own community."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.extensions import db
from scheduler.models import Venue
from scheduler.planning_models import CancelledDate
from tests.web.conftest import page_text


def _community_rows(community, make_volunteer, make_activity, make_shift):
    """One row of every kind the coordinator pages edit, ids returned by name."""
    volunteer = make_volunteer(community)
    activity = make_activity(community, venue="hall")
    venue = community.venues[0]
    shift = make_shift(activity, day=date(2026, 12, 9))
    holiday = CancelledDate(community=community, start_date=date(2026, 10, 1), end_date=date(2026, 10, 7))
    db.session.add(holiday)
    db.session.commit()
    return {
        "volunteer": volunteer.profile.id,
        "activity": activity.id,
        "role": activity.roles[0].id,
        "venue": venue.id,
        "team": community.teams[0].id,
        "shift": shift.id,
        "holiday": holiday.id,
    }


def _pages(slug: str, ids: dict) -> list[tuple[str, str]]:
    """(method, URL) of every coordinator page about rows `ids` of community `slug`."""
    base = f"/admin/{slug}"
    activity = f"{base}/activities/{ids['activity']}"
    return [
        ("GET", f"{base}/"),
        ("GET", f"{base}/volunteers"),
        ("GET", f"{base}/volunteers/new"),
        ("GET", f"{base}/volunteers/{ids['volunteer']}"),
        ("POST", f"{base}/volunteers/{ids['volunteer']}/active"),
        ("POST", f"{base}/volunteers/{ids['volunteer']}/password"),
        ("GET", f"{base}/volunteers/export.csv"),
        ("GET", f"{base}/volunteers/export.xlsx"),
        ("GET", f"{base}/volunteers/import"),
        ("GET", f"{base}/venues"),
        ("GET", f"{base}/venues/{ids['venue']}"),
        ("POST", f"{base}/venues/{ids['venue']}/delete"),
        ("POST", f"{base}/teams/{ids['team']}/delete"),
        ("GET", f"{base}/activities"),
        ("GET", f"{base}/activities/new"),
        ("GET", activity),
        ("GET", f"{activity}/edit"),
        ("POST", f"{activity}/active"),
        ("GET", f"{activity}/roles/new"),
        ("GET", f"{activity}/roles/{ids['role']}"),
        ("POST", f"{activity}/roles/{ids['role']}/delete"),
        ("POST", f"{activity}/supervision"),
        ("GET", f"{base}/events"),
        ("POST", f"{base}/events/{ids['shift']}/cancel"),
        ("GET", f"{base}/holidays"),
        ("POST", f"{base}/holidays/{ids['holiday']}/delete"),
    ]


@pytest.fixture
def river(make_community, make_volunteer, make_activity, make_shift):
    """A community with a row of every kind, and its ids."""
    community = make_community(slug="river", name="滨河社区")
    return community, _community_rows(community, make_volunteer, make_activity, make_shift)


def test_visitors_are_sent_to_log_in(client, river):
    community, ids = river
    for method, url in _pages(community.slug, ids) + [("GET", "/admin/")]:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"], url


def test_volunteers_are_refused(client, login, river, make_volunteer):
    community, ids = river
    login(client, make_volunteer(community))
    for method, url in _pages(community.slug, ids) + [("GET", "/admin/")]:
        assert client.open(url, method=method).status_code == 403, url


def test_coordinators_of_another_community_are_refused(client, login, river, make_community, make_coordinator):
    community, ids = river
    login(client, make_coordinator(make_community(slug="hill")))
    for method, url in _pages(community.slug, ids):
        assert client.open(url, method=method).status_code == 403, url


def test_rows_of_another_community_are_not_found_through_ones_own_pages(
    client, login, river, make_community, make_coordinator, make_volunteer, make_activity, make_shift
):
    """A coordinator of "hill" puts river's ids in hill's URLs: 404, and nothing changes."""
    community, river_ids = river
    hill = make_community(slug="hill")
    hill_ids = _community_rows(hill, make_volunteer, make_activity, make_shift)
    login(client, make_coordinator(hill))
    crossed = [
        (method, url)
        for (method, url), (_, own_url) in zip(_pages("hill", river_ids), _pages("hill", hill_ids))
        if url != own_url
    ]
    assert len(crossed) >= 15
    for method, url in crossed:
        assert client.open(url, method=method, data={"value": "0"}).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(Venue, river_ids["venue"]) is not None
    assert db.session.get(CancelledDate, river_ids["holiday"]) is not None


def test_a_coordinator_reaches_every_page_of_their_community(client, login, river, make_coordinator):
    community, ids = river
    login(client, make_coordinator(community))
    for method, url in _pages(community.slug, ids):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_the_header_links_coordinators_to_their_community_pages(client, login, river, make_coordinator, make_volunteer):
    community, _ = river
    coordinator = make_coordinator(community)
    volunteer = make_volunteer(community)
    login(client, volunteer)
    assert "/admin/" not in client.get("/").get_data(as_text=True)
    client.post("/auth/logout")
    login(client, coordinator)
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/river/")


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_changes_without_the_csrf_token_are_refused(client, river, make_coordinator):
    community, ids = river
    coordinator = make_coordinator(community)
    with client.session_transaction() as session:
        session["_user_id"] = str(coordinator.id)
        session["_fresh"] = True
    response = client.post("/admin/river/venues", data={"name": "新场地", "code": "new-hall"})
    assert response.status_code == 400
    assert "新场地" not in page_text(client.get("/admin/river/venues"))
    response = client.post(f"/admin/river/holidays/{ids['holiday']}/delete")
    assert response.status_code == 400
    assert db.session.get(CancelledDate, ids["holiday"]) is not None
