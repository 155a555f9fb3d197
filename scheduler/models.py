"""The domain model: communities, accounts, volunteers, activities, shifts and sign-ups.

The tables are shaped so that exporting a week to the schedule document
(`shared/spec/schedule-format.md`) is a direct mapping:

==========================  ===========================================================
document                    rows
==========================  ===========================================================
``timezone``                `Community.timezone`
volunteer ``id``/``name``   `VolunteerProfile.doc_id` / `User.display_name`
volunteer ``groups``        `VolunteerProfile.teams` -> `Team.code`
volunteer ``areas``         `VolunteerProfile.grids` -> `Grid.code` (empty: any area)
volunteer ``skills``        `VolunteerSkill` (`Skill.code` -> `level`)
volunteer ``available``     `Availability` rows (weekly pattern; none: available any time)
volunteer ``unavailable``   `BusyTime` rows (imported calendars)
volunteer ``days_off``      `LeaveDate` ranges
volunteer ``limits``        `VolunteerProfile.max_*` / `min_rest_minutes` (per week)
volunteer ``prefers``       `ActivityPreference` (``activity`` selector)
shift ``id``/``activity``   `Shift.doc_id` / `Activity.code`
shift ``venue``/``area``    `Venue.code` / `Grid.code`
shift ``roles``             `ShiftRole` (+ `ShiftRoleSkill`, `ShiftRole.teams`)
shift ``supervision``       `SupervisionRule` of the shift's activity
``fixed``/``forbidden``     `SignUp` confirmed / withdrawn
==========================  ===========================================================

Wall-clock times of shifts, availability and busy times are naive local times in the
community's zone, as in the document. Bookkeeping timestamps (``created_at`` ...) are
timezone-aware UTC (`UTCDateTime`).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from scheduler.extensions import db

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_WITHDRAW_CUTOFF_HOURS = 24


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def iso_week_key(day: date) -> str:
    """The ISO week of `day` as ``YYYY-Www`` (the key of `Shift.week`), e.g. ``2026-W50``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones, so values are stored there as naive UTC; PostgreSQL stores
    ``timestamptz``. Naive datetimes are refused on write, so local times cannot slip in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _str_enum(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """A portable enum column stored as its values in a VARCHAR (no native PG type)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    """What an account may do."""

    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"


class PublicNameMode(enum.StrEnum):
    """How public calendar feeds name volunteers."""

    FULL = "full"
    SURNAME_TITLE = "surname_title"
    NONE = "none"


class ActivityKind(enum.StrEnum):
    """The three kinds of community activity."""

    CLASS = "class"
    LECTURE = "lecture"
    DUTY = "duty"


class ShiftStatus(enum.StrEnum):
    """A shift is active, or cancelled (kept so regenerating the week does not revive it)."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class SignUpStatus(enum.StrEnum):
    """The life of a sign-up."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    #: Taken away by a published plan (a re-plan moved the volunteer); not a withdrawal.
    REMOVED = "removed"


#: Statuses of a sign-up that holds (or waits for) a place; at most one per volunteer and shift.
OPEN_SIGN_UP_STATUSES = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)


class SignUpSource(enum.StrEnum):
    """Who made a sign-up: the volunteer, a coordinator (pin, manual), or a publish."""

    SELF = "self"
    COORDINATOR = "coordinator"
    SCHEDULER = "scheduler"


#: Teams every new community starts with: code (the document's group) -> Chinese name.
DEFAULT_TEAMS: dict[str, str] = {
    "retired_cadre": "退休干部",
    "social_worker": "社工",
    "student": "大学生",
    "party_member": "党员",
}

#: Availability presets offered by the weekly grid: name -> (start, end).
AVAILABILITY_PRESETS: dict[str, tuple[time, time]] = {
    "morning": (time(8, 0), time(12, 0)),
    "afternoon": (time(13, 0), time(17, 30)),
    "evening": (time(18, 0), time(21, 30)),
}


# --------------------------------------------------------------------------- communities


class Community(db.Model):
    """A residential community: the unit that owns volunteers, venues and activities."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    withdraw_cutoff_hours: Mapped[int] = mapped_column(default=DEFAULT_WITHDRAW_CUTOFF_HOURS)
    public_name_mode: Mapped[PublicNameMode] = mapped_column(
        _str_enum(PublicNameMode), default=PublicNameMode.SURNAME_TITLE
    )
    address: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="community")
    teams: Mapped[list[Team]] = relationship(
        back_populates="community", order_by="Team.id", cascade="all, delete-orphan"
    )
    skills: Mapped[list[Skill]] = relationship(
        back_populates="community", order_by="Skill.id", cascade="all, delete-orphan"
    )
    venues: Mapped[list[Venue]] = relationship(
        back_populates="community", order_by="Venue.id", cascade="all, delete-orphan"
    )
    grids: Mapped[list[Grid]] = relationship(
        back_populates="community", order_by="Grid.id", cascade="all, delete-orphan"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="community", order_by="Activity.id", cascade="all, delete-orphan"
    )
    shifts: Mapped[list[Shift]] = relationship(back_populates="community")

    __table_args__ = (
        CheckConstraint("withdraw_cutoff_hours >= 0", name="cutoff_non_negative"),
    )

    @property
    def zone(self) -> ZoneInfo:
        """The community's time zone."""
        return ZoneInfo(self.timezone)

    def local_now(self) -> datetime:
        """The current wall-clock time in the community, naive (like shift times)."""
        return datetime.now(self.zone).replace(tzinfo=None)

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


# --------------------------------------------------------------------------- accounts


class User(UserMixin, db.Model):
    """A log-in account: a volunteer or a coordinator of one community."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    mobile: Mapped[str] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[Optional[str]] = mapped_column(String(10))
    role: Mapped[Role] = mapped_column(_str_enum(Role), default=Role.VOLUNTEER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    community: Mapped[Community] = relationship(back_populates="users")
    profile: Mapped[Optional[VolunteerProfile]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_coordinator(self) -> bool:
        """True for a coordinator (of `community` only)."""
        return self.role == Role.COORDINATOR

    def coordinates(self, community: Community) -> bool:
        """True when this account may run `community`."""
        return self.is_coordinator and self.is_active and self.community_id == community.id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


volunteer_teams = Table(
    "volunteer_teams",
    db.metadata,
    Column("volunteer_id", ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)

volunteer_grids = Table(
    "volunteer_grids",
    db.metadata,
    Column("volunteer_id", ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True),
)


class VolunteerProfile(db.Model):
    """What a volunteer can do and when: the document's volunteer entry.

    Everything volunteer-side (skills, availability, sign-ups ...) points here through a
    ``volunteer_id`` column. Limits are per week (the scheduling horizon); ``None`` means none.
    """

    __tablename__ = "volunteer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    max_shifts_per_day: Mapped[Optional[int]]
    max_shifts_per_week: Mapped[Optional[int]]
    max_minutes_per_week: Mapped[Optional[int]]
    min_rest_minutes: Mapped[Optional[int]]
    max_consecutive_days: Mapped[Optional[int]]
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
    teams: Mapped[list[Team]] = relationship(
        secondary=volunteer_teams, back_populates="volunteers", order_by="Team.id"
    )
    grids: Mapped[list[Grid]] = relationship(secondary=volunteer_grids, order_by="Grid.id")
    skills: Mapped[list[VolunteerSkill]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )
    availability: Mapped[list[Availability]] = relationship(
        back_populates="volunteer",
        cascade="all, delete-orphan",
        order_by="(Availability.weekday, Availability.start_time)",
    )
    leave_dates: Mapped[list[LeaveDate]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", order_by="LeaveDate.start_date"
    )
    busy_times: Mapped[list[BusyTime]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", order_by="BusyTime.starts_at"
    )
    preferences: Mapped[list[ActivityPreference]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )
    sign_ups: Mapped[list[SignUp]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )

    __table_args__ = tuple(
        CheckConstraint(f"{column} IS NULL OR {column} >= 0", name=f"{column}_non_negative")
        for column in (
            "max_shifts_per_day",
            "max_shifts_per_week",
            "max_minutes_per_week",
            "min_rest_minutes",
            "max_consecutive_days",
        )
    )

    @property
    def doc_id(self) -> str:
        """The volunteer's id in a schedule document."""
        return f"v{self.id}"

    @property
    def name(self) -> str:
        """The display name of the account."""
        return self.user.display_name

    @property
    def community(self) -> Community:
        """The volunteer's community."""
        return self.user.community

    def skill_levels(self) -> dict[str, int]:
        """Skill code -> level, as in the document."""
        return {vs.skill.code: vs.level for vs in self.skills}

    def team_codes(self) -> set[str]:
        """Codes of the volunteer's teams (the document's ``groups``)."""
        return {team.code for team in self.teams}

    def __repr__(self) -> str:
        return f"<VolunteerProfile {self.id} user={self.user_id}>"


class Team(db.Model):
    """A group of volunteers (retired cadres, students ...); ``code`` is the document group."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))

    community: Mapped[Community] = relationship(back_populates="teams")
    volunteers: Mapped[list[VolunteerProfile]] = relationship(
        secondary=volunteer_teams, back_populates="teams"
    )

    __table_args__ = (UniqueConstraint("community_id", "code"),)

    def __repr__(self) -> str:
        return f"<Team {self.code}>"


class Skill(db.Model):
    """A skill of a community (calligraphy, first aid ...), held at a level >= 1."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))

    community: Mapped[Community] = relationship(back_populates="skills")

    __table_args__ = (UniqueConstraint("community_id", "code"),)

    def __repr__(self) -> str:
        return f"<Skill {self.code}>"


class VolunteerSkill(db.Model):
    """A volunteer's level in a skill (1 = can help, higher = can lead or teach)."""

    __tablename__ = "volunteer_skills"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(default=1)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()

    __table_args__ = (CheckConstraint("level >= 1", name="level_positive"),)


# --------------------------------------------------------------------------- places


class Venue(db.Model):
    """A place where activities happen."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")

    community: Mapped[Community] = relationship(back_populates="venues")

    __table_args__ = (UniqueConstraint("community_id", "code"),)

    def __repr__(self) -> str:
        return f"<Venue {self.code}>"


class Grid(db.Model):
    """A grid (网格): a block of the community served by its own volunteers (document area)."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))

    community: Mapped[Community] = relationship(back_populates="grids")

    __table_args__ = (UniqueConstraint("community_id", "code"),)

    def __repr__(self) -> str:
        return f"<Grid {self.code}>"


# --------------------------------------------------------------------------- activities


class Activity(db.Model):
    """A class, lecture or duty with a weekly recurrence; it generates `Shift` rows.

    An activity without weekdays recurs never: its shifts are one-off events. When
    ``end_time <= start_time`` an occurrence ends on the next day (a night patrol).
    """

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[ActivityKind] = mapped_column(_str_enum(ActivityKind))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue_id: Mapped[Optional[int]] = mapped_column(ForeignKey("venues.id"))
    grid_id: Mapped[Optional[int]] = mapped_column(ForeignKey("grids.id"))
    weekdays_csv: Mapped[str] = mapped_column("weekdays", String(20), default="")
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[Optional[date]] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    community: Mapped[Community] = relationship(back_populates="activities")
    venue: Mapped[Optional[Venue]] = relationship()
    grid: Mapped[Optional[Grid]] = relationship()
    roles: Mapped[list[ActivityRole]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityRole.position"
    )
    supervision_rules: Mapped[list[SupervisionRule]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )
    shifts: Mapped[list[Shift]] = relationship(back_populates="activity", order_by="Shift.starts_at")

    __table_args__ = (UniqueConstraint("community_id", "code"),)

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Weekdays of the recurrence, 0 = Monday, sorted."""
        return tuple(int(part) for part in self.weekdays_csv.split(",") if part)

    @weekdays.setter
    def weekdays(self, days) -> None:
        values = sorted(set(int(day) for day in days))
        if any(not 0 <= day <= 6 for day in values):
            raise ValueError(f"weekdays must be within 0..6, got {values}")
        self.weekdays_csv = ",".join(str(day) for day in values)

    def occurs_on(self, day: date) -> bool:
        """True when the recurrence has an occurrence starting on `day`."""
        if day < self.valid_from or (self.valid_until is not None and day > self.valid_until):
            return False
        return day.weekday() in self.weekdays

    def times_on(self, day: date) -> tuple[datetime, datetime]:
        """Local start and end of an occurrence starting on `day` (end may be the next day)."""
        start = datetime.combine(day, self.start_time)
        end = datetime.combine(day, self.end_time)
        if end <= start:
            end += timedelta(days=1)
        return start, end

    def __repr__(self) -> str:
        return f"<Activity {self.code}>"


activity_role_teams = Table(
    "activity_role_teams",
    db.metadata,
    Column("role_id", ForeignKey("activity_roles.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class ActivityRole(db.Model):
    """A role of an activity (instructor, assistant ...): the template of `ShiftRole`.

    ``max`` None means ``max == need``. ``teams`` empty means any team may take it.
    """

    __tablename__ = "activity_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    need: Mapped[int] = mapped_column(default=1)
    max: Mapped[Optional[int]]
    continuity: Mapped[bool] = mapped_column(Boolean, default=False)

    activity: Mapped[Activity] = relationship(back_populates="roles")
    skills: Mapped[list[ActivityRoleSkill]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )
    teams: Mapped[list[Team]] = relationship(secondary=activity_role_teams, order_by="Team.id")

    __table_args__ = (
        UniqueConstraint("activity_id", "name"),
        CheckConstraint("need >= 0", name="need_non_negative"),
        CheckConstraint("max IS NULL OR max >= need", name="max_at_least_need"),
    )

    @property
    def capacity(self) -> int:
        """The hard cap on people: ``max``, or ``need`` when no max is set."""
        return self.need if self.max is None else self.max


class ActivityRoleSkill(db.Model):
    """A skill a role requires, at a minimum level."""

    __tablename__ = "activity_role_skills"

    role_id: Mapped[int] = mapped_column(
        ForeignKey("activity_roles.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    min_level: Mapped[int] = mapped_column(default=1)

    role: Mapped[ActivityRole] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()

    __table_args__ = (CheckConstraint("min_level >= 1", name="min_level_positive"),)


supervision_rule_teams = Table(
    "supervision_rule_teams",
    db.metadata,
    Column("rule_id", ForeignKey("supervision_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class SupervisionRule(db.Model):
    """If anyone of `team` takes a shift of the activity, one of `by_teams` must be there too."""

    __tablename__ = "supervision_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))

    activity: Mapped[Activity] = relationship(back_populates="supervision_rules")
    team: Mapped[Team] = relationship()
    by_teams: Mapped[list[Team]] = relationship(secondary=supervision_rule_teams, order_by="Team.id")

    __table_args__ = (UniqueConstraint("activity_id", "team_id"),)


# --------------------------------------------------------------------------- shifts


class Shift(db.Model):
    """One occurrence of an activity: the document's shift.

    Unique per (activity, start), so generating a week twice creates nothing new. A
    cancelled shift stays (status ``cancelled``) so that regeneration does not revive it.
    Title, venue and grid are copied from the activity and may be changed per shift.
    """

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    week: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    venue_id: Mapped[Optional[int]] = mapped_column(ForeignKey("venues.id"))
    grid_id: Mapped[Optional[int]] = mapped_column(ForeignKey("grids.id"))
    status: Mapped[ShiftStatus] = mapped_column(_str_enum(ShiftStatus), default=ShiftStatus.ACTIVE)
    is_one_off: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    community: Mapped[Community] = relationship(back_populates="shifts")
    activity: Mapped[Activity] = relationship(back_populates="shifts")
    venue: Mapped[Optional[Venue]] = relationship()
    grid: Mapped[Optional[Grid]] = relationship()
    roles: Mapped[list[ShiftRole]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="ShiftRole.position"
    )
    sign_ups: Mapped[list[SignUp]] = relationship(back_populates="shift")

    __table_args__ = (
        UniqueConstraint("activity_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_shifts_community_week", "community_id", "week"),
    )

    @classmethod
    def from_activity(cls, activity: Activity, day: date, *, one_off: bool = False) -> Shift:
        """A new shift of `activity` starting on `day`, with venue, grid, title and roles copied.

        It does not check the recurrence (a one-off date need not match it) nor add itself to
        the session.
        """
        start, end = activity.times_on(day)
        # Load everything first: once the shift is attached to the activity, a lazy load
        # would autoflush a shift that is not in the session yet.
        roles = [ShiftRole.copy_of(role) for role in activity.roles]
        community, venue, grid = activity.community, activity.venue, activity.grid
        return cls(
            community=community,
            activity=activity,
            starts_at=start,
            ends_at=end,
            title=activity.title,
            venue=venue,
            grid=grid,
            is_one_off=one_off,
            roles=roles,
        )

    @validates("starts_at")
    def _set_week(self, _key: str, value: datetime) -> datetime:
        self.week = iso_week_key(value.date())
        return value

    @property
    def doc_id(self) -> str:
        """The shift's id in a schedule document."""
        return f"s{self.id}"

    @property
    def is_cancelled(self) -> bool:
        """True when the shift was cancelled."""
        return self.status == ShiftStatus.CANCELLED

    def minutes(self) -> int:
        """Duration in minutes, on absolute time in the community's zone (DST-safe)."""
        zone = self.community.zone
        start = self.starts_at.replace(tzinfo=zone)
        end = self.ends_at.replace(tzinfo=zone)
        return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<Shift {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


shift_role_teams = Table(
    "shift_role_teams",
    db.metadata,
    Column("shift_role_id", ForeignKey("shift_roles.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class ShiftRole(db.Model):
    """A role in one shift, copied from its `ActivityRole` so later edits do not rewrite history.

    ``max`` None means ``max == need``; ``teams`` empty means any team.
    """

    __tablename__ = "shift_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    activity_role_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("activity_roles.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    need: Mapped[int] = mapped_column(default=1)
    max: Mapped[Optional[int]]
    continuity: Mapped[bool] = mapped_column(Boolean, default=False)

    shift: Mapped[Shift] = relationship(back_populates="roles")
    activity_role: Mapped[Optional[ActivityRole]] = relationship()
    skills: Mapped[list[ShiftRoleSkill]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )
    teams: Mapped[list[Team]] = relationship(secondary=shift_role_teams, order_by="Team.id")
    sign_ups: Mapped[list[SignUp]] = relationship(
        back_populates="shift_role", order_by="SignUp.created_at"
    )

    __table_args__ = (
        UniqueConstraint("shift_id", "name"),
        CheckConstraint("need >= 0", name="need_non_negative"),
        CheckConstraint("max IS NULL OR max >= need", name="max_at_least_need"),
    )

    @property
    def capacity(self) -> int:
        """The hard cap on people: ``max``, or ``need`` when no max is set."""
        return self.need if self.max is None else self.max

    def required_skills(self) -> dict[str, int]:
        """Skill code -> minimum level, as in the document."""
        return {rs.skill.code: rs.min_level for rs in self.skills}

    @classmethod
    def copy_of(cls, role: ActivityRole) -> ShiftRole:
        """A new shift role with the name, numbers, skills and teams of `role`."""
        return cls(
            activity_role=role,
            name=role.name,
            position=role.position,
            need=role.need,
            max=role.max,
            continuity=role.continuity,
            skills=[ShiftRoleSkill(skill=rs.skill, min_level=rs.min_level) for rs in role.skills],
            teams=list(role.teams),
        )


class ShiftRoleSkill(db.Model):
    """A skill a shift role requires, at a minimum level."""

    __tablename__ = "shift_role_skills"

    shift_role_id: Mapped[int] = mapped_column(
        ForeignKey("shift_roles.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    min_level: Mapped[int] = mapped_column(default=1)

    role: Mapped[ShiftRole] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()

    __table_args__ = (CheckConstraint("min_level >= 1", name="min_level_positive"),)


class SignUp(db.Model):
    """A volunteer's sign-up for a role of a shift.

    At most one open (confirmed or waitlisted) sign-up per (volunteer, shift), enforced by a
    partial unique index. ``shift_id`` repeats the role's shift for that index; it is set from the role.
    Waitlist order is ``created_at``.
    """

    __tablename__ = "sign_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    shift_role_id: Mapped[int] = mapped_column(
        ForeignKey("shift_roles.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SignUpStatus] = mapped_column(_str_enum(SignUpStatus))
    source: Mapped[SignUpSource] = mapped_column(
        _str_enum(SignUpSource), default=SignUpSource.SELF, server_default=SignUpSource.SELF.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="sign_ups")
    shift: Mapped[Shift] = relationship(back_populates="sign_ups")
    shift_role: Mapped[ShiftRole] = relationship(back_populates="sign_ups")

    __table_args__ = (
        Index(
            "uq_sign_ups_volunteer_shift_open",
            "volunteer_id",
            "shift_id",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'waitlisted')"),
            postgresql_where=text("status IN ('confirmed', 'waitlisted')"),
        ),
    )

    @validates("shift_role")
    def _copy_shift(self, _key: str, role: ShiftRole) -> ShiftRole:
        self.shift = role.shift
        return role


# --------------------------------------------------------------------------- time


class Availability(db.Model):
    """A weekly window in which a volunteer can serve (local times, ``start < end``).

    A volunteer with no rows is available at any time (the document omits ``available``).
    """

    __tablename__ = "availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="availability")

    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
    )


class LeaveDate(db.Model):
    """Days off, ``start_date`` to ``end_date`` inclusive (the document's ``days_off``)."""

    __tablename__ = "leave_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="leave_dates")

    __table_args__ = (CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    def days(self) -> list[date]:
        """Every date of the leave."""
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=offset) for offset in range(count)]


class BusyTime(db.Model):
    """A busy interval imported from a personal calendar (local naive times).

    Only times are kept, never the event's title or description: they are private.
    """

    __tablename__ = "busy_times"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="busy_times")

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)


class ActivityPreference(db.Model):
    """A liked (weight > 0) or disliked (weight < 0) activity."""

    __tablename__ = "activity_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    weight: Mapped[int]

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="preferences")
    activity: Mapped[Activity] = relationship()

    __table_args__ = (
        UniqueConstraint("volunteer_id", "activity_id"),
        CheckConstraint("weight != 0", name="weight_non_zero"),
    )

    @property
    def liked(self) -> bool:
        """True for a liked activity."""
        return self.weight > 0


# --------------------------------------------------------------------------- security


class LoginAttempt(db.Model):
    """A failed log-in, counted per account and per client address to throttle guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_login_attempts_key_created_at", "key", "created_at"),)


# --------------------------------------------------------------------------- queries


def volunteers_of(community: Community):
    """A ``select`` of the volunteer profiles of `community`, by name."""
    return (
        select(VolunteerProfile)
        .join(VolunteerProfile.user)
        .where(User.community_id == community.id, User.role == Role.VOLUNTEER)
        .order_by(User.display_name, User.id)
    )


def shifts_of_week(community: Community, week: str):
    """A ``select`` of the shifts of `community` in ISO week `week` (``2026-W50``), by start."""
    return (
        select(Shift)
        .where(Shift.community_id == community.id, Shift.week == week)
        .order_by(Shift.starts_at, Shift.id)
    )
