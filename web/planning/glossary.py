"""What the ids and codes of a schedule document mean to a coordinator.

The engine's sentences name volunteers and shifts by document id (``v12``, ``s42``) and
skills, teams, grids, venues and activities by code. A `Glossary` says each of them the
way the other coordinator pages do: the volunteer's display name, the shift's day, time
and title (``12月8日周二 09:00–11:00 书画班``), and the name of a skill, team, grid or venue
and the title of an activity. `week_glossary` reads one from the community's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from scheduler.admin import references_of
from scheduler.admin_activities import activities_of
from scheduler.export import shift_doc_id, volunteer_doc_id
from scheduler.extensions import db
from scheduler.models import Community, Grid, Shift, ShiftRole, Skill, Team, User, Venue, VolunteerProfile
from scheduler.signup import local_day


class Unknown(LookupError):
    """An id the glossary does not know (the sentence is then not understood)."""


@dataclass(frozen=True)
class ShiftFacts:
    """What a coordinator recognises a shift by, and the names of its roles."""

    title: str
    starts_at: datetime
    ends_at: datetime
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Glossary:
    """Document ids and codes -> the coordinator's names (codes without a name stay codes)."""

    volunteers: Mapping[str, str]
    shifts: Mapping[str, ShiftFacts]
    skills: Mapping[str, str] = field(default_factory=dict)
    teams: Mapping[str, str] = field(default_factory=dict)
    grids: Mapping[str, str] = field(default_factory=dict)
    venues: Mapping[str, str] = field(default_factory=dict)
    activities: Mapping[str, str] = field(default_factory=dict)

    def volunteer(self, doc_id: str) -> str:
        """The volunteer's name; raises `Unknown`."""
        try:
            return self.volunteers[doc_id] or doc_id
        except KeyError:
            raise Unknown(doc_id) from None

    def facts(self, doc_id: str) -> ShiftFacts:
        """The shift behind a document id; raises `Unknown`."""
        try:
            return self.shifts[doc_id]
        except KeyError:
            raise Unknown(doc_id) from None

    def shift(self, doc_id: str) -> str:
        """``12月8日周二 09:00–11:00 书画班`` (the end's day too when it is another day)."""
        facts = self.facts(doc_id)
        return f"{timespan(facts.starts_at, facts.ends_at)} {facts.title}".strip()

    def slot(self, doc_id: str, role: str) -> str:
        """A role of a shift: ``12月8日周二 09:00–11:00 书画班 · 讲师``; raises `Unknown` for a
        role the shift does not have."""
        if role not in self.facts(doc_id).roles:
            raise Unknown(f"{doc_id}/{role}")
        return f"{self.shift(doc_id)} · {role}"

    def skill(self, code: str) -> str:
        """A skill's name."""
        return self.skills.get(code, code)

    def team(self, code: str) -> str:
        """A team's name (the document's group)."""
        return self.teams.get(code, code)

    def grid(self, code: str) -> str:
        """A grid's name (the document's area)."""
        return self.grids.get(code, code)

    def venue(self, code: str) -> str:
        """A venue's name."""
        return self.venues.get(code, code)

    def activity(self, code: str) -> str:
        """An activity's title."""
        return self.activities.get(code, code)


def timespan(start: datetime, end: datetime) -> str:
    """``12月8日周二 09:00–11:00`` in the request's language."""
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{local_day(end.date())} {end:%H:%M}"
    return f"{local_day(start.date())} {start:%H:%M}–{tail}"


def day(value: date) -> str:
    """``12月8日周二``: a day with its weekday in the request's language."""
    return local_day(value)


def listing(items: Iterable[str], *, style: str = "standard") -> str:
    """``a、b和c`` / ``a, b, and c`` (``style="or"``: ``a或b`` / ``a or b``)."""
    items = list(items)
    return format_list(items, style=style, locale=get_locale()) if items else _("none")


def week_glossary(community: Community, week: str) -> Glossary:
    """The names behind the ids and codes of the community's documents of `week`.

    Every volunteer of the community and every shift of the week are included, also the
    deactivated and the cancelled ones, which a run made before the change still names.
    """
    volunteers = {volunteer_doc_id(profile_id): name for profile_id, name in db.session.execute(
        select(VolunteerProfile.id, User.display_name).join(User, VolunteerProfile.user_id == User.id)
        .where(User.community_id == community.id))}
    roles: dict[int, set[str]] = {}
    for shift_id, role in db.session.execute(
            select(ShiftRole.shift_id, ShiftRole.name).join(Shift, ShiftRole.shift_id == Shift.id)
            .where(Shift.community_id == community.id, Shift.week == week)):
        roles.setdefault(shift_id, set()).add(role)
    shifts = {shift_doc_id(shift_id): ShiftFacts(title, starts_at, ends_at, frozenset(roles.get(shift_id, ())))
              for shift_id, title, starts_at, ends_at in db.session.execute(
                  select(Shift.id, Shift.title, Shift.starts_at, Shift.ends_at)
                  .where(Shift.community_id == community.id, Shift.week == week))}

    def names(model) -> dict[str, str]:
        return {row.code: row.name for row in references_of(community, model)}

    return Glossary(volunteers, shifts, skills=names(Skill), teams=names(Team), grids=names(Grid),
                    venues=names(Venue), activities={a.code: a.title for a in activities_of(community)})
