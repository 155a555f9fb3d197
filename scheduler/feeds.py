"""Calendar feeds: private feed tokens, reminders, and serving feeds from the ledger.

Verbs for the web layer (they flush; the caller commits, except where a verb says it runs
its own transaction):

* tokens: `issue_token` (creates or rotates; the old URL then answers 404; `make_token`
  does it in its own committed transaction), `active_token`;
* reminders: `reminder_choice`, `save_reminders` (which also bumps the private feed);
* serving: `private_feed` (a token, by its SHA-256) and `public_feed` find a feed and its
  ledger state in one query; `feed_state` gives the version and Last-Modified that answer
  a conditional request without building anything (comparing the ledger with the live
  tables first when it has not been for ``FEED_RECONCILE_SECONDS``), and `build_feed`
  writes the ``.ics`` bytes.

`init_app` connects `scheduler.signals.schedule_changed` to `scheduler.feed_ledger`, so
every committed change of who does what reaches the feeds at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from typing import Optional
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from scheduler.extensions import db
from scheduler.feed_content import EventContent, event_texts
from scheduler.feed_desired import ShiftLinks
from scheduler.feed_ledger import (
    LedgerWriter,
    LedgerSettings,
    lock_community,
    purge_expired,
    reconcile_scope,
    reconcile_shifts,
    scopes_for,
    write_unit,
)
from scheduler.feed_models import (
    DEFAULT_EVENING_TIME,
    DEFAULT_MINUTES_BEFORE,
    FeedEvent,
    FeedScope,
    FeedSettings,
    FeedToken,
    ScopeKind,
)
from scheduler.ical import (
    CALENDAR_END,
    CalendarInfo,
    EventStamp,
    Reminder,
    calendar_head,
    event_ical,
    reminder_offsets,
)
from scheduler.models import Activity, Community, Team, User, Venue, VolunteerProfile, utcnow
from scheduler.signals import schedule_changed

log = logging.getLogger(__name__)

#: Random bytes in a private feed token (256 bits).
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
#: Bump when the serialisation changes, so cached events are written again.
RENDER_VERSION = "1"

DEFAULTS = {
    # How often clients are asked to refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    "FEED_REFRESH_MINUTES": 60,
    # A feed not compared with the live tables for this long is compared on its next request.
    "FEED_RECONCILE_SECONDS": 900,
    "FEED_PAST_DAYS": LedgerSettings.past_days,
    "FEED_CANCELLED_DAYS": LedgerSettings.cancelled_days,
    "FEED_UID_DOMAIN": None,
    # The site's canonical address for links in feeds (default: the address requested).
    "FEED_BASE_URL": None,
}


# --------------------------------------------------------------------------- tokens


def hash_token(token: str) -> str:
    """The stored form of a feed token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_token(volunteer: VolunteerProfile) -> Optional[FeedToken]:
    """The volunteer's current token row, if any."""
    return db.session.scalar(
        select(FeedToken).where(FeedToken.volunteer_id == volunteer.id, FeedToken.revoked_at.is_(None))
    )


def issue_token(volunteer: VolunteerProfile) -> str:
    """A new private feed token for `volunteer`; the previous one stops working.

    Returns the token itself, which is stored nowhere: show it now or never.
    """
    previous = active_token(volunteer)
    if previous is not None:
        previous.revoked_at = utcnow()
        db.session.flush()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(FeedToken(volunteer_id=volunteer.id, token_hash=hash_token(token)))
    db.session.flush()
    log.info("feed token %s for volunteer %s", "rotated" if previous else "issued", volunteer.id)
    return token


def make_token(volunteer_id: int) -> str:
    """`issue_token` in its own serialised transaction, committed; a double click cannot
    leave two active tokens (the partial unique index refuses it and the retry rotates)."""
    return write_unit(lambda: issue_token(db.session.get(VolunteerProfile, volunteer_id)))


@dataclass(frozen=True)
class FeedRef:
    """A feed named by a URL: whose it is, and its ledger state read in the same query.

    ``scope_id`` is None until the feed's first request creates its scope.
    """

    community_id: int
    kind: ScopeKind
    ref_id: int
    locale: Optional[str] = None
    scope_id: Optional[int] = None
    version: int = 0
    modified_at: Optional[datetime] = None
    reconciled_at: Optional[datetime] = None
    expires_at: Optional[datetime] = None


def _state_columns(scope):
    return (scope.c.id, scope.c.version, scope.c.modified_at, scope.c.reconciled_at, scope.c.expires_at)


# The lookups run on every feed request, 304s included: Core statements built once per
# process (no ORM entities to load), with the token hash, slug and code as parameters.


@cache
def _private_statement():
    token, profile, user, scope = (model.__table__ for model in (FeedToken, VolunteerProfile, User, FeedScope))
    joined = (
        token.join(profile, profile.c.id == token.c.volunteer_id)
        .join(user, user.c.id == profile.c.user_id)
        .outerjoin(scope, and_(scope.c.kind == ScopeKind.VOLUNTEER, scope.c.ref_id == token.c.volunteer_id))
    )
    return (
        select(user.c.community_id, token.c.volunteer_id, user.c.locale, *_state_columns(scope))
        .select_from(joined)
        .where(token.c.token_hash == bindparam("token_hash"), token.c.revoked_at.is_(None),
               user.c.is_active.is_(True))
    )


def private_feed(token: str) -> Optional[FeedRef]:
    """The private feed a token opens (its active volunteer's), else None: one query."""
    if not _TOKEN_SHAPE.match(token or ""):
        return None
    row = db.session.execute(_private_statement(), {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    community_id, volunteer_id, locale, *state = row
    return FeedRef(community_id, ScopeKind.VOLUNTEER, volunteer_id, locale, *state)


#: The table whose ``code`` names the subject of each public feed kind.
_SUBJECTS = {ScopeKind.ACTIVITY: Activity, ScopeKind.VENUE: Venue, ScopeKind.TEAM: Team}


@cache
def _public_statement(kind: ScopeKind):
    community, scope = Community.__table__, FeedScope.__table__
    if kind == ScopeKind.COMMUNITY:
        ref = community.c.id
        joined = community
    elif kind in _SUBJECTS:
        subject = _SUBJECTS[kind].__table__
        ref = subject.c.id
        joined = community.join(
            subject, and_(subject.c.community_id == community.c.id, subject.c.code == bindparam("code"))
        )
    else:
        raise ValueError(f"{kind} feeds are not public")
    joined = joined.outerjoin(scope, and_(scope.c.kind == kind, scope.c.ref_id == ref))
    return (
        select(community.c.id, ref, *_state_columns(scope))
        .select_from(joined)
        .where(community.c.slug == bindparam("slug"))
    )


def public_feed(community_slug: str, kind: ScopeKind, code: Optional[str] = None) -> Optional[FeedRef]:
    """The public feed of a community (`kind` COMMUNITY) or of its activity, venue or team
    `code`, else None: one query."""
    values = {"slug": community_slug}
    if kind != ScopeKind.COMMUNITY:
        values["code"] = code
    row = db.session.execute(_public_statement(kind), values).first()
    if row is None:
        return None
    community_id, ref_id, *state = row
    return FeedRef(community_id, kind, ref_id, None, *state)


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class ReminderChoice:
    """A volunteer's reminders: the evening before at a time, and minutes before."""

    evening_before: bool = True
    evening_time: time = DEFAULT_EVENING_TIME
    minutes_before: Optional[int] = DEFAULT_MINUTES_BEFORE

    def signature(self) -> str:
        """A short text that changes with the choice (part of the event cache key)."""
        evening = self.evening_time.strftime("%H:%M") if self.evening_before else "-"
        return f"{evening}/{self.minutes_before or '-'}"


def reminder_choice(volunteer_id: int) -> ReminderChoice:
    """The volunteer's reminders (the defaults when never set)."""
    row = db.session.get(FeedSettings, volunteer_id)
    if row is None:
        return ReminderChoice()
    return ReminderChoice(row.remind_evening_before, row.evening_time, row.remind_minutes_before)


def save_reminders(volunteer: VolunteerProfile, choice: ReminderChoice) -> None:
    """Store the volunteer's reminders and mark their private feed changed."""
    row = db.session.get(FeedSettings, volunteer.id)
    if row is None:
        row = FeedSettings(volunteer_id=volunteer.id)
        db.session.add(row)
    row.remind_evening_before = choice.evening_before
    row.evening_time = choice.evening_time
    row.remind_minutes_before = choice.minutes_before
    db.session.flush()
    lock_community(volunteer.community.id)
    writer = LedgerWriter(LedgerSettings.current())
    scope = scopes_for(volunteer.community.id, [(ScopeKind.VOLUNTEER, volunteer.id)])[
        (ScopeKind.VOLUNTEER, volunteer.id)
    ]
    writer.bump(scope, writer.now)
    writer.finish()


# --------------------------------------------------------------------------- finding feeds


# --------------------------------------------------------------------------- serving


@dataclass(frozen=True)
class RenderParams:
    """What a feed's bytes depend on besides the ledger: language and this site's URLs."""

    locale: str
    base_url: str
    source_url: str
    page_url: str

    def key(self, extra: str = "") -> str:
        """A hash of everything cached event bytes depend on."""
        text = f"{RENDER_VERSION}|{self.locale}|{self.base_url}|{extra}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class FeedState:
    """A feed's version and Last-Modified: enough to answer a conditional request."""

    scope_id: int
    version: int
    modified_at: datetime
    #: The feed is due for comparison with the live tables (`compare_after_response`).
    compare_due: bool = False

    def etag(self, params: RenderParams) -> str:
        """The entity tag (unquoted) of the feed as `params` render it."""
        text = f"{self.scope_id}:{self.version}:{params.key()}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _read_state(scope_id: int):
    scope = FeedScope.__table__
    return db.session.execute(select(*_state_columns(scope)).where(scope.c.id == scope_id)).first()


def feed_state(feed: FeedRef) -> Optional[FeedState]:
    """The feed's state, from what `feed` was read with; None if the feed is gone.

    A feed's first request creates its scope and fills it from the live tables before
    answering; expired events are dropped before answering. A feed not compared with the
    live tables for ``FEED_RECONCILE_SECONDS`` is answered from the ledger (which
    `schedule_changed` keeps current) and marked `FeedState.compare_due`, so the caller
    compares it after the response instead of making the client wait.
    """
    now = utcnow()
    if feed.scope_id is None:
        key = (feed.kind, feed.ref_id)
        return scope_state(write_unit(lambda: scopes_for(feed.community_id, [key])[key].id))
    if feed.reconciled_at is None:
        return scope_state(feed.scope_id)
    if feed.expires_at is not None and feed.expires_at <= now:
        purge_expired(feed.scope_id)
        row = _read_state(feed.scope_id)
        if row is None:
            return None
        version, modified_at = row.version, row.modified_at
    else:
        version, modified_at = feed.version, feed.modified_at
    due = feed.reconciled_at <= now - _max_age()
    return FeedState(feed.scope_id, version, modified_at, compare_due=due)


def _max_age() -> timedelta:
    return timedelta(seconds=current_app.config["FEED_RECONCILE_SECONDS"])


def scope_state(scope_id: int) -> Optional[FeedState]:
    """A feed's state by its scope id, after comparing it with the live tables if that is
    due (synchronously) and dropping expired events."""
    row = _read_state(scope_id)
    if row is None:
        return None
    now = utcnow()
    if row.reconciled_at is None or row.reconciled_at <= now - _max_age():
        reconcile_scope(scope_id, max_age=_max_age())
        row = _read_state(scope_id)
    elif row.expires_at is not None and row.expires_at <= now:
        purge_expired(scope_id)
        row = _read_state(scope_id)
    if row is None:
        return None
    return FeedState(scope_id, row.version, row.modified_at)


def compare_after_response(app: Flask, scope_id: int) -> None:
    """Compare a feed with the live tables in a context of its own (for a response's
    ``call_on_close``: the client already has its answer). Failures are logged."""
    with app.app_context():
        try:
            reconcile_scope(scope_id, max_age=_max_age())
        except Exception:
            log.exception("feeds: comparing feed %s after the response failed", scope_id)
        finally:
            db.session.remove()


CALENDAR_NAMES = {
    ScopeKind.VOLUNTEER: lambda h: _("My volunteer shifts (%(community)s)", community=h["community"]),
    ScopeKind.COMMUNITY: lambda h: _("%(community)s: all activities", community=h["community"]),
    ScopeKind.ACTIVITY: lambda h: _("%(title)s (%(community)s)", title=h["subject"], community=h["community"]),
    ScopeKind.VENUE: lambda h: _("At %(venue)s (%(community)s)", venue=h["subject"], community=h["community"]),
    ScopeKind.TEAM: lambda h: _("%(team)s (%(community)s)", team=h["subject"], community=h["community"]),
}

CALENDAR_DESCRIPTIONS = {
    ScopeKind.VOLUNTEER: lambda h: _(
        "Your published assignments and confirmed sign-ups. This link is private: do not share it."
    ),
    ScopeKind.COMMUNITY: lambda h: _("Classes, lectures and duty shifts of %(community)s.", community=h["community"]),
    ScopeKind.ACTIVITY: lambda h: _("Timetable of %(title)s in %(community)s.", title=h["subject"], community=h["community"]),
    ScopeKind.VENUE: lambda h: _("Everything at %(venue)s, %(community)s.", venue=h["subject"], community=h["community"]),
    ScopeKind.TEAM: lambda h: _("Shifts served by %(team)s in %(community)s.", team=h["subject"], community=h["community"]),
}


def build_feed(scope_id: int, params: RenderParams) -> bytes:
    """The feed as ``.ics`` bytes, events in start order.

    Each event's bytes are cached in the ledger for the rendering parameters; only events
    that changed since (or are rendered for other parameters) are serialised again.
    """
    scope = db.session.get(FeedScope, scope_id)
    header = json.loads(scope.header or "{}")
    header.setdefault("community", "")
    header.setdefault("subject", "")
    timezone = header.get("timezone") or "UTC"
    choice = reminder_choice(scope.ref_id) if scope.kind == ScopeKind.VOLUNTEER else None
    key = params.key(choice.signature() if choice else "")
    with force_locale(params.locale):
        info = CalendarInfo(
            name=CALENDAR_NAMES[scope.kind](header),
            description=CALENDAR_DESCRIPTIONS[scope.kind](header),
            timezone=timezone,
            refresh=timedelta(minutes=current_app.config["FEED_REFRESH_MINUTES"]),
            source_url=params.source_url,
            page_url=params.page_url,
        )
        head = calendar_head(info)
        rows = db.session.execute(
            select(FeedEvent.id, FeedEvent.sequence, FeedEvent.ics_key, FeedEvent.ics)
            .where(FeedEvent.scope_id == scope_id)
            .order_by(FeedEvent.starts_at, FeedEvent.id)
        ).all()
        parts: dict[int, bytes] = {row.id: row.ics.encode("utf-8") for row in rows if row.ics_key == key and row.ics}
        missing = [row.id for row in rows if row.id not in parts]
        fresh = _render_missing(missing, params, choice)
        parts.update((event_id, data) for event_id, (_sequence, data) in fresh.items())
    body = head + b"".join(parts[row.id] for row in rows) + CALENDAR_END
    _store_rendered(fresh, key)
    return body


def _render_missing(
    event_ids: list[int], params: RenderParams, choice: Optional[ReminderChoice]
) -> dict[int, tuple[int, bytes]]:
    rendered: dict[int, tuple[int, bytes]] = {}
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start:start + 500]
        for row in db.session.scalars(select(FeedEvent).where(FeedEvent.id.in_(chunk))):
            rendered[row.id] = (row.sequence, render_event(row, params, choice))
    return rendered


def render_event(row: FeedEvent, params: RenderParams, choice: Optional[ReminderChoice]) -> bytes:
    """One ledger event as VEVENT bytes, in the current locale."""
    content = EventContent.from_json(row.content)
    url = params.base_url.rstrip("/") + content.path
    texts = event_texts(content, cancelled=row.is_cancelled, reason=row.cancel_reason, url=url)
    stamp = EventStamp(
        uid=row.uid,
        sequence=row.sequence,
        cancelled=row.is_cancelled,
        created=row.created_at,
        last_modified=row.last_modified,
    )
    reminders: list[Reminder] = []
    if choice is not None and not content.public:
        offsets = reminder_offsets(
            content.starts_at,
            ZoneInfo(content.timezone),
            evening_before=choice.evening_time if choice.evening_before else None,
            minutes_before=choice.minutes_before,
        )
        reminders = [Reminder(key, before, texts.summary) for key, before in offsets]
    return event_ical(content, texts, stamp, url=url, reminders=reminders)


def _store_rendered(rendered: dict[int, tuple[int, bytes]], key: str) -> None:
    """Cache freshly serialised events, unless the event changed meanwhile."""
    if not rendered:
        return
    table = FeedEvent.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.sequence == bindparam("b_sequence"))
        .values(ics=bindparam("b_ics"), ics_key=bindparam("b_key"))
    )
    values = [
        {"b_id": event_id, "b_sequence": sequence, "b_ics": data.decode("utf-8"), "b_key": key}
        for event_id, (sequence, data) in rendered.items()
    ]
    try:
        db.session.execute(statement, values)
        db.session.commit()
    except SQLAlchemyError as error:  # a cache that could not be written is no failure
        db.session.rollback()
        log.warning("could not cache %d feed events: %s", len(values), error)


# --------------------------------------------------------------------------- wiring


@dataclass
class FeedsExtension:
    """What `init_app` keeps in ``app.extensions["feeds"]``."""

    links: ShiftLinks


def init_app(app: Flask, links: ShiftLinks) -> None:
    """Enable feeds on `app`: settings, the shift pages events link to, the ledger's
    subscription to `schedule_changed`, and the ``flask feeds`` commands."""
    from scheduler import feed_cli

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions["feeds"] = FeedsExtension(links)
    schedule_changed.connect(_on_schedule_changed)
    if "feeds" not in app.cli.commands:
        app.cli.add_command(feed_cli.feeds_cli)


def _on_schedule_changed(sender, shift_ids=(), **_extra) -> None:
    """Bring the feeds of the changed shifts up to date (after the sender's commit).

    A failure must not fail the sender's request: it is logged, and the community's feeds
    are marked for comparison on their next request.
    """
    if not has_app_context() or "feeds" not in current_app.extensions:
        return
    try:
        reconcile_shifts(int(sender), shift_ids or ())
    except Exception:
        log.exception("feeds: could not reconcile shifts %s of community %s", shift_ids, sender)
        db.session.rollback()
        _mark_stale(int(sender))


def _mark_stale(community_id: int) -> None:
    try:
        db.session.execute(
            update(FeedScope).where(FeedScope.community_id == community_id).values(reconciled_at=None)
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("feeds: could not mark the feeds of community %s for comparison", community_id)
