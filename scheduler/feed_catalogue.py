"""What the public calendar pages show: the feeds a community offers, its coming events,
and one shift as the public sees it (the same words as its public feed event)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scheduler.extensions import db
from scheduler.feed_content import EventContent, confirmed_sign_ups, public_content
from scheduler.feed_desired import shift_query
from scheduler.models import Activity, ActivityKind, Community, Shift, ShiftStatus, Team, Venue

#: Order of activity kinds on the page: residents look for classes first.
KIND_ORDER = {ActivityKind.CLASS: 0, ActivityKind.LECTURE: 1, ActivityKind.DUTY: 2}


@dataclass
class PublicFeeds:
    """The public feeds of a community, besides the whole community's."""

    activities: list[Activity] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)


def public_feeds(community: Community) -> PublicFeeds:
    """Active activities (classes first), venues and teams of `community`."""
    activities = db.session.scalars(
        select(Activity).where(Activity.community_id == community.id, Activity.is_active.is_(True))
    ).all()
    return PublicFeeds(
        activities=sorted(activities, key=lambda a: (KIND_ORDER.get(a.kind, 9), a.title, a.id)),
        venues=list(db.session.scalars(select(Venue).where(Venue.community_id == community.id).order_by(Venue.name, Venue.id))),
        teams=list(db.session.scalars(select(Team).where(Team.community_id == community.id).order_by(Team.id))),
    )


def coming_shifts(community: Community, *, days: int = 14, now: Optional[datetime] = None, limit: int = 200) -> list[Shift]:
    """Active shifts of `community` that have not ended, starting within `days`."""
    now = now or community.local_now()
    return list(db.session.scalars(
        select(Shift)
        .options(selectinload(Shift.venue), selectinload(Shift.activity))
        .where(
            Shift.community_id == community.id,
            Shift.status == ShiftStatus.ACTIVE,
            Shift.ends_at > now,
            Shift.starts_at < now + timedelta(days=days),
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(limit)
    ))


def public_view(community: Community, shift_id: int) -> Optional[tuple[Shift, EventContent]]:
    """A shift of `community` and its public content (names as the community allows)."""
    shift = db.session.scalar(shift_query().where(Shift.id == shift_id, Shift.community_id == community.id))
    if shift is None:
        return None
    return shift, public_content(shift, confirmed_sign_ups(shift), path="")
