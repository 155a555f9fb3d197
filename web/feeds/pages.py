"""Pages: the community's public calendars, a public shift page, and "My calendar".

The private link is shown only right after it is made (the token is stored nowhere but as
a hash); it stays in this browser's session so the page can show it again until log-out.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from scheduler import feeds
from scheduler.communities import community_by_slug
from scheduler.extensions import db
from scheduler.feed_catalogue import coming_shifts, public_feeds, public_view
from scheduler.feed_content import display_name, event_texts
from scheduler.feed_models import ScopeKind
from scheduler.models import Community
from web.auth.decorators import volunteer_required
from web.context import current_community
from web.feeds import SHIFT_LINKS, bp
from web.feeds.forms import LinkForm, RemindersForm
from web.feeds.qr import qr_svg

#: Session key of the private token made in this session.
SESSION_TOKEN = "feed_token"


@bp.app_template_filter("feed_day")
def feed_day(moment) -> str:
    """A local date with its weekday, in the page's language."""
    return format_date(moment, "full", rebase=False)


@bp.app_template_filter("feed_time")
def feed_time(moment) -> str:
    """A local wall-clock time (never shifted to another zone)."""
    return format_datetime(moment, "HH:mm", rebase=False)


def feed_url(endpoint: str, **values) -> str:
    """The absolute address of a feed or page: on ``FEED_BASE_URL`` when set (the site's
    canonical address, so printed QR codes and copied links survive a change of host)."""
    base = current_app.config.get("FEED_BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base.rstrip("/") + url_for(endpoint, **values).removeprefix(request.script_root)


@bp.app_context_processor
def _feed_url_helper() -> dict:
    return {"feed_url": feed_url, "webcal_url": webcal_url}


def webcal_url(https_url: str) -> str:
    """The ``webcal://`` form of a feed URL (calendar apps subscribe on opening it)."""
    return "webcal://" + https_url.split("://", 1)[1]


# --------------------------------------------------------------------------- public pages


@bp.get("/calendar/")
def calendars():
    """The public calendars of the visitor's community."""
    community = current_community()
    if community is None:
        abort(404)
    return redirect(url_for("feeds.community_page", community=community.slug))


def _community_or_404(slug: str) -> Community:
    community = community_by_slug(slug)
    if community is None:
        abort(404)
    return community


@bp.get("/calendar/<community>/")
def community_page(community: str):
    """Every public feed of a community, to subscribe to, and its coming events."""
    found = _community_or_404(community)
    return render_template(
        "feeds/community.html",
        community=found,
        feeds=public_feeds(found),
        shifts=coming_shifts(found),
    )


@bp.get("/calendar/<community>/shifts/<int:shift_id>")
def shift_page(community: str, shift_id: int):
    """One shift as the public sees it: what, when, where, and who (as the community allows)."""
    found = _community_or_404(community)
    view = public_view(found, shift_id)
    if view is None:
        abort(404)
    shift, content = view
    texts = event_texts(content, cancelled=shift.is_cancelled, reason=None, url=_shift_url(found, shift.id))
    people = [(role, [display_name(name, content.names_mode) for name in names]) for role, names in content.people]
    return render_template(
        "feeds/shift.html", community=found, shift=shift, content=content, texts=texts, people=people,
        volunteer_url=_volunteer_shift_url(found, shift.id),
    )


def _volunteer_shift_url(community: Community, shift_id: int) -> str | None:
    """The volunteer area's page of the shift, for a volunteer of this community."""
    if not current_user.is_authenticated or current_user.profile is None:
        return None
    if current_user.community_id != community.id:
        return None
    for endpoint in SHIFT_LINKS.private_endpoints:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, shift_id=shift_id)
    return None


def _shift_url(community: Community, shift_id: int) -> str:
    return feed_url("feeds.shift_page", community=community.slug, shift_id=shift_id)


@bp.get("/calendar/<community>/qr/<kind>/<code>.svg")
@bp.get("/calendar/<community>/qr/community.svg", defaults={"kind": "community", "code": ""})
def public_qr(community: str, kind: str, code: str):
    """A QR code of a public feed's ``webcal://`` address (for posters and the page)."""
    kinds = {"community": ScopeKind.COMMUNITY, "activity": ScopeKind.ACTIVITY, "venue": ScopeKind.VENUE,
             "team": ScopeKind.TEAM}
    if kind not in kinds or feeds.public_feed(community, kinds[kind], code or None) is None:
        abort(404)
    if kind == "community":
        url = feed_url("feeds.community_feed", community=community)
    else:
        url = feed_url(f"feeds.{kind}_feed", community=community, code=code)
    svg = qr_svg(webcal_url(url), label=_("QR code of the calendar"))
    response = Response(str(svg), content_type="image/svg+xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --------------------------------------------------------------------------- my calendar


def _session_token(volunteer) -> str | None:
    """The token made in this session, if it is still the volunteer's current one."""
    token = session.get(SESSION_TOKEN)
    current = feeds.active_token(volunteer)
    if not token or current is None or feeds.hash_token(token) != current.token_hash:
        session.pop(SESSION_TOKEN, None)
        return None
    return token


def _private_links(token: str | None) -> dict | None:
    """The private feed's https and webcal addresses and QR code, or None without a token."""
    if not token:
        return None
    https = feed_url("feeds.private_feed", token=token)
    webcal = webcal_url(https)
    return {"https": https, "webcal": webcal, "qr": qr_svg(webcal, label=_("QR code of your calendar link"))}


@bp.get("/my/calendar")
@volunteer_required
def subscribe():
    """The volunteer's private feed: a webcal link, a link to copy, a QR code; reminders."""
    volunteer = current_user.profile
    links = _private_links(_session_token(volunteer))
    choice = feeds.reminder_choice(volunteer.id)
    reminders = RemindersForm(
        evening_before=choice.evening_before,
        evening_time=choice.evening_time,
        minutes_before=choice.minutes_before or 0,
    )
    return _subscribe_page(volunteer, links, reminders)


def _subscribe_page(volunteer, links, reminders, status: int = 200):
    return render_template(
        "feeds/subscribe.html",
        links=links,
        has_token=feeds.active_token(volunteer) is not None,
        link_form=LinkForm(),
        reminders=reminders,
        community=volunteer.community,
    ), status


@bp.post("/my/calendar/link")
@volunteer_required
def make_link():
    """Make the private link, or a new one (the old one stops working at once)."""
    if not LinkForm().validate_on_submit():
        abort(400)
    rotated = feeds.active_token(current_user.profile) is not None
    token = feeds.make_token(current_user.profile.id)
    session[SESSION_TOKEN] = token
    if rotated:
        flash(_("Here is your new link. The old link no longer works: subscribe again on your other devices."), "success")
    else:
        flash(_("Here is your calendar link."), "success")
    return redirect(url_for("feeds.subscribe", _anchor="link"))


@bp.post("/my/calendar/reminders")
@volunteer_required
def reminders():
    """Save the reminders of the private feed."""
    volunteer = current_user.profile
    form = RemindersForm()
    if not form.validate_on_submit():
        return _subscribe_page(volunteer, _private_links(_session_token(volunteer)), form, status=400)
    choice = feeds.ReminderChoice(
        evening_before=bool(form.evening_before.data),
        evening_time=form.evening_time.data or feeds.ReminderChoice.evening_time,
        minutes_before=form.minutes_before.data or None,
    )
    feeds.save_reminders(volunteer, choice)
    db.session.commit()
    flash(_("Your reminders are saved. Calendars pick them up at their next refresh."), "success")
    return redirect(url_for("feeds.subscribe", _anchor="reminders"))
