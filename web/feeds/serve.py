"""The ``.ics`` endpoints: a volunteer's private feed and the public feeds of a community.

Every response carries ``ETag`` and ``Last-Modified`` from the ledger; a conditional
request that matches is answered ``304`` before anything is built. A token that does not
open a feed (unknown, rotated, or of a deactivated account) is a plain 404, the same as
any other unknown address.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, request, url_for

from scheduler import feeds
from scheduler.communities import community_by_slug
from scheduler.extensions import db
from scheduler.feed_models import ScopeKind
from scheduler.models import Activity, Community, Team, Venue
from web.feeds import bp

CONTENT_TYPE = "text/calendar; charset=utf-8"


@bp.get("/feeds/volunteer/<token>.ics")
def private_feed(token: str):
    """A volunteer's own shifts."""
    owner = feeds.token_owner(token)
    if owner is None:
        abort(404)
    locale = owner.locale if owner.locale in current_app.config["LANGUAGES"] else None
    params = _params(locale, url_for("feeds.subscribe", _external=True))
    return _serve(feeds.volunteer_scope_id(owner), params, private=True, filename="my-shifts.ics")


@bp.get("/feeds/community/<community>.ics")
def community_feed(community: str):
    """Every activity of a community."""
    found = _community_or_404(community)
    return _serve_public(found, ScopeKind.COMMUNITY, found.id, f"{found.slug}.ics")


@bp.get("/feeds/community/<community>/activity/<code>.ics")
def activity_feed(community: str, code: str):
    """One activity's timetable (a class, a lecture series, a duty)."""
    found = _community_or_404(community)
    activity = _by_code_or_404(Activity, found, code)
    return _serve_public(found, ScopeKind.ACTIVITY, activity.id, f"{found.slug}-{activity.code}.ics")


@bp.get("/feeds/community/<community>/venue/<code>.ics")
def venue_feed(community: str, code: str):
    """Everything at one venue."""
    found = _community_or_404(community)
    venue = _by_code_or_404(Venue, found, code)
    return _serve_public(found, ScopeKind.VENUE, venue.id, f"{found.slug}-venue-{venue.code}.ics")


@bp.get("/feeds/community/<community>/team/<code>.ics")
def team_feed(community: str, code: str):
    """The shifts one team serves."""
    found = _community_or_404(community)
    team = _by_code_or_404(Team, found, code)
    return _serve_public(found, ScopeKind.TEAM, team.id, f"{found.slug}-team-{team.code}.ics")


def _community_or_404(slug: str) -> Community:
    community = community_by_slug(slug)
    if community is None:
        abort(404)
    return community


def _by_code_or_404(model, community: Community, code: str):
    found = db.session.scalar(db.select(model).where(model.community_id == community.id, model.code == code))
    if found is None:
        abort(404)
    return found


def _params(locale: str | None, page_url: str) -> feeds.RenderParams:
    return feeds.RenderParams(
        locale=locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        base_url=request.url_root,
        source_url=request.base_url,
        page_url=page_url,
    )


def _serve_public(community: Community, kind: ScopeKind, ref_id: int, filename: str) -> Response:
    requested = request.args.get("lang")
    locale = requested if requested in current_app.config["LANGUAGES"] else None
    params = _params(locale, url_for("feeds.community_page", community=community.slug, _external=True))
    return _serve(feeds.public_scope_id(community, kind, ref_id), params, private=False, filename=filename)


def _serve(scope_id: int, params: feeds.RenderParams, *, private: bool, filename: str) -> Response:
    state = feeds.feed_state(scope_id)
    if state is None:
        abort(404)
    etag = state.etag(params)
    if _not_modified(etag, state.modified_at):
        response = Response(status=304)
    else:
        response = Response(feeds.build_feed(scope_id, params), content_type=CONTENT_TYPE)
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.last_modified = state.modified_at
    response.headers["Cache-Control"] = ("private" if private else "public") + ", no-cache"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _not_modified(etag: str, modified_at: datetime) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and modified_at.replace(microsecond=0) <= since
