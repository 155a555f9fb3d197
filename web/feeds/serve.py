"""The ``.ics`` endpoints: a volunteer's private feed and the public feeds of a community.

Every response carries ``ETag`` and ``Last-Modified`` from the ledger; a conditional
request that matches is answered ``304`` before anything is built. A token that does not
open a feed (unknown, rotated, or of a deactivated account) is a plain 404, the same as
any other unknown address.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, request

from scheduler import feeds
from scheduler.feed_models import ScopeKind
from web.feeds import bp
from web.feeds.pages import feed_url

CONTENT_TYPE = "text/calendar; charset=utf-8"


@bp.get("/feeds/volunteer/<token>.ics")
def private_feed(token: str):
    """A volunteer's own shifts."""
    feed = feeds.private_feed(token)
    if feed is None:
        abort(404)
    locale = feed.locale if feed.locale in current_app.config["LANGUAGES"] else None
    params = _params(locale, "feeds.subscribe")
    return _serve(feed, params, private=True, filename="my-shifts.ics")


@bp.get("/feeds/community/<community>.ics")
def community_feed(community: str):
    """Every activity of a community."""
    return _serve_public(community, ScopeKind.COMMUNITY, None, f"{community}.ics")


@bp.get("/feeds/community/<community>/activity/<code>.ics")
def activity_feed(community: str, code: str):
    """One activity's timetable (a class, a lecture series, a duty)."""
    return _serve_public(community, ScopeKind.ACTIVITY, code, f"{community}-{code}.ics")


@bp.get("/feeds/community/<community>/venue/<code>.ics")
def venue_feed(community: str, code: str):
    """Everything at one venue."""
    return _serve_public(community, ScopeKind.VENUE, code, f"{community}-venue-{code}.ics")


@bp.get("/feeds/community/<community>/team/<code>.ics")
def team_feed(community: str, code: str):
    """The shifts one team serves."""
    return _serve_public(community, ScopeKind.TEAM, code, f"{community}-team-{code}.ics")


def _params(locale: str | None, page_endpoint: str, **values: str) -> feeds.RenderParams:
    """How to render: the language, and this site's base URL for links in events.

    ``FEED_BASE_URL`` (the site's canonical address) wins over the address the request came
    to, so every client gets the same links and the ledger's cached events serve them all.
    """
    base = (current_app.config.get("FEED_BASE_URL") or request.url_root).rstrip("/") + "/"
    return feeds.RenderParams(
        locale=locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        base_url=base,
        source_url=base + request.path.lstrip("/"),
        page_url=feed_url(page_endpoint, **values),
    )


def _serve_public(slug: str, kind: ScopeKind, code: str | None, filename: str) -> Response:
    """Public feeds are in the community's language (the default locale): one rendering of
    each event serves every subscriber."""
    feed = feeds.public_feed(slug, kind, code)
    if feed is None:
        abort(404)
    params = _params(None, "feeds.community_page", community=slug)
    return _serve(feed, params, private=False, filename=_ascii(filename))


def _ascii(filename: str) -> str:
    """A filename safe in a quoted header value (slugs and codes are ASCII already)."""
    return "".join(char if char.isascii() and (char.isalnum() or char in "-_.") else "_" for char in filename)


def _serve(feed: feeds.FeedRef, params: feeds.RenderParams, *, private: bool, filename: str) -> Response:
    state = feeds.feed_state(feed)
    if state is None:
        abort(404)
    etag = state.etag(params)
    if _not_modified(etag, state.modified_at):
        response = Response(status=304)
    else:
        response = Response(feeds.build_feed(state.scope_id, params), content_type=CONTENT_TYPE)
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if state.compare_due:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: feeds.compare_after_response(app, state.scope_id))
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
