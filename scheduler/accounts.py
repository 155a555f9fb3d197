"""Service verbs for accounts: registration, coordinators, passwords and log-in throttling.

Passwords are hashed with argon2id (argon2-cffi) and rehashed on log-in when the
parameters change. Failed log-ins are counted in the database (`LoginAttempt`), per
account and per client address: the count is shared by every worker process and survives
restarts, and the per-address limit is loose because a community service station puts many
people behind one address while the per-account limit is strict.

Functions here add and flush; the caller commits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable, Mapping, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import delete, func, select

from scheduler.extensions import db
from scheduler.models import (
    Community,
    LoginAttempt,
    Role,
    Skill,
    Team,
    User,
    VolunteerProfile,
    VolunteerSkill,
    utcnow,
)

log = logging.getLogger(__name__)

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def _hasher() -> PasswordHasher:
    """The app's argon2id hasher (its cost is configurable; tests make it cheap)."""
    extension = current_app.extensions.setdefault("password_hasher", {})
    if "hasher" not in extension:
        config = current_app.config
        hasher = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
        extension["hasher"] = hasher
        # Verified against when an account does not exist, so timing does not reveal it.
        extension["dummy_hash"] = hasher.hash("not a real password")
    return extension["hasher"]


class AccountError(ValueError):
    """A refused account operation; `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class LoginThrottled(Exception):
    """Too many failed log-ins for this account or address; try again later."""


@dataclass(frozen=True)
class LoginLimits:
    """How many failures are allowed in the window."""

    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_config(cls) -> LoginLimits:
        """The limits configured for the current app."""
        config = current_app.config
        return cls(
            per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
            per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
            window=timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
        )


# --------------------------------------------------------------------------- validation


def normalise_mobile(raw: str) -> str:
    """Digits of a mainland mobile number: spaces and dashes and a +86 prefix removed."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits


def is_valid_mobile(mobile: str) -> bool:
    """True for a mainland Chinese mobile number, 11 digits starting 13-19."""
    return bool(MOBILE_PATTERN.match(mobile))


def check_password_strength(password: str) -> None:
    """Raise `AccountError` for a password that is too short."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(
            "password", _l("Use at least %(count)d characters.", count=minimum)
        )


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher().hash(password)


def user_by_mobile(mobile: str) -> Optional[User]:
    """The account with this mobile number (normalised first), or None."""
    return db.session.scalar(select(User).where(User.mobile == normalise_mobile(mobile)))


def _check_new_account(mobile: str, password: str) -> str:
    mobile = normalise_mobile(mobile)
    if not is_valid_mobile(mobile):
        raise AccountError("mobile", _l("Enter an 11-digit mobile number starting with 1."))
    if user_by_mobile(mobile) is not None:
        raise AccountError("mobile", _l("This mobile number is already registered."))
    check_password_strength(password)
    return mobile


# --------------------------------------------------------------------------- verbs


def register_volunteer(
    community: Community,
    *,
    name: str,
    mobile: str,
    password: str,
    teams: Iterable[Team] = (),
    skills: Mapping[Skill, int] | Iterable[Skill] = (),
    locale: Optional[str] = None,
) -> User:
    """Create a volunteer account with its profile, teams and skills (level 1 for a list).

    Raises `AccountError` for a bad or taken mobile number, a weak password, or a team or
    skill of another community.
    """
    name = name.strip()
    if not name:
        raise AccountError("name", _l("Enter your name."))
    mobile = _check_new_account(mobile, password)
    levels = dict(skills) if isinstance(skills, Mapping) else {skill: 1 for skill in skills}
    teams = list(teams)
    if any(team.community_id != community.id for team in teams):
        raise AccountError("teams", _l("Choose teams of your community."))
    if any(skill.community_id != community.id for skill in levels):
        raise AccountError("skills", _l("Choose skills of your community."))
    if any(level < 1 for level in levels.values()):
        raise AccountError("skills", _l("Skill levels start at 1."))

    user = User(
        community=community,
        mobile=mobile,
        password_hash=hash_password(password),
        display_name=name,
        role=Role.VOLUNTEER,
        locale=locale,
    )
    user.profile = VolunteerProfile(
        teams=teams,
        skills=[VolunteerSkill(skill=skill, level=level) for skill, level in levels.items()],
    )
    db.session.add(user)
    db.session.flush()
    log.info("registered volunteer %s in %s", user.id, community.slug)
    return user


def create_coordinator(community: Community, *, name: str, mobile: str, password: str) -> User:
    """Create a coordinator account for `community`; raises `AccountError` like registration."""
    name = name.strip()
    if not name:
        raise AccountError("name", _l("Enter your name."))
    mobile = _check_new_account(mobile, password)
    user = User(
        community=community,
        mobile=mobile,
        password_hash=hash_password(password),
        display_name=name,
        role=Role.COORDINATOR,
    )
    db.session.add(user)
    db.session.flush()
    log.info("created coordinator %s for %s", user.id, community.slug)
    return user


def set_password(user: User, password: str) -> None:
    """Replace the password of `user` (checked for strength)."""
    check_password_strength(password)
    user.password_hash = hash_password(password)


def verify_password(user: User, password: str) -> bool:
    """True when `password` is the user's; upgrades an outdated hash in place."""
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def authenticate(mobile: str, password: str, *, address: str) -> Optional[User]:
    """The active account for these credentials, or None; failures are recorded.

    Raises `LoginThrottled` before checking the password when the account or the address
    has failed too often in the window. The caller commits (also after a failure, so the
    failure is counted).
    """
    mobile = normalise_mobile(mobile)
    account_key, address_key = f"account:{mobile}", f"address:{address}"
    limits = LoginLimits.from_config()
    _forget_old_attempts(limits)
    if (
        _failures(account_key, limits) >= limits.per_account
        or _failures(address_key, limits) >= limits.per_address
    ):
        log.warning("log-in throttled for %s from %s", account_key, address)
        raise LoginThrottled()

    user = user_by_mobile(mobile)
    if user is None:
        _spend_equal_time(password)
        ok = False
    else:
        ok = verify_password(user, password) and user.is_active
    if not ok:
        db.session.add_all([LoginAttempt(key=account_key), LoginAttempt(key=address_key)])
        db.session.flush()
        return None
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == account_key))
    user.last_login_at = utcnow()
    return user


def _spend_equal_time(password: str) -> None:
    try:
        _hasher().verify(current_app.extensions["password_hasher"]["dummy_hash"], password)
    except VerificationError:
        pass


def _failures(key: str, limits: LoginLimits) -> int:
    since = utcnow() - limits.window
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
    )


def _forget_old_attempts(limits: LoginLimits) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - limits.window))


# --------------------------------------------------------------------------- Flask-Login


def init_login(manager: LoginManager) -> None:
    """Wire Flask-Login: load active users by id, send strangers to the log-in page."""
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str) -> Optional[User]:
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A deactivated account loses its open sessions at once.
        return user if user is not None and user.is_active else None
