"""Tables of calendar feeds: private feed tokens, reminder settings, and the event ledger.

* `FeedToken`: the secret in a volunteer's private feed URL. Only its SHA-256 is stored;
  rotating revokes the old row (kept, with its dates) and adds a new one. A partial unique
  index lets each volunteer hold one active token.
* `FeedSettings`: the volunteer's reminders (``VALARM``); no row means the defaults.
* `FeedScope` and `FeedEvent`: the ledger. A scope is one feed (a volunteer's, or the public
  feed of a community, activity, venue or team); its events are snapshots of what the feed
  says about one shift, with the ``UID``, ``SEQUENCE``, ``LAST-MODIFIED`` and cancellation
  that iCalendar clients need to update instead of duplicate. `scheduler.feed_ledger` keeps
  them in step with the live tables; a scope's ``version`` and ``modified_at`` answer
  conditional requests without building anything.
"""

from __future__ import annotations

import enum
from datetime import datetime, time
from typing import Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.extensions import db
from scheduler.models import UTCDateTime, VolunteerProfile, _str_enum, utcnow

#: Default reminders: the evening before at this time, and this many minutes before.
DEFAULT_EVENING_TIME = time(20, 0)
DEFAULT_MINUTES_BEFORE = 60


class ScopeKind(enum.StrEnum):
    """Whose events a feed holds."""

    VOLUNTEER = "volunteer"
    COMMUNITY = "community"
    ACTIVITY = "activity"
    VENUE = "venue"
    TEAM = "team"

    @property
    def is_public(self) -> bool:
        """True for the feeds anyone may read."""
        return self != ScopeKind.VOLUNTEER


class EventStatus(enum.StrEnum):
    """An event in a feed is on, or cancelled (kept for a while so clients see it)."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class CancelReason(enum.StrEnum):
    """Why an event became cancelled; the feed says it in words."""

    SHIFT_CANCELLED = "shift_cancelled"
    SHIFT_DELETED = "shift_deleted"
    REMOVED = "removed"
    LEFT_FEED = "left_feed"


class FeedToken(db.Model):
    """The SHA-256 of a private feed token; the token itself is never stored."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    volunteer: Mapped[VolunteerProfile] = relationship()

    __table_args__ = (
        Index(
            "uq_feed_tokens_active_volunteer",
            "volunteer_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    @property
    def is_active(self) -> bool:
        """True until rotated."""
        return self.revoked_at is None


class FeedSettings(db.Model):
    """A volunteer's reminders in their private feed."""

    __tablename__ = "feed_settings"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    remind_evening_before: Mapped[bool] = mapped_column(Boolean, default=True)
    evening_time: Mapped[time] = mapped_column(Time, default=DEFAULT_EVENING_TIME)
    #: None: no reminder shortly before the start.
    remind_minutes_before: Mapped[Optional[int]] = mapped_column(Integer, default=DEFAULT_MINUTES_BEFORE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(
            "remind_minutes_before IS NULL OR (remind_minutes_before > 0 AND remind_minutes_before <= 10080)",
            name="minutes_before_range",
        ),
    )


class FeedScope(db.Model):
    """One feed. ``version`` grows with every change of what the feed says."""

    __tablename__ = "feed_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ScopeKind] = mapped_column(_str_enum(ScopeKind))
    #: The id of the volunteer profile, community, activity, venue or team.
    ref_id: Mapped[int]
    version: Mapped[int] = mapped_column(default=0)
    #: When what the feed says last changed (the feed's Last-Modified).
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the ledger was last compared with the live tables (None: never).
    reconciled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: The earliest `FeedEvent.drop_at` of the scope: the feed changes then by itself.
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: Canonical JSON of the calendar's own data (names, time zone), as last reconciled.
    header: Mapped[str] = mapped_column(Text, default="{}")

    events: Mapped[list[FeedEvent]] = relationship(
        back_populates="scope", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    @property
    def key(self) -> str:
        """``kind:ref_id``, for logs."""
        return f"{self.kind.value}:{self.ref_id}"

    def __repr__(self) -> str:
        return f"<FeedScope {self.key} v{self.version}>"


class FeedEvent(db.Model):
    """What one feed says about one shift: a snapshot, with its iCalendar bookkeeping.

    ``content`` is canonical JSON (`scheduler.feed_content.EventContent`); a change of its
    hash bumps ``sequence`` and ``last_modified``. ``shift_id`` becomes NULL when the shift
    is deleted, and the event is then cancelled. ``ics`` caches the serialised VEVENT for
    the rendering parameters hashed in ``ics_key``.
    """

    __tablename__ = "feed_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("feed_scopes.id", ondelete="CASCADE"))
    shift_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shifts.id", ondelete="SET NULL"), index=True)
    uid: Mapped[str] = mapped_column(String(255))
    status: Mapped[EventStatus] = mapped_column(_str_enum(EventStatus), default=EventStatus.CONFIRMED)
    cancel_reason: Mapped[Optional[CancelReason]] = mapped_column(_str_enum(CancelReason))
    sequence: Mapped[int] = mapped_column(default=0)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Local wall-clock start (naive, like `Shift.starts_at`): the feed's order.
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    #: When the event leaves the feed: 30 days after a cancellation, or long after its end.
    drop_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ics: Mapped[Optional[str]] = mapped_column(Text)
    ics_key: Mapped[Optional[str]] = mapped_column(String(64))

    scope: Mapped[FeedScope] = relationship(back_populates="events")

    __table_args__ = (
        UniqueConstraint("scope_id", "shift_id"),
        Index("ix_feed_events_scope_starts_at", "scope_id", "starts_at"),
        Index("ix_feed_events_scope_drop_at", "scope_id", "drop_at"),
        CheckConstraint("sequence >= 0", name="sequence_non_negative"),
    )

    @property
    def is_cancelled(self) -> bool:
        """True once cancelled."""
        return self.status == EventStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<FeedEvent {self.id} shift={self.shift_id} seq={self.sequence} {self.status.value}>"
