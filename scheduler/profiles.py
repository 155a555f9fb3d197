"""Service verbs for a volunteer's own profile: who they are, what they can do, their limits
and which activities they like.

Availability, leave and busy times live in `scheduler.availability` and
`scheduler.ics_import`. Every verb checks that what it is given belongs to the volunteer's
community, adds or changes and flushes; the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from scheduler.accounts import is_valid_mobile, normalise_mobile
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityPreference,
    Grid,
    Skill,
    Team,
    User,
    VolunteerProfile,
    VolunteerSkill,
)

log = logging.getLogger(__name__)

#: Weight written for a newly liked or disliked activity (the document's ``prefers``).
LIKE_WEIGHT = 3
DISLIKE_WEIGHT = -3
#: The highest skill level a volunteer can claim (3: can teach or lead).
MAX_SKILL_LEVEL = 3
#: Upper bounds on limits, to catch typos (a week has 10,080 minutes).
MAX_LIMITS = {
    "max_shifts_per_day": 10,
    "max_shifts_per_week": 50,
    "max_minutes_per_week": 7 * 24 * 60,
    "min_rest_minutes": 24 * 60,
    "max_consecutive_days": 7,
}


class ProfileError(ValueError):
    """A refused profile change; `field` names the form field at fault."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Limits:
    """A volunteer's limits; None means no limit."""

    max_shifts_per_day: Optional[int] = None
    max_shifts_per_week: Optional[int] = None
    max_minutes_per_week: Optional[int] = None
    min_rest_minutes: Optional[int] = None
    max_consecutive_days: Optional[int] = None

    @classmethod
    def of(cls, volunteer: VolunteerProfile) -> Limits:
        """The current limits of `volunteer`."""
        return cls(**{name: getattr(volunteer, name) for name in MAX_LIMITS})


def _same_community(volunteer: VolunteerProfile, items: Iterable, field: str) -> list:
    items = list(items)
    community_id = volunteer.user.community_id
    if any(item.community_id != community_id for item in items):
        raise ProfileError(field, _l("Choose among your community's entries."))
    return items


def update_details(
    volunteer: VolunteerProfile,
    *,
    name: str,
    mobile: str,
    teams: Iterable[Team],
    grids: Iterable[Grid],
) -> None:
    """Change the volunteer's name, mobile number (their log-in), teams and grids.

    Raises `ProfileError` for an empty name, a bad mobile number or one that another
    account uses, or teams or grids of another community.
    """
    user = volunteer.user
    name = (name or "").strip()
    if not name:
        raise ProfileError("name", _l("Enter your name."))
    mobile = normalise_mobile(mobile)
    if not is_valid_mobile(mobile):
        raise ProfileError("mobile", _l("Enter an 11-digit mobile number starting with 1."))
    taken = db.session.scalar(select(User.id).where(User.mobile == mobile, User.id != user.id))
    if taken is not None:
        raise ProfileError("mobile", _l("This mobile number is already registered."))
    volunteer.teams = _same_community(volunteer, teams, "teams")
    volunteer.grids = _same_community(volunteer, grids, "grids")
    user.display_name = name[:100]
    user.mobile = mobile
    db.session.flush()
    log.info("volunteer %s updated their details", volunteer.id)


def set_skills(volunteer: VolunteerProfile, levels: Mapping[Skill, int]) -> None:
    """Replace the volunteer's skills: skill -> level (0 or absent: not held)."""
    _same_community(volunteer, levels, "skills")
    if any(not 0 <= level <= MAX_SKILL_LEVEL for level in levels.values()):
        raise ProfileError("skills", _l("Skill levels go from 1 to %(max)d.", max=MAX_SKILL_LEVEL))
    current = {vs.skill_id: vs for vs in volunteer.skills}
    kept: list[VolunteerSkill] = []
    for skill, level in levels.items():
        if level <= 0:
            continue
        row = current.get(skill.id) or VolunteerSkill(skill=skill)
        row.level = level
        kept.append(row)
    volunteer.skills = kept
    db.session.flush()
    log.info("volunteer %s has %d skills", volunteer.id, len(kept))


def set_limits(volunteer: VolunteerProfile, limits: Limits) -> None:
    """Replace the volunteer's limits (None: no limit)."""
    for name, ceiling in MAX_LIMITS.items():
        value = getattr(limits, name)
        if value is not None and not 0 <= value <= ceiling:
            raise ProfileError(name, _l("Enter a number from 0 to %(max)d, or leave it empty.", max=ceiling))
    if limits.max_consecutive_days == 0:
        raise ProfileError("max_consecutive_days", _l("Enter at least 1, or leave it empty."))
    for name in MAX_LIMITS:
        setattr(volunteer, name, getattr(limits, name))
    db.session.flush()
    log.info("volunteer %s changed their limits", volunteer.id)


def preferences_of(volunteer: VolunteerProfile) -> dict[int, int]:
    """Activity id -> preference weight (positive: liked, negative: disliked)."""
    return {pref.activity_id: pref.weight for pref in volunteer.preferences}


def set_preferences(
    volunteer: VolunteerProfile, liked: Iterable[Activity], disliked: Iterable[Activity]
) -> None:
    """Replace liked and disliked activities; an activity in both lists is refused.

    A preference that keeps its direction keeps its weight (a coordinator may have tuned it).
    """
    liked = _same_community(volunteer, liked, "preferences")
    disliked = _same_community(volunteer, disliked, "preferences")
    if {a.id for a in liked} & {a.id for a in disliked}:
        raise ProfileError("preferences", _l("An activity cannot be both liked and disliked."))
    current = {pref.activity_id: pref for pref in volunteer.preferences}
    kept: list[ActivityPreference] = []
    for activities, weight in ((liked, LIKE_WEIGHT), (disliked, DISLIKE_WEIGHT)):
        for activity in activities:
            row = current.get(activity.id)
            if row is None or (row.weight > 0) != (weight > 0):
                row = row or ActivityPreference(activity=activity, weight=weight)
                row.weight = weight
            kept.append(row)
    volunteer.preferences = kept
    db.session.flush()
    log.info("volunteer %s likes %d and dislikes %d activities", volunteer.id, len(liked), len(disliked))
