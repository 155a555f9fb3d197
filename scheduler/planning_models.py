"""Tables of weekly planning: runs of the engine, the draft, published versions, holidays.

* `ScheduleRun`: one auto-scheduling job for a community's week, with its live progress
  (written by the engine's progress callback) and its outcome. At most one run of a week is
  queued or running at a time: a partial unique index says so to the database itself, so
  two web processes or a web process and an RQ worker cannot both start one.
* `DraftAssignment` and `DraftExclusion`: the coordinator's working copy of a week. A run
  replaces the unpinned rows; pins are exported as ``fixed`` and exclusions (someone the
  coordinator took out) as ``forbidden``, so re-solving keeps both.
* `PlanVersion`, `PlanAssignment`, `PlanChange`: what was published, numbered per community
  and week, and what changed for whom. They are never updated nor deleted through the ORM
  (`ImmutablePlanError`); a new publication is a new version.
* `CancelledDate`: a holiday for the whole community or for one activity; generating a week
  skips (or cancels) the recurring occurrences on those dates.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.extensions import db
from scheduler.models import (
    Activity,
    Community,
    Shift,
    ShiftRole,
    User,
    UTCDateTime,
    VolunteerProfile,
    _str_enum,
    utcnow,
)


class RunStatus(enum.StrEnum):
    """Where a run is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


#: Statuses of a run that holds the week (the partial unique index lists them too).
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunKind(enum.StrEnum):
    """A first schedule of the week, or a re-plan of a published one."""

    SCHEDULE = "schedule"
    REPLAN = "replan"


class ChangeKind(enum.StrEnum):
    """What a publication did to one volunteer's week."""

    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"


class ImmutablePlanError(RuntimeError):
    """Raised when code tries to change or delete a published version."""


class ScheduleRun(db.Model):
    """One run of the engine on a community's week, its live progress and its outcome."""

    __tablename__ = "schedule_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))
    kind: Mapped[RunKind] = mapped_column(_str_enum(RunKind), default=RunKind.SCHEDULE)
    status: Mapped[RunStatus] = mapped_column(_str_enum(RunStatus), default=RunStatus.QUEUED)
    time_limit: Mapped[float] = mapped_column(Float)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    job_id: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # Live progress (the engine's on_progress, throttled) and then the final figures.
    best_objective: Mapped[Optional[float]] = mapped_column(Float)
    bound: Mapped[Optional[float]] = mapped_column(Float)
    unfilled_places: Mapped[Optional[int]] = mapped_column(Integer)
    seconds: Mapped[Optional[float]] = mapped_column(Float)
    # The engine's status (optimal, feasible, infeasible, unknown) once finished.
    solver_status: Mapped[Optional[str]] = mapped_column(String(20))
    error: Mapped[Optional[str]] = mapped_column(Text)
    #: JSON lists: the engine's conflicts, the unfilled roles with reasons, export notes.
    conflicts_json: Mapped[str] = mapped_column(Text, default="[]")
    unfilled_json: Mapped[str] = mapped_column(Text, default="[]")
    notes_json: Mapped[str] = mapped_column(Text, default="[]")
    components_json: Mapped[str] = mapped_column(Text, default="{}")
    #: The exported problem document the engine solved (for download and offline re-solving).
    problem_json: Mapped[Optional[str]] = mapped_column(Text)

    community: Mapped[Community] = relationship()
    requested_by: Mapped[Optional[User]] = relationship()

    __table_args__ = (
        Index("ix_schedule_runs_community_week", "community_id", "week"),
        # The database's own guard: one queued or running run per community and week.
        Index(
            "uq_schedule_runs_active_week",
            "community_id",
            "week",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        CheckConstraint("time_limit > 0", name="time_limit_positive"),
    )

    @property
    def is_active(self) -> bool:
        """True while queued or running."""
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def has_solution(self) -> bool:
        """True when the run finished with a schedule (written to the draft)."""
        return self.status == RunStatus.SUCCEEDED

    def __repr__(self) -> str:
        return f"<ScheduleRun {self.id} {self.week} {self.status.value}>"


class DraftAssignment(db.Model):
    """A volunteer in a role of a shift in the coordinator's working copy of a week."""

    __tablename__ = "draft_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    shift_role_id: Mapped[int] = mapped_column(ForeignKey("shift_roles.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    #: A coordinator's pin: exported as ``fixed``, so every re-solve keeps it.
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``solver`` (written by a run) or ``coordinator`` (a manual assignment).
    origin: Mapped[str] = mapped_column(String(20), default="solver")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shift: Mapped[Shift] = relationship()
    shift_role: Mapped[ShiftRole] = relationship()
    volunteer: Mapped[VolunteerProfile] = relationship()

    __table_args__ = (
        UniqueConstraint("volunteer_id", "shift_id"),
        Index("ix_draft_assignments_community_week", "community_id", "week"),
    )


class DraftExclusion(db.Model):
    """A volunteer the coordinator took out of a shift: exported as ``forbidden``."""

    __tablename__ = "draft_exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profiles.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shift: Mapped[Shift] = relationship()
    volunteer: Mapped[VolunteerProfile] = relationship()

    __table_args__ = (
        UniqueConstraint("volunteer_id", "shift_id"),
        Index("ix_draft_exclusions_community_week", "community_id", "week"),
    )


class PlanVersion(db.Model):
    """A published plan of a community's week; ``number`` counts 1, 2, ... per week."""

    __tablename__ = "plan_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schedule_runs.id", ondelete="SET NULL"))
    unfilled_places: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(300), default="")

    community: Mapped[Community] = relationship()
    published_by: Mapped[Optional[User]] = relationship()
    run: Mapped[Optional[ScheduleRun]] = relationship()
    assignments: Mapped[list[PlanAssignment]] = relationship(
        back_populates="version", cascade="all, delete-orphan", passive_deletes=True
    )
    changes: Mapped[list[PlanChange]] = relationship(
        back_populates="version", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PlanChange.id",
    )

    __table_args__ = (
        UniqueConstraint("community_id", "week", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    def __repr__(self) -> str:
        return f"<PlanVersion {self.week} #{self.number}>"


class PlanAssignment(db.Model):
    """A volunteer in a role of a shift in a published version (the role name is kept too)."""

    __tablename__ = "plan_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    shift_role_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shift_roles.id", ondelete="SET NULL"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    role_name: Mapped[str] = mapped_column(String(100))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    version: Mapped[PlanVersion] = relationship(back_populates="assignments")
    shift: Mapped[Shift] = relationship()
    shift_role: Mapped[Optional[ShiftRole]] = relationship()
    volunteer: Mapped[VolunteerProfile] = relationship()

    __table_args__ = (UniqueConstraint("version_id", "volunteer_id", "shift_id"),)


class PlanChange(db.Model):
    """What a publication changed for one volunteer: added to, removed from or moved.

    ``moved`` is a change of role in the same shift, or from `from_shift` to `shift` of the
    same activity; `shift` is the shift the volunteer has now (for ``removed``: had).
    """

    __tablename__ = "plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ChangeKind] = mapped_column(_str_enum(ChangeKind))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    role_name: Mapped[str] = mapped_column(String(100))
    from_shift_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    from_role_name: Mapped[Optional[str]] = mapped_column(String(100))

    version: Mapped[PlanVersion] = relationship(back_populates="changes")
    volunteer: Mapped[VolunteerProfile] = relationship()
    shift: Mapped[Shift] = relationship(foreign_keys=[shift_id])
    from_shift: Mapped[Optional[Shift]] = relationship(foreign_keys=[from_shift_id])


class CancelledDate(db.Model):
    """A holiday, ``start_date`` to ``end_date`` inclusive, for the community or one activity.

    Only recurring occurrences are cancelled: a one-off event placed on such a day was put
    there on purpose.
    """

    __tablename__ = "cancelled_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    #: None: every activity of the community.
    activity_id: Mapped[Optional[int]] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    community: Mapped[Community] = relationship()
    activity: Mapped[Optional[Activity]] = relationship()

    __table_args__ = (CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    def covers(self, day: date, activity_id: int) -> bool:
        """True when this holiday cancels `activity_id`'s occurrence on `day`."""
        if self.activity_id is not None and self.activity_id != activity_id:
            return False
        return self.start_date <= day <= self.end_date


@event.listens_for(PlanVersion, "before_update")
@event.listens_for(PlanAssignment, "before_update")
@event.listens_for(PlanChange, "before_update")
@event.listens_for(PlanVersion, "before_delete")
@event.listens_for(PlanAssignment, "before_delete")
@event.listens_for(PlanChange, "before_delete")
def _refuse_change(_mapper, _connection, target) -> None:
    raise ImmutablePlanError(f"{target!r} belongs to a published version and cannot change")
