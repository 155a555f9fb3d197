"""Service verbs for communities and their reference data (teams, skills, venues, grids).

Like every service module, these add and flush but never commit: the caller (a view or a
CLI command) owns the transaction.
"""

from __future__ import annotations

import logging
import re
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from scheduler.extensions import db
from scheduler.models import DEFAULT_TEAMS, DEFAULT_TIMEZONE, Community, Skill, Team

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def create_community(
    slug: str,
    name: str,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    address: str = "",
    contact: str = "",
) -> Community:
    """Create a community with the four default teams; refuses a bad or taken slug."""
    if not SLUG_PATTERN.match(slug):
        raise ValueError(f"community slug {slug!r}: use lower-case letters, digits and '-'")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    if community_by_slug(slug) is not None:
        raise ValueError(f"community {slug!r} already exists")
    community = Community(slug=slug, name=name, timezone=timezone, address=address, contact=contact)
    community.teams = [Team(code=code, name=team_name) for code, team_name in DEFAULT_TEAMS.items()]
    db.session.add(community)
    db.session.flush()
    log.info("created community %s", slug)
    return community


def community_by_slug(slug: str) -> Optional[Community]:
    """The community with `slug`, or None."""
    return db.session.scalar(select(Community).where(Community.slug == slug))


def team_by_code(community: Community, code: str) -> Optional[Team]:
    """The team of `community` with `code`, or None."""
    return db.session.scalar(
        select(Team).where(Team.community_id == community.id, Team.code == code)
    )


def skill_by_code(community: Community, code: str) -> Optional[Skill]:
    """The skill of `community` with `code`, or None."""
    return db.session.scalar(
        select(Skill).where(Skill.community_id == community.id, Skill.code == code)
    )


def add_skill(community: Community, code: str, name: str) -> Skill:
    """Add a skill to `community`."""
    skill = Skill(community=community, code=code, name=name)
    db.session.add(skill)
    db.session.flush()
    return skill
