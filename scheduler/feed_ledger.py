"""The feed ledger, kept in step with the live tables.

Each feed (`FeedScope`) holds one `FeedEvent` per shift it shows. Reconciling compares the
snapshot each event should have now (`desired_events`, from shifts, roles and confirmed
sign-ups) with the ledger:

* a new shift in a feed gets a row: ``SEQUENCE`` 0, a ``UID`` that never changes (public
  events: derived from the shift, the same in every public feed; private events: random);
* a changed snapshot bumps ``SEQUENCE`` and ``LAST-MODIFIED``;
* a shift that left the feed (assignment removed, shift cancelled or deleted, a venue or
  team change) is kept as cancelled, with a bumped ``SEQUENCE``, for
  ``FEED_CANCELLED_DAYS`` (30) days; then, like any event ``FEED_PAST_DAYS`` after its end,
  it is dropped (`purge_expired`).

Times come from the data: a change is dated by the newest ``updated_at`` of the shift and
its sign-ups; only a change those rows cannot date (a venue renamed, a shift deleted) takes
the time it was noticed. Every change bumps the scope's ``version`` and ``modified_at``,
from which the feeds answer conditional requests without building anything.

Three ways in: `reconcile_shifts` (what `schedule_changed` calls with the shifts a commit
touched), `reconcile_scope` (one feed, when it has not been compared for a while) and
`reconcile_community` (every feed of a community: the CLI and benchmarks). Each runs in its
own serialised write transaction (`write_unit`) and commits.
"""

from __future__ import annotations

import json
import logging
import secrets
import time as clock
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Callable, Iterable, Optional, Sequence, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from scheduler import SQLITE_BEGIN_IMMEDIATE
from scheduler.extensions import db
from scheduler.feed_content import EventContent
from scheduler.feed_desired import Desired, ScopeRef, desired_events, shift_query
from scheduler.feed_models import CancelReason, EventStatus, FeedEvent, FeedScope, ScopeKind
from scheduler.models import (
    Activity,
    Community,
    Shift,
    ShiftRole,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    Team,
    Venue,
    VolunteerProfile,
    shift_role_teams,
    utcnow,
    volunteer_teams,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_ATTEMPTS = 5
#: Last-Modified of a feed that never had an event.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UID_NAMESPACE = uuid.UUID("6f1d7a52-52d4-4c53-9a4e-4b3b8f0c2a11")


@dataclass(frozen=True)
class LedgerSettings:
    """The ledger's settings, read from the app's configuration."""

    past_days: int = 60
    cancelled_days: int = 30
    uid_domain: str = "feeds.community-volunteers.invalid"

    @classmethod
    def current(cls) -> LedgerSettings:
        """The settings of the current app (``FEED_*`` keys)."""
        config = current_app.config
        return cls(
            past_days=int(config.get("FEED_PAST_DAYS", cls.past_days)),
            cancelled_days=int(config.get("FEED_CANCELLED_DAYS", cls.cancelled_days)),
            uid_domain=config.get("FEED_UID_DOMAIN") or cls.uid_domain,
        )


# --------------------------------------------------------------------------- transactions


def _is_retryable(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        return True
    if getattr(error.orig, "sqlstate", None) in {"40001", "40P01", "55P03"}:
        return True
    return isinstance(error, OperationalError) and "locked" in str(error.orig).lower()


def write_unit(work: Callable[[], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
    """Run `work` in a fresh serialised transaction and commit; retry a lost race.

    The session must hold no pending changes. SQLite takes its write lock at ``BEGIN
    IMMEDIATE``; on PostgreSQL the work takes the community's lock (`lock_community`).
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_unit needs a session without pending changes")
    for attempt in range(1, attempts + 1):
        session.commit()
        session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
        try:
            result = work()
            session.commit()
            return result
        except DBAPIError as error:
            session.rollback()
            if attempt == attempts or not _is_retryable(error):
                raise
            log.info("feed ledger write lost a race (%s), attempt %d", type(error).__name__, attempt)
            clock.sleep(0.01 * attempt)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- writing


class LedgerWriter:
    """Applies desired snapshots to ledger rows and dates every change."""

    def __init__(self, settings: LedgerSettings, now: Optional[datetime] = None) -> None:
        self.settings = settings
        self.now = (now or utcnow()).replace(microsecond=0)
        self._touched: dict[int, tuple[FeedScope, datetime]] = {}

    def stamp(self, candidate: Optional[datetime], previous: Optional[datetime]) -> datetime:
        """`candidate` (the data's time) if it is after `previous`, else the time of noticing;
        always strictly after `previous`, so clients see the change."""
        if candidate is not None:
            candidate = candidate.astimezone(UTC).replace(microsecond=0)
            if previous is None or candidate > previous:
                return candidate
        if previous is None or self.now > previous:
            return self.now
        return previous + timedelta(seconds=1)

    def drop_at(self, content: EventContent) -> datetime:
        """When an event of `content` leaves its feed: `past_days` after its end."""
        end = content.ends_at.replace(tzinfo=ZoneInfo(content.timezone)).astimezone(UTC)
        return end + timedelta(days=self.settings.past_days)

    def uid(self, scope: FeedScope, shift: Optional[Shift], shift_id: int) -> str:
        """A new event's UID: per shift for public feeds, random for a volunteer's own."""
        domain = self.settings.uid_domain
        if scope.kind.is_public and shift is not None:
            created = shift.created_at.astimezone(UTC).isoformat()
            return f"{uuid.uuid5(_UID_NAMESPACE, f'shift/{shift_id}/{created}')}@{domain}"
        return f"{secrets.token_hex(16)}@{domain}"

    def touch(self, scope: FeedScope, moment: datetime) -> None:
        """Note that `scope` changed at `moment`."""
        previous = self._touched.get(scope.id)
        self._touched[scope.id] = (scope, max(moment, previous[1]) if previous else moment)

    def upsert(self, scope: FeedScope, row: Optional[FeedEvent], shift: Optional[Shift], want: Desired) -> None:
        """Create, update or revive the event of `shift` in `scope`."""
        content = want.content
        drop_at = self.drop_at(content)
        if row is None:
            if drop_at <= self.now or shift is None:
                return
            moment = self.stamp(want.changed_at, None)
            row = FeedEvent(
                scope_id=scope.id,
                shift_id=shift.id,
                uid=self.uid(scope, shift, shift.id),
                status=EventStatus.CONFIRMED,
                sequence=0,
                content=want.text,
                content_hash=want.digest,
                starts_at=content.starts_at,
                created_at=moment,
                last_modified=moment,
                drop_at=drop_at,
            )
            db.session.add(row)
            self.touch(scope, moment)
            return
        if row.status == EventStatus.CONFIRMED and row.content_hash == want.digest:
            if row.drop_at != drop_at:
                row.drop_at = drop_at
            return
        moment = self.stamp(want.changed_at, row.last_modified)
        row.content = want.text
        row.content_hash = want.digest
        row.starts_at = content.starts_at
        row.status = EventStatus.CONFIRMED
        row.cancel_reason = None
        row.cancelled_at = None
        row.sequence += 1
        row.last_modified = moment
        row.drop_at = drop_at
        row.ics = row.ics_key = None
        self.touch(scope, moment)

    def cancel(self, scope: FeedScope, row: FeedEvent, reason: CancelReason, changed_at: Optional[datetime]) -> None:
        """Keep `row` as cancelled for `cancelled_days`."""
        if row.status == EventStatus.CANCELLED:
            return
        moment = self.stamp(changed_at, row.last_modified)
        row.status = EventStatus.CANCELLED
        row.cancel_reason = reason
        row.cancelled_at = moment
        row.sequence += 1
        row.last_modified = moment
        row.drop_at = moment + timedelta(days=self.settings.cancelled_days)
        row.ics = row.ics_key = None
        self.touch(scope, moment)

    def bump(self, scope: FeedScope, moment: datetime) -> None:
        """Record a change of the feed itself (its name, an expiry) at `moment`."""
        self.touch(scope, moment.replace(microsecond=0))

    def finish(self) -> list[FeedScope]:
        """Bump the version of every changed scope and recompute its expiry; returns them."""
        db.session.flush()
        scopes = [scope for scope, _moment in self._touched.values()]
        for scope, moment in self._touched.values():
            scope.version += 1
            scope.modified_at = self.stamp(moment, scope.modified_at)
        update_expiry(scopes)
        self._touched.clear()
        return scopes


def update_expiry(scopes: Sequence[FeedScope]) -> None:
    """Set each scope's ``expires_at`` to its earliest event ``drop_at``."""
    if not scopes:
        return
    db.session.flush()
    earliest = dict(
        db.session.execute(
            select(FeedEvent.scope_id, func.min(FeedEvent.drop_at, type_=FeedEvent.drop_at.type))
            .where(FeedEvent.scope_id.in_([scope.id for scope in scopes]))
            .group_by(FeedEvent.scope_id)
        ).all()
    )
    for scope in scopes:
        scope.expires_at = earliest.get(scope.id)


# --------------------------------------------------------------------------- scopes


def scopes_for(community_id: int, refs: Iterable[ScopeRef]) -> dict[ScopeRef, FeedScope]:
    """The scopes of `refs` (created when missing)."""
    wanted = set(refs)
    if not wanted:
        return {}
    found = _find_scopes(wanted)
    for kind, ref_id in sorted(wanted - found.keys()):
        scope = FeedScope(
            community_id=community_id, kind=kind, ref_id=ref_id, version=0, modified_at=EPOCH, header="{}"
        )
        db.session.add(scope)
        found[(kind, ref_id)] = scope
    db.session.flush()
    return found


def _find_scopes(refs: set[ScopeRef]) -> dict[ScopeRef, FeedScope]:
    by_kind: dict[ScopeKind, list[int]] = defaultdict(list)
    for kind, ref_id in refs:
        by_kind[kind].append(ref_id)
    found: dict[ScopeRef, FeedScope] = {}
    for kind, ids in by_kind.items():
        for chunk in _chunks(sorted(ids)):
            for scope in db.session.scalars(
                select(FeedScope).where(FeedScope.kind == kind, FeedScope.ref_id.in_(chunk))
            ):
                found[(scope.kind, scope.ref_id)] = scope
    return found


#: First key of the PostgreSQL advisory locks that serialise ledger writes per community.
_ADVISORY_LOCK_CLASS = 0x5FEED


def lock_community(community_id: int) -> None:
    """Serialise ledger writes of one community on PostgreSQL (a transaction-scoped
    advisory lock), as ``BEGIN IMMEDIATE`` serialises all writes on SQLite. Call first in
    a `write_unit`, before reading the ledger."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(select(func.pg_advisory_xact_lock(_ADVISORY_LOCK_CLASS, community_id)))


def _locked_scope(scope_id: int) -> Optional[FeedScope]:
    """The feed `scope_id`, read again after its community's ledger lock is taken (another
    process may have changed it while this one waited), or None if it is gone."""
    scope = db.session.get(FeedScope, scope_id)
    if scope is None:
        return None
    lock_community(scope.community_id)
    return db.session.get(FeedScope, scope_id, populate_existing=True)


def _chunks(items: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def scope_header(scope: FeedScope) -> Optional[dict]:
    """The calendar's own data from the live tables, or None when its subject is gone."""
    community = db.session.get(Community, scope.community_id)
    if community is None:
        return None
    subject = ""
    if scope.kind == ScopeKind.VOLUNTEER:
        if db.session.get(VolunteerProfile, scope.ref_id) is None:
            return None
    elif scope.kind == ScopeKind.ACTIVITY:
        activity = db.session.get(Activity, scope.ref_id)
        if activity is None:
            return None
        subject = activity.title
    elif scope.kind == ScopeKind.VENUE:
        venue = db.session.get(Venue, scope.ref_id)
        if venue is None:
            return None
        subject = venue.name
    elif scope.kind == ScopeKind.TEAM:
        team = db.session.get(Team, scope.ref_id)
        if team is None:
            return None
        subject = team.name
    return {"community": community.name, "slug": community.slug, "subject": subject, "timezone": community.timezone}


def _refresh_header(scope: FeedScope, writer: LedgerWriter) -> None:
    header = scope_header(scope)
    if header is None:
        return
    text = json.dumps(header, ensure_ascii=False, sort_keys=True)
    if text != scope.header:
        scope.header = text
        writer.bump(scope, writer.now)


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class _ShiftFacts:
    status: ShiftStatus
    changed_at: datetime


def _facts(shift_ids: Iterable[int]) -> dict[int, _ShiftFacts]:
    """Status and latest change of shifts, without loading them."""
    ids = sorted(set(shift_ids))
    facts: dict[int, _ShiftFacts] = {}
    latest_sign_up: dict[int, datetime] = {}
    for chunk in _chunks(ids):
        for shift_id, moment in db.session.execute(
            select(SignUp.shift_id, func.max(SignUp.updated_at, type_=SignUp.updated_at.type))
            .where(SignUp.shift_id.in_(chunk))
            .group_by(SignUp.shift_id)
        ):
            latest_sign_up[shift_id] = moment
        for shift_id, status, updated, cancelled in db.session.execute(
            select(Shift.id, Shift.status, Shift.updated_at, Shift.cancelled_at).where(Shift.id.in_(chunk))
        ):
            times = [moment for moment in (updated, cancelled, latest_sign_up.get(shift_id)) if moment]
            facts[shift_id] = _ShiftFacts(status, max(times))
    return facts


def _apply(
    writer: LedgerWriter,
    scopes: dict[ScopeRef, FeedScope],
    desired: dict[ScopeRef, dict[int, Desired]],
    existing: Sequence[FeedEvent],
    shifts: dict[int, Shift],
) -> None:
    by_key = {(row.scope_id, row.shift_id): row for row in existing if row.shift_id is not None}
    matched: set[tuple[int, int]] = set()
    for ref, events in desired.items():
        scope = scopes[ref]
        for shift_id, want in events.items():
            writer.upsert(scope, by_key.get((scope.id, shift_id)), shifts.get(shift_id), want)
            matched.add((scope.id, shift_id))
    leaving = [
        row for row in existing
        if row.status == EventStatus.CONFIRMED and (row.scope_id, row.shift_id) not in matched
        and row.drop_at > writer.now  # its time in the feed is over: purged, not cancelled
    ]
    facts = _facts(row.shift_id for row in leaving if row.shift_id is not None)
    scope_by_id = {scope.id: scope for scope in scopes.values()}
    for row in leaving:
        scope = scope_by_id.get(row.scope_id) or row.scope
        fact = facts.get(row.shift_id) if row.shift_id is not None else None
        if fact is None:
            reason, changed = CancelReason.SHIFT_DELETED, None
        elif fact.status == ShiftStatus.CANCELLED:
            reason, changed = CancelReason.SHIFT_CANCELLED, fact.changed_at
        elif scope.kind == ScopeKind.VOLUNTEER:
            reason, changed = CancelReason.REMOVED, fact.changed_at
        else:
            reason, changed = CancelReason.LEFT_FEED, fact.changed_at
        writer.cancel(scope, row, reason, changed)


def _cutoff(settings: LedgerSettings, zone: ZoneInfo, now: datetime) -> datetime:
    """Local naive time before which ended shifts are no longer shown (a day of margin)."""
    return (now.astimezone(zone) - timedelta(days=settings.past_days + 1)).replace(tzinfo=None)


# --------------------------------------------------------------------------- entry points


def reconcile_shifts(community_id: int, shift_ids: Iterable[int]) -> list[FeedScope]:
    """Bring every feed showing `shift_ids` up to date (and cancel events of deleted shifts
    of the community). Runs and commits its own transaction; returns the changed scopes."""
    ids = sorted({int(shift_id) for shift_id in shift_ids})
    settings = LedgerSettings.current()

    def work() -> list[FeedScope]:
        lock_community(community_id)
        writer = LedgerWriter(settings)
        shifts: dict[int, Shift] = {}
        for chunk in _chunks(ids):
            shifts.update((shift.id, shift) for shift in db.session.scalars(shift_query().where(Shift.id.in_(chunk))))
        desired = desired_events(shifts.values())
        existing: list[FeedEvent] = []
        for chunk in _chunks(ids):
            existing += db.session.scalars(
                select(FeedEvent).where(FeedEvent.shift_id.in_(chunk)).options(selectinload(FeedEvent.scope))
            ).all()
        existing += _orphans(community_id)
        refs = set(desired) | {(row.scope.kind, row.scope.ref_id) for row in existing}
        scopes = scopes_for(community_id, refs)
        _apply(writer, scopes, desired, existing, shifts)
        return writer.finish()

    return write_unit(work)


def _orphans(community_id: int) -> list[FeedEvent]:
    """Confirmed events of the community whose shift was deleted."""
    return list(db.session.scalars(
        select(FeedEvent)
        .options(selectinload(FeedEvent.scope))
        .join(FeedScope, FeedEvent.scope_id == FeedScope.id)
        .where(
            FeedScope.community_id == community_id,
            FeedEvent.shift_id.is_(None),
            FeedEvent.status == EventStatus.CONFIRMED,
        )
    ))


def scope_shifts(scope: FeedScope, cutoff: datetime):
    """A ``select`` of the shifts that may show in `scope` (active, not ended before `cutoff`)."""
    query = shift_query().where(Shift.ends_at >= cutoff, Shift.status == ShiftStatus.ACTIVE)
    if scope.kind == ScopeKind.COMMUNITY:
        return query.where(Shift.community_id == scope.ref_id)
    if scope.kind == ScopeKind.ACTIVITY:
        return query.where(Shift.activity_id == scope.ref_id)
    if scope.kind == ScopeKind.VENUE:
        return query.where(Shift.venue_id == scope.ref_id)
    if scope.kind == ScopeKind.VOLUNTEER:
        confirmed = select(SignUp.shift_id).where(
            SignUp.volunteer_id == scope.ref_id, SignUp.status == SignUpStatus.CONFIRMED
        )
        return query.where(Shift.id.in_(confirmed))
    served = (
        select(SignUp.shift_id)
        .join(volunteer_teams, volunteer_teams.c.volunteer_id == SignUp.volunteer_id)
        .where(volunteer_teams.c.team_id == scope.ref_id, SignUp.status == SignUpStatus.CONFIRMED)
    )
    reserved = (
        select(ShiftRole.shift_id)
        .join(shift_role_teams, shift_role_teams.c.shift_role_id == ShiftRole.id)
        .where(shift_role_teams.c.team_id == scope.ref_id)
    )
    return query.where(Shift.community_id == scope.community_id, or_(Shift.id.in_(served), Shift.id.in_(reserved)))


def reconcile_scope(scope_id: int, *, max_age: Optional[timedelta] = None) -> Optional[FeedScope]:
    """Compare one feed with the live tables, purge what expired, and commit.

    With `max_age`, a feed compared more recently than that (by another process while this
    one waited for the lock) is only purged. Returns the scope, or None if it is gone.
    """
    settings = LedgerSettings.current()

    def work() -> Optional[FeedScope]:
        scope = _locked_scope(scope_id)
        if scope is None:
            return None
        writer = LedgerWriter(settings)
        fresh = (
            max_age is not None
            and scope.reconciled_at is not None
            and scope.reconciled_at > writer.now - max_age
        )
        _purge([scope], writer)
        if not fresh:
            _refresh_header(scope, writer)
            ref = (scope.kind, scope.ref_id)
            zone = ZoneInfo(json.loads(scope.header).get("timezone") or "UTC")
            shifts = {shift.id: shift for shift in db.session.scalars(scope_shifts(scope, _cutoff(settings, zone, writer.now)))}
            desired = desired_events(shifts.values(), want=lambda candidate: candidate == ref)
            existing = list(db.session.scalars(select(FeedEvent).where(FeedEvent.scope_id == scope.id)))
            _apply(writer, {ref: scope}, desired, existing, shifts)
            scope.reconciled_at = writer.now
        writer.finish()
        return scope

    return write_unit(work)


def reconcile_community(community: Community) -> list[FeedScope]:
    """Compare every feed of `community` with the live tables in one pass, and commit."""
    settings = LedgerSettings.current()
    community_id = community.id

    def work() -> list[FeedScope]:
        lock_community(community_id)
        writer = LedgerWriter(settings)
        target = db.session.get(Community, community_id)
        cutoff = _cutoff(settings, target.zone, writer.now)
        shifts = {
            shift.id: shift
            for shift in db.session.scalars(
                shift_query().where(
                    Shift.community_id == community_id,
                    Shift.ends_at >= cutoff,
                    Shift.status == ShiftStatus.ACTIVE,
                )
            )
        }
        desired = desired_events(shifts.values())
        known = list(db.session.scalars(select(FeedScope).where(FeedScope.community_id == community_id)))
        refs = set(desired) | {(scope.kind, scope.ref_id) for scope in known}
        scopes = scopes_for(community_id, refs)
        _purge(list(scopes.values()), writer)
        existing = list(db.session.scalars(
            select(FeedEvent).where(FeedEvent.scope_id.in_([scope.id for scope in scopes.values()]))
        ))
        _apply(writer, scopes, desired, existing, shifts)
        for scope in scopes.values():
            _refresh_header(scope, writer)
            scope.reconciled_at = writer.now
        changed = writer.finish()
        update_expiry(list(scopes.values()))
        return changed

    return write_unit(work)


def _purge(scopes: Sequence[FeedScope], writer: LedgerWriter) -> int:
    """Delete the scopes' events whose time in the feed is over; returns how many.

    A scope that lost events changes at the moment the last of them expired (a time from
    the data, so two processes purging agree).
    """
    db.session.flush()
    by_id = {scope.id: scope for scope in scopes}
    expired: dict[int, datetime] = {}
    for chunk in _chunks(sorted(by_id)):
        expired.update(db.session.execute(
            select(FeedEvent.scope_id, func.max(FeedEvent.drop_at, type_=FeedEvent.drop_at.type))
            .where(FeedEvent.scope_id.in_(chunk), FeedEvent.drop_at <= writer.now)
            .group_by(FeedEvent.scope_id)
        ).all())
    stale_expiry = [scope for scope in scopes if scope.expires_at is not None and scope.expires_at <= writer.now]
    dropped = 0
    for chunk in _chunks(sorted(expired)):
        dropped += db.session.execute(
            delete(FeedEvent).where(FeedEvent.scope_id.in_(chunk), FeedEvent.drop_at <= writer.now),
            execution_options={"synchronize_session": "fetch"},
        ).rowcount
    for scope_id, latest in expired.items():
        writer.bump(by_id[scope_id], latest)
    update_expiry(stale_expiry + [by_id[scope_id] for scope_id in expired])
    if dropped:
        log.info("feeds: dropped %d expired events from %d feeds", dropped, len(expired))
    return dropped


def purge_expired(scope_id: int) -> Optional[FeedScope]:
    """Drop the expired events of one feed (no comparison with the live tables)."""
    settings = LedgerSettings.current()

    def work() -> Optional[FeedScope]:
        scope = _locked_scope(scope_id)
        if scope is None:
            return None
        writer = LedgerWriter(settings)
        _purge([scope], writer)
        writer.finish()
        return scope

    return write_unit(work)
