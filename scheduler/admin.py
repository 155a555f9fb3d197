"""Service verbs for coordinators: volunteers and the reference data (teams, skills, venues, grids).

Activities, their roles and supervision rules, one-off events and cancelled dates are in
`scheduler.admin_activities`. Like every service module, these verbs check, add and flush
but never commit: the view (or the import) owns the transaction, so a refused change is
rolled back whole. A refusal raises `AdminError` naming the form field at fault.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, fields
from typing import Mapping, Optional, Sequence, Union

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.sql import Select

from scheduler.accounts import check_password_strength, hash_password, is_valid_mobile, normalise_mobile
from scheduler.extensions import db
from scheduler.models import (
    Activity,
    ActivityRoleSkill,
    Community,
    Grid,
    Role,
    Shift,
    ShiftRoleSkill,
    SignUp,
    SignUpStatus,
    Skill,
    SupervisionRule,
    Team,
    User,
    Venue,
    VolunteerProfile,
    VolunteerSkill,
    activity_role_teams,
    shift_role_teams,
    supervision_rule_teams,
    volunteer_grids,
    volunteer_teams,
)
from scheduler.profiles import Limits

log = logging.getLogger(__name__)

#: Codes are the identifiers a schedule document uses: short, lower-case, no spaces.
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: Prefix of generated codes per kind of reference data.
CODE_PREFIXES: dict[type, str] = {
    Team: "team", Skill: "skill", Venue: "venue", Grid: "grid", Activity: "activity"
}
#: A password hash no password matches: volunteers created by a coordinator or an import
#: cannot log in until a coordinator sets a password for them.
UNUSABLE_PASSWORD = "!unset"
NAME_MAX_LENGTH = 100
#: Skill levels the pages offer (the document accepts any level >= 1).
MAX_SKILL_LEVEL = 5

ReferenceModel = Union[Team, Skill, Venue, Grid]

#: The same weekly limits a volunteer sets on their own profile page.
VolunteerLimits = Limits


class AdminError(ValueError):
    """A refused change; `field` names the form field (or spreadsheet column) at fault."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


# --------------------------------------------------------------------------- volunteers


@dataclass(frozen=True)
class VolunteerData:
    """Everything a coordinator sets on a volunteer."""

    name: str
    mobile: str
    teams: Sequence[Team] = ()
    skills: Mapping[Skill, int] = field(default_factory=dict)
    grids: Sequence[Grid] = ()
    limits: VolunteerLimits = VolunteerLimits()
    notes: str = ""


def volunteer_search(
    community: Community,
    *,
    text: str = "",
    team: Optional[Team] = None,
    skill: Optional[Skill] = None,
    status: str = "active",
) -> Select:
    """A ``select`` of the community's volunteer profiles by name, filtered for the list page.

    `text` matches part of the name or of the mobile number; `status` is ``active``,
    ``inactive`` or ``all``.
    """
    query = (
        select(VolunteerProfile)
        .join(VolunteerProfile.user)
        .where(User.community_id == community.id, User.role == Role.VOLUNTEER)
    )
    text = text.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        digits = normalise_mobile(text)
        conditions = [User.display_name.ilike(pattern, escape="\\")]
        if digits.isdigit():
            conditions.append(User.mobile.like(f"%{digits}%"))
        query = query.where(or_(*conditions))
    if team is not None:
        query = query.where(
            exists().where(
                volunteer_teams.c.volunteer_id == VolunteerProfile.id,
                volunteer_teams.c.team_id == team.id,
            )
        )
    if skill is not None:
        query = query.where(
            exists().where(
                VolunteerSkill.volunteer_id == VolunteerProfile.id, VolunteerSkill.skill_id == skill.id
            )
        )
    if status == "active":
        query = query.where(User.is_active.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active.is_(False))
    # Lists and exports show every volunteer's teams, skills and grids: load them in bulk.
    return query.order_by(User.display_name, User.id).options(
        contains_eager(VolunteerProfile.user),
        selectinload(VolunteerProfile.teams),
        selectinload(VolunteerProfile.grids),
        selectinload(VolunteerProfile.skills).joinedload(VolunteerSkill.skill),
    )


def count_of(query: Select) -> int:
    """How many rows `query` selects."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def volunteer_of(community: Community, profile_id: int) -> Optional[VolunteerProfile]:
    """The volunteer profile `profile_id` if it belongs to `community`, else None."""
    profile = db.session.get(VolunteerProfile, profile_id)
    if profile is None or profile.user.community_id != community.id:
        return None
    return profile


def create_volunteer(
    community: Community, data: VolunteerData, *, password: Optional[str] = None, flush: bool = True
) -> VolunteerProfile:
    """Add a volunteer to `community`.

    Without `password` the account cannot log in until a coordinator sets one
    (`set_volunteer_password`): coordinators enter people who have no password yet.
    A bulk caller (the roster import) passes ``flush=False`` and flushes once at the end;
    it must then check mobile numbers repeated within its batch itself.
    """
    mobile = _checked_volunteer(community, data, current=None)
    if password is not None:
        check_password_strength(password)
    user = User(
        community=community,
        mobile=mobile,
        password_hash=hash_password(password) if password else UNUSABLE_PASSWORD,
        display_name=data.name.strip(),
        role=Role.VOLUNTEER,
    )
    user.profile = VolunteerProfile()
    _apply_volunteer(user.profile, data)
    db.session.add(user)
    if flush:
        db.session.flush()
        log.info("coordinator added volunteer %s to %s", user.profile.id, community.slug)
    return user.profile


def update_volunteer(profile: VolunteerProfile, data: VolunteerData, *, flush: bool = True) -> None:
    """Replace the name, mobile, teams, skills, grids, limits and notes of `profile`."""
    community = profile.user.community
    profile.user.mobile = _checked_volunteer(community, data, current=profile.user)
    profile.user.display_name = data.name.strip()
    _apply_volunteer(profile, data)
    if flush:
        db.session.flush()
        log.info("volunteer %s updated", profile.id)


def set_volunteer_active(profile: VolunteerProfile, active: bool) -> int:
    """Deactivate (or reactivate) a volunteer; returns their upcoming confirmed sign-ups.

    A deactivated account cannot log in and its open sessions end; nothing is deleted, so
    reactivating restores it as it was. Upcoming confirmed sign-ups are left for the
    coordinator to reassign in the week's review, and counted so the page can say so.
    """
    profile.user.is_active = active
    db.session.flush()
    log.info("volunteer %s %s", profile.id, "reactivated" if active else "deactivated")
    now = profile.user.community.local_now()
    return db.session.scalar(
        select(func.count())
        .select_from(SignUp)
        .join(SignUp.shift)
        .where(
            SignUp.volunteer_id == profile.id,
            SignUp.status == SignUpStatus.CONFIRMED,
            Shift.starts_at >= now,
        )
    )


def set_volunteer_password(profile: VolunteerProfile, password: str) -> None:
    """Give a volunteer a new password (for one who cannot log in); checked for strength."""
    try:
        check_password_strength(password)
    except ValueError as error:
        raise AdminError("password", getattr(error, "message", str(error))) from error
    profile.user.password_hash = hash_password(password)
    log.info("coordinator set the password of volunteer %s", profile.id)


def can_log_in(profile: VolunteerProfile) -> bool:
    """False for an account that has no password yet (or is deactivated)."""
    return profile.user.is_active and profile.user.password_hash != UNUSABLE_PASSWORD


def _checked_volunteer(community: Community, data: VolunteerData, *, current: Optional[User]) -> str:
    """Check `data` for `community`; return the normalised mobile number."""
    name = data.name.strip()
    if not name:
        raise AdminError("name", _l("Enter the volunteer's name."))
    if len(name) > NAME_MAX_LENGTH:
        raise AdminError("name", _l("Use at most %(count)d characters.", count=NAME_MAX_LENGTH))
    mobile = normalise_mobile(data.mobile)
    if not is_valid_mobile(mobile):
        raise AdminError("mobile", _l("Enter an 11-digit mobile number starting with 1."))
    if current is None or current.mobile != mobile:
        with db.session.no_autoflush:  # a bulk caller flushes once at the end
            owner = db.session.scalar(select(User).where(User.mobile == mobile))
        if owner is not None and owner is not current:
            raise AdminError("mobile", _l("This mobile number belongs to another account."))
    _check_same_community(community, "teams", data.teams)
    _check_same_community(community, "grids", data.grids)
    _check_same_community(community, "skills", data.skills)
    for level in data.skills.values():
        if not 1 <= level <= MAX_SKILL_LEVEL:
            raise AdminError("skills", _l("Skill levels go from 1 to %(top)d.", top=MAX_SKILL_LEVEL))
    for limit in fields(VolunteerLimits):
        value = getattr(data.limits, limit.name)
        if value is not None and value < 0:
            raise AdminError(limit.name, _l("Enter a number of 0 or more, or leave it empty."))
    return mobile


def _check_same_community(community: Community, field_name: str, items) -> None:
    if any(item.community_id != community.id for item in items):
        raise AdminError(field_name, _l("Choose from your own community."))


def _apply_volunteer(profile: VolunteerProfile, data: VolunteerData) -> None:
    profile.teams = list(data.teams)
    profile.grids = list(data.grids)
    wanted = dict(data.skills)
    kept = []
    for held in profile.skills:
        if held.skill in wanted:
            held.level = wanted.pop(held.skill)
            kept.append(held)
    kept.extend(VolunteerSkill(skill=skill, level=level) for skill, level in wanted.items())
    profile.skills = kept
    for limit in fields(VolunteerLimits):
        setattr(profile, limit.name, getattr(data.limits, limit.name))
    profile.notes = data.notes.strip()


# --------------------------------------------------------------------------- reference data


def references_of(community: Community, model: type[ReferenceModel]) -> list[ReferenceModel]:
    """Every team, skill, venue or grid (`model`) of `community`, in creation order."""
    return list(
        db.session.scalars(select(model).where(model.community_id == community.id).order_by(model.id))
    )


def create_reference(
    community: Community, model: type[ReferenceModel], *, code: str, name: str, address: str = ""
) -> ReferenceModel:
    """Add a team, skill, venue or grid; an empty `code` is generated (``venue-3``)."""
    name = _checked_name(name, model)
    code = code.strip() or free_code(community, model)
    _check_code(community, model, code, current=None)
    item = model(community=community, code=code, name=name)
    if model is Venue:
        item.address = address.strip()
    db.session.add(item)
    db.session.flush()
    log.info("added %s %s to %s", model.__name__, code, community.slug)
    return item


def update_reference(item: ReferenceModel, *, code: str, name: str, address: str = "") -> None:
    """Rename (or re-code) a team, skill, venue or grid."""
    model = type(item)
    item.name = _checked_name(name, model)
    code = code.strip() or item.code
    _check_code(item.community, model, code, current=item)
    item.code = code
    if model is Venue:
        item.address = address.strip()
    db.session.flush()


def reference_uses(item: ReferenceModel) -> int:
    """How many volunteers, activities, roles, rules and shifts refer to `item`."""
    checks = {
        Team: [
            select(func.count()).select_from(volunteer_teams).where(volunteer_teams.c.team_id == item.id),
            select(func.count()).select_from(activity_role_teams).where(activity_role_teams.c.team_id == item.id),
            select(func.count()).select_from(shift_role_teams).where(shift_role_teams.c.team_id == item.id),
            select(func.count()).select_from(SupervisionRule).where(SupervisionRule.team_id == item.id),
            select(func.count()).select_from(supervision_rule_teams).where(supervision_rule_teams.c.team_id == item.id),
        ],
        Skill: [
            select(func.count()).select_from(VolunteerSkill).where(VolunteerSkill.skill_id == item.id),
            select(func.count()).select_from(ActivityRoleSkill).where(ActivityRoleSkill.skill_id == item.id),
            select(func.count()).select_from(ShiftRoleSkill).where(ShiftRoleSkill.skill_id == item.id),
        ],
        Venue: [
            select(func.count()).select_from(Activity).where(Activity.venue_id == item.id),
            select(func.count()).select_from(Shift).where(Shift.venue_id == item.id),
        ],
        Grid: [
            select(func.count()).select_from(Activity).where(Activity.grid_id == item.id),
            select(func.count()).select_from(Shift).where(Shift.grid_id == item.id),
            select(func.count()).select_from(volunteer_grids).where(volunteer_grids.c.grid_id == item.id),
        ],
    }[type(item)]
    return sum(db.session.scalar(query) for query in checks)


def delete_reference(item: ReferenceModel) -> None:
    """Delete a team, skill, venue or grid that nothing uses; refuse one still in use.

    Deleting a used team or skill would silently strip volunteers and roles of it, and a
    venue or grid is part of past shifts, so those are renamed instead.
    """
    uses = reference_uses(item)
    if uses:
        raise AdminError(
            "code",
            _l("Still in use (%(count)d times): remove it from volunteers and activities first.", count=uses),
        )
    db.session.delete(item)
    db.session.flush()
    log.info("deleted %s %s", type(item).__name__, item.code)


def _checked_name(name: str, model: type) -> str:
    name = name.strip()
    if not name:
        raise AdminError("name", _l("Enter a name."))
    limit = model.__table__.c.name.type.length
    if len(name) > limit:
        raise AdminError("name", _l("Use at most %(count)d characters.", count=limit))
    return name


def _check_code(community: Community, model: type, code: str, *, current) -> None:
    if not CODE_PATTERN.match(code):
        raise AdminError(
            "code", _l("Use lower-case letters, digits, '-' and '_' (at most 40), starting with a letter or digit.")
        )
    taken = db.session.scalar(select(model).where(model.community_id == community.id, model.code == code))
    if taken is not None and taken is not current:
        raise AdminError("code", _l("This code is already used."))


def free_code(community: Community, model: type) -> str:
    """A code of the form ``<prefix>-<n>`` not yet used by `model` rows of `community`."""
    prefix = CODE_PREFIXES.get(model, model.__tablename__.rstrip("s"))
    taken = set(db.session.scalars(select(model.code).where(model.community_id == community.id)))
    number = len(taken) + 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"
