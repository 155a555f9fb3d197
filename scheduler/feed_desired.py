"""What each feed should show now, computed from the live tables.

`desired_events` turns shifts (with their roles and confirmed sign-ups, loaded by
`shift_query`) into the snapshot every feed should hold about them: the public event in
the community, activity and venue feeds and in the feed of every team that serves the
shift, and a private event in the feed of each confirmed volunteer. `scheduler.feed_ledger`
compares these with what the feeds hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Optional, Sequence

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scheduler.feed_content import EventContent, confirmed_sign_ups, json_digest, private_content, public_content
from scheduler.feed_models import ScopeKind
from scheduler.models import Shift, ShiftRole, SignUp, VolunteerProfile
from scheduler.signup import whom_to_contact

ScopeRef = tuple[ScopeKind, int]


@dataclass(frozen=True)
class ShiftLinks:
    """Endpoints of the pages an event's ``URL`` points at (registered by the web layer).

    `public_endpoint` takes ``community`` (slug) and ``shift_id``; the first registered of
    `private_endpoints` takes ``shift_id`` and is used for a volunteer's own events.
    """

    public_endpoint: Optional[str] = None
    private_endpoints: tuple[str, ...] = ()

    def paths(self) -> _Paths:
        """A path builder for the current app."""
        return _Paths(self)


class _Paths:
    def __init__(self, links: ShiftLinks) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        self._adapter = app.url_map.bind("localhost")
        views = app.view_functions
        self._public = links.public_endpoint if links.public_endpoint in views else None
        self._private = next((name for name in links.private_endpoints if name in views), None)

    def public(self, shift: Shift) -> str:
        if self._public is None:
            return "/"
        return self._adapter.build(self._public, {"community": shift.community.slug, "shift_id": shift.id})

    def private(self, shift: Shift) -> str:
        if self._private is None:
            return self.public(shift)
        return self._adapter.build(self._private, {"shift_id": shift.id})


def current_links() -> ShiftLinks:
    """The links registered for the current app (none: events link to the site root)."""
    state = current_app.extensions.get("feeds")
    return getattr(state, "links", None) or ShiftLinks()


@dataclass(frozen=True)
class Desired:
    """The snapshot an event should have (with its canonical JSON and that JSON's hash),
    and when its data last changed."""

    content: EventContent
    text: str
    digest: str
    changed_at: datetime

    @classmethod
    def of(cls, content: EventContent, changed_at: datetime) -> Desired:
        """`content` encoded once."""
        text = content.to_json()
        return cls(content, text, json_digest(text), changed_at)


def shift_query():
    """A ``select`` of shifts with everything the snapshots read, loaded in a few queries."""
    return select(Shift).options(
        selectinload(Shift.community),
        selectinload(Shift.activity),
        selectinload(Shift.venue),
        selectinload(Shift.roles).selectinload(ShiftRole.teams),
        selectinload(Shift.sign_ups).options(
            selectinload(SignUp.volunteer).options(
                selectinload(VolunteerProfile.user), selectinload(VolunteerProfile.teams)
            )
        ),
    )


def public_scopes(shift: Shift, confirmed: Sequence[SignUp]) -> list[ScopeRef]:
    """The public feeds that show `shift`: its community, activity, venue, and every team
    that serves it (a confirmed member, or a role reserved for the team)."""
    scopes: list[ScopeRef] = [(ScopeKind.COMMUNITY, shift.community_id), (ScopeKind.ACTIVITY, shift.activity_id)]
    if shift.venue_id is not None:
        scopes.append((ScopeKind.VENUE, shift.venue_id))
    teams = {team.id for role in shift.roles for team in role.teams}
    teams |= {team.id for row in confirmed for team in row.volunteer.teams}
    scopes += [(ScopeKind.TEAM, team_id) for team_id in sorted(teams)]
    return scopes


def change_time(shift: Shift) -> datetime:
    """The newest change of the shift or of any of its sign-ups (UTC)."""
    times = [shift.created_at, shift.updated_at, shift.cancelled_at]
    times += [row.updated_at for row in shift.sign_ups]
    return max(moment for moment in times if moment is not None)


def desired_events(
    shifts: Iterable[Shift], want: Callable[[ScopeRef], bool] = lambda _ref: True
) -> dict[ScopeRef, dict[int, Desired]]:
    """Feed -> shift id -> the snapshot it should show, for the feeds `want` accepts.

    Cancelled shifts show nowhere (the ledger then keeps them as cancelled).
    """
    paths = current_links().paths()
    contacts: dict[int, str] = {}
    wanted: dict[ScopeRef, dict[int, Desired]] = defaultdict(dict)
    for shift in shifts:
        if shift.is_cancelled:
            continue
        confirmed = confirmed_sign_ups(shift)
        changed = change_time(shift)
        scopes = [ref for ref in public_scopes(shift, confirmed) if want(ref)]
        if scopes:
            content = public_content(shift, confirmed, path=paths.public(shift))
            desired = Desired.of(content, changed)
            for ref in scopes:
                wanted[ref][shift.id] = desired
        for row in confirmed:
            ref = (ScopeKind.VOLUNTEER, row.volunteer_id)
            if not want(ref):
                continue
            if shift.community_id not in contacts:
                contacts[shift.community_id] = whom_to_contact(shift.community)
            content = private_content(
                row, confirmed, path=paths.private(shift), contact=contacts[shift.community_id]
            )
            wanted[ref][shift.id] = Desired.of(content, changed)
    return wanted
