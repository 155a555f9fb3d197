"""Volunteer sign-up: eligibility with reasons, signing up, withdrawing, the waitlist.

The rules (each refusal carries a `Reason` with a code and words for the volunteer):

* the shift is active and has not started; the role belongs to the volunteer's community;
* the volunteer serves the shift's grid (no grids: any), belongs to one of the role's teams
  (none listed: any) and holds every required skill at the required level;
* the shift lies inside the weekly availability, starts on no leave day and overlaps no
  imported busy time;
* it overlaps none of the volunteer's confirmed shifts, and with it the volunteer stays
  within their limits: shifts per day, shifts and minutes per (ISO) week, rest between
  shifts, consecutive days in the week.

A role is full when its confirmed sign-ups (whatever their source: the volunteer, a
coordinator, the published plan) reach its capacity; a volunteer who qualifies then joins
the waitlist. When a confirmed place frees, the waitlist is promoted first come first
served (by ``created_at``), skipping anyone who no longer qualifies or is no longer free.

Concurrency: `in_write_transaction` runs a unit of work in a fresh transaction that takes
SQLite's write lock at ``BEGIN IMMEDIATE``; on PostgreSQL the verbs lock the volunteer's
profile row and then the shift-role row with ``SELECT ... FOR UPDATE``. Counting the
confirmed places therefore never races, and a double click finds the first click's
sign-up instead of making a second one (the partial unique index on the open sign-up per
volunteer and shift is the last line of defence; its violation is retried and then found).

The verbs add and flush; `in_write_transaction` commits and, after the commit, sends
`scheduler.signals.schedule_changed` for the shifts whose confirmed people changed.
"""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Callable, Iterable, NamedTuple, Optional, Sequence, TypeVar

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from scheduler import SQLITE_BEGIN_IMMEDIATE
from scheduler.availability import VolunteerTimes
from scheduler.extensions import db
from scheduler.models import (
    Community,
    Role,
    Shift,
    ShiftRole,
    ShiftRoleSkill,
    ShiftStatus,
    SignUp,
    SignUpSource,
    SignUpStatus,
    User,
    VolunteerProfile,
    iso_week_key,
)
from scheduler.signals import schedule_changed

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How far ahead the open-shifts page looks by default.
DEFAULT_BROWSE_WEEKS = 4
#: Attempts of a unit of work that lost a race (lock timeout, deadlock, unique index).
WRITE_ATTEMPTS = 5
#: Statuses of a sign-up that holds or queues for a place (other statuses are history).
OPEN_STATUSES = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)
#: Session.info key collecting the shifts a unit of work changed.
_CHANGES_KEY = "schedule_changes"


# --------------------------------------------------------------------------- reasons


class Reason(NamedTuple):
    """Why a volunteer cannot take a role: a stable `code` and a translatable `message`."""

    code: str
    message: object

    def __str__(self) -> str:
        return str(self.message)


class SignUpRefused(Exception):
    """The volunteer may not sign up; `reasons` says why (at least one)."""

    def __init__(self, reasons: Sequence[Reason]):
        super().__init__("; ".join(str(reason) for reason in reasons))
        self.reasons = list(reasons)


class WithdrawRefused(Exception):
    """The sign-up can no longer be withdrawn online; `contact` says whom to call."""

    def __init__(self, message, contact: str):
        super().__init__(str(message))
        self.message = message
        self.contact = contact


@dataclass(frozen=True)
class SignUpOutcome:
    """The result of `sign_up`: the sign-up and whether this call created it."""

    sign_up: SignUp
    created: bool

    @property
    def confirmed(self) -> bool:
        """True when the volunteer has a place (not on the waitlist)."""
        return self.sign_up.status == SignUpStatus.CONFIRMED


# --------------------------------------------------------------------------- time helpers


def _absolute(moment: datetime, community: Community) -> datetime:
    """A community wall-clock time as an aware UTC time (DST-safe arithmetic)."""
    return moment.replace(tzinfo=community.zone).astimezone(UTC)


def minutes_between(earlier: datetime, later: datetime, community: Community) -> int:
    """Whole minutes from `earlier` to `later` (local wall-clock times) on absolute time."""
    delta = _absolute(later, community) - _absolute(earlier, community)
    return int(delta.total_seconds() // 60)


def local_day(day: date) -> str:
    """A short day with its weekday in the request's language: 12月7日周一 / Mon, Dec 7."""
    return format_skeleton("MMMEd", day, locale=get_locale())


def local_datetime(moment: datetime) -> str:
    """A wall-clock time for people in the request's language: 12月7日周一 09:30.

    Shift times are local already, so nothing is converted between zones.
    """
    return f"{local_day(moment.date())} {moment:%H:%M}"


# --------------------------------------------------------------------------- the volunteer's state


@dataclass(frozen=True)
class Commitment:
    """A confirmed shift of the volunteer, as the rules need it."""

    shift_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    minutes: int


@dataclass
class VolunteerState:
    """Everything the rules read about a volunteer, loaded once for many roles."""

    volunteer: VolunteerProfile
    skills: dict[int, int]
    team_ids: set[int]
    grid_ids: set[int]
    times: VolunteerTimes
    commitments: list[Commitment]
    open_shift_ids: dict[int, SignUp] = field(default_factory=dict)

    @classmethod
    def load(
        cls, volunteer: VolunteerProfile, first: date, last: date, *, ignore_sign_up_id: Optional[int] = None
    ) -> VolunteerState:
        """The state of `volunteer`, with their sign-ups of shifts starting from a week before
        `first` to a week after `last` (enough for week limits, rest and overlaps)."""
        rows = db.session.scalars(
            select(SignUp)
            .join(SignUp.shift)
            .where(
                SignUp.volunteer_id == volunteer.id,
                SignUp.status.in_(OPEN_STATUSES),
                Shift.starts_at >= datetime.combine(first - timedelta(days=8), datetime.min.time()),
                Shift.starts_at < datetime.combine(last + timedelta(days=8), datetime.min.time()),
            )
            .options(selectinload(SignUp.shift).selectinload(Shift.community))
        ).all()
        commitments = [
            Commitment(
                row.shift.id,
                row.shift.title,
                row.shift.starts_at,
                row.shift.ends_at,
                row.shift.minutes(),
            )
            for row in rows
            if row.status == SignUpStatus.CONFIRMED
            and row.id != ignore_sign_up_id
            and row.shift.status == ShiftStatus.ACTIVE
        ]
        return cls(
            volunteer=volunteer,
            skills={vs.skill_id: vs.level for vs in volunteer.skills},
            team_ids={team.id for team in volunteer.teams},
            grid_ids={grid.id for grid in volunteer.grids},
            times=VolunteerTimes.of(volunteer),
            commitments=commitments,
            open_shift_ids={row.shift_id: row for row in rows if row.id != ignore_sign_up_id},
        )

    # ------------------------------------------------------------------ the rules

    def reasons(self, role: ShiftRole, *, now: datetime) -> list[Reason]:
        """Every reason the volunteer cannot take `role` now (empty: they can)."""
        shift = role.shift
        reasons = self._shift_reasons(shift, now)
        if reasons and reasons[0].code in {"other_community"}:
            return reasons
        reasons += self._qualification_reasons(role)
        reasons += self._time_reasons(shift)
        reasons += self._commitment_reasons(shift)
        return reasons

    def _shift_reasons(self, shift: Shift, now: datetime) -> list[Reason]:
        if shift.community_id != self.volunteer.user.community_id:
            return [Reason("other_community", _l("This shift belongs to another community."))]
        reasons = []
        if shift.status != ShiftStatus.ACTIVE:
            reasons.append(Reason("cancelled", _l("This shift has been cancelled.")))
        elif shift.starts_at <= now:
            reasons.append(Reason("started", _l("This shift has already started.")))
        existing = self.open_shift_ids.get(shift.id)
        if existing is not None:
            reasons.append(Reason("already_signed_up", _l("You have already signed up for this shift.")))
        return reasons

    def _qualification_reasons(self, role: ShiftRole) -> list[Reason]:
        reasons = []
        shift = role.shift
        if shift.grid_id is not None and self.grid_ids and shift.grid_id not in self.grid_ids:
            reasons.append(
                Reason("grid", _l("This shift is for %(grid)s, which is not one of your grids.", grid=shift.grid.name))
            )
        if role.teams and not self.team_ids & {team.id for team in role.teams}:
            reasons.append(
                Reason(
                    "team",
                    _l("Only for: %(teams)s.", teams="、".join(team.name for team in role.teams)),
                )
            )
        for required in role.skills:
            level = self.skills.get(required.skill_id, 0)
            if level < required.min_level:
                reasons.append(_skill_reason(required, level))
        return reasons

    def _time_reasons(self, shift: Shift) -> list[Reason]:
        reasons = []
        leave = self.times.leave_on(shift.starts_at.date())
        if leave is not None:
            reasons.append(
                Reason("leave", _l("You are on leave on %(day)s.", day=local_day(shift.starts_at.date())))
            )
        if not self.times.within_weekly(shift.starts_at, shift.ends_at):
            reasons.append(Reason("unavailable", _l("This is outside the times you said you are available.")))
        busy = self.times.busy_during(shift.starts_at, shift.ends_at)
        if busy is not None:
            reasons.append(
                Reason(
                    "busy",
                    _l("Your imported calendar shows you busy from %(start)s to %(end)s.",
                       start=local_datetime(busy[0]), end=local_datetime(busy[1])),
                )
            )
        return reasons

    def _commitment_reasons(self, shift: Shift) -> list[Reason]:
        community = shift.community
        profile = self.volunteer
        others = [c for c in self.commitments if c.shift_id != shift.id]
        reasons = []
        for other in others:
            if other.starts_at < shift.ends_at and shift.starts_at < other.ends_at:
                reasons.append(
                    Reason(
                        "overlap",
                        _l("It overlaps your shift %(title)s at %(start)s.",
                           title=other.title, start=local_datetime(other.starts_at)),
                    )
                )
        day = shift.starts_at.date()
        week = iso_week_key(day)
        same_day = [c for c in others if c.starts_at.date() == day]
        same_week = [c for c in others if iso_week_key(c.starts_at.date()) == week]
        if profile.max_shifts_per_day is not None and len(same_day) + 1 > profile.max_shifts_per_day:
            reasons.append(
                Reason("max_shifts_per_day",
                       _l("You would have more than %(count)d shift(s) that day (your limit).",
                          count=profile.max_shifts_per_day))
            )
        if profile.max_shifts_per_week is not None and len(same_week) + 1 > profile.max_shifts_per_week:
            reasons.append(
                Reason("max_shifts_per_week",
                       _l("You would have more than %(count)d shift(s) that week (your limit).",
                          count=profile.max_shifts_per_week))
            )
        if profile.max_minutes_per_week is not None:
            total = sum(c.minutes for c in same_week) + shift.minutes()
            if total > profile.max_minutes_per_week:
                reasons.append(
                    Reason("max_minutes_per_week",
                           _l("You would serve %(total)d minutes that week, more than your limit of %(limit)d.",
                              total=total, limit=profile.max_minutes_per_week))
                )
        if profile.min_rest_minutes:
            for other in others:
                if other.ends_at <= shift.starts_at:
                    gap = minutes_between(other.ends_at, shift.starts_at, community)
                elif shift.ends_at <= other.starts_at:
                    gap = minutes_between(shift.ends_at, other.starts_at, community)
                else:
                    continue  # an overlap, reported above
                if gap < profile.min_rest_minutes:
                    reasons.append(
                        Reason("min_rest",
                               _l("Only %(gap)d minutes of rest next to your shift %(title)s; you asked for %(rest)d.",
                                  gap=gap, title=other.title, rest=profile.min_rest_minutes))
                    )
                    break
        if profile.max_consecutive_days is not None:
            worked = {c.starts_at.date() for c in same_week} | {day}
            run = 1
            for step in (-1, 1):
                probe = day + timedelta(days=step)
                while probe in worked:
                    run += 1
                    probe += timedelta(days=step)
            if run > profile.max_consecutive_days:
                reasons.append(
                    Reason("max_consecutive_days",
                           _l("You would serve %(run)d days in a row, more than your limit of %(limit)d.",
                              run=run, limit=profile.max_consecutive_days))
                )
        return reasons


def _skill_reason(required: ShiftRoleSkill, level: int) -> Reason:
    if level == 0:
        message = _l("Needs the skill %(skill)s (level %(level)d); you have not listed it.",
                     skill=required.skill.name, level=required.min_level)
    else:
        message = _l("Needs %(skill)s at level %(level)d; yours is %(yours)d.",
                     skill=required.skill.name, level=required.min_level, yours=level)
    return Reason("skill", message)


# --------------------------------------------------------------------------- queries


def confirmed_count(role: ShiftRole) -> int:
    """Confirmed sign-ups of `role`, counted in the database."""
    return db.session.scalar(
        select(func.count())
        .select_from(SignUp)
        .where(SignUp.shift_role_id == role.id, SignUp.status == SignUpStatus.CONFIRMED)
    )


def waitlist_of(role: ShiftRole) -> list[SignUp]:
    """Waitlisted sign-ups of `role`, first come first.""" 
    return list(
        db.session.scalars(
            select(SignUp)
            .where(SignUp.shift_role_id == role.id, SignUp.status == SignUpStatus.WAITLISTED)
            .order_by(SignUp.created_at, SignUp.id)
        )
    )


def waitlist_position(sign_up: SignUp) -> Optional[int]:
    """1 for the first on the waitlist; None when `sign_up` is not waitlisted."""
    if sign_up.status != SignUpStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(SignUp)
        .where(
            SignUp.shift_role_id == sign_up.shift_role_id,
            SignUp.status == SignUpStatus.WAITLISTED,
            (SignUp.created_at < sign_up.created_at)
            | ((SignUp.created_at == sign_up.created_at) & (SignUp.id < sign_up.id)),
        )
    )
    return ahead + 1


def eligibility(
    volunteer: VolunteerProfile, role: ShiftRole, *, now: Optional[datetime] = None
) -> list[Reason]:
    """Every reason `volunteer` cannot take `role` (empty: they may sign up or queue)."""
    shift = role.shift
    now = now or shift.community.local_now()
    state = VolunteerState.load(volunteer, shift.starts_at.date(), shift.ends_at.date())
    return state.reasons(role, now=now)


# --------------------------------------------------------------------------- locking


def lock_role(role: ShiftRole) -> ShiftRole:
    """Lock the shift-role row until the transaction ends (PostgreSQL ``FOR UPDATE``).

    On SQLite the whole write transaction is serialised by ``BEGIN IMMEDIATE`` instead
    (see `in_write_transaction`). Anything that confirms people into a role (a publish
    too) should hold this lock while it counts.
    """
    return db.session.execute(
        select(ShiftRole).where(ShiftRole.id == role.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _lock_volunteer(volunteer: VolunteerProfile) -> None:
    db.session.execute(
        select(VolunteerProfile.id).where(VolunteerProfile.id == volunteer.id).with_for_update()
    )


def _record_change(shift: Shift) -> None:
    changes = db.session.info.setdefault(_CHANGES_KEY, {})
    changes.setdefault(shift.community_id, set()).add(shift.id)


def send_recorded_changes() -> None:
    """Send `schedule_changed` for the shifts the committed work changed, per community.

    `in_write_transaction` calls it after its commit; call it yourself after committing
    when you use the verbs directly (a CLI command, a test).
    """
    changes = db.session.info.pop(_CHANGES_KEY, {})
    for community_id, shift_ids in changes.items():
        schedule_changed.send(community_id, shift_ids=sorted(shift_ids))


def _is_retryable(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        return True  # the unique index caught a race; the retry finds the winner's row
    code = getattr(error.orig, "sqlstate", None)
    if code in {"40001", "40P01", "55P03"}:  # serialization failure, deadlock, lock timeout
        return True
    return isinstance(error, OperationalError) and "locked" in str(error.orig).lower()


def in_write_transaction(work: Callable[[], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
    """Run `work` in a fresh serialised transaction, commit, then announce the changes.

    Any open transaction (the read one of loading the page's user) is ended first; it must
    hold no pending changes. A lost race (lock timeout, deadlock, unique violation) rolls
    back and runs `work` again; any other exception rolls back and propagates.
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("in_write_transaction needs a session without pending changes")
    for attempt in range(1, attempts + 1):
        session.commit()
        session.info.pop(_CHANGES_KEY, None)
        session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
        try:
            result = work()
            session.commit()
        except DBAPIError as error:
            session.rollback()
            session.info.pop(_CHANGES_KEY, None)
            if attempt == attempts or not _is_retryable(error):
                raise
            log.info("write transaction lost a race (%s), attempt %d", type(error).__name__, attempt)
            clock.sleep(0.01 * attempt)
            continue
        except BaseException:
            session.rollback()
            session.info.pop(_CHANGES_KEY, None)
            raise
        send_recorded_changes()
        return result
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- verbs


def sign_up(volunteer: VolunteerProfile, role: ShiftRole, *, now: Optional[datetime] = None) -> SignUpOutcome:
    """Sign `volunteer` up for `role`: confirmed if a place is free, else waitlisted.

    Idempotent: when the volunteer already holds an open sign-up for this role, it is
    returned with ``created=False`` (a double click). Raises `SignUpRefused` with every
    reason when the volunteer may not take the role. Locks as described in the module
    docstring; flushes; run it through `in_write_transaction`.
    """
    _lock_volunteer(volunteer)
    role = lock_role(role)
    shift = role.shift
    existing = db.session.scalar(
        select(SignUp).where(
            SignUp.volunteer_id == volunteer.id,
            SignUp.shift_id == shift.id,
            SignUp.status.in_(OPEN_STATUSES),
        )
    )
    if existing is not None and existing.shift_role_id == role.id:
        return SignUpOutcome(existing, created=False)
    now = now or shift.community.local_now()
    reasons = eligibility(volunteer, role, now=now)
    if reasons:
        raise SignUpRefused(reasons)
    full = confirmed_count(role) >= role.capacity
    status = SignUpStatus.WAITLISTED if full else SignUpStatus.CONFIRMED
    record = SignUp(shift_role=role, volunteer=volunteer, status=status, source=SignUpSource.SELF)
    db.session.add(record)
    db.session.flush()
    if status == SignUpStatus.CONFIRMED:
        _record_change(shift)
    log.info("volunteer %s %s for role %s of shift %s", volunteer.id, status.value, role.id, shift.id)
    return SignUpOutcome(record, created=True)


def withdraw_deadline(sign_up: SignUp) -> datetime:
    """The last local time at which a confirmed sign-up may be withdrawn online."""
    shift = sign_up.shift
    community = shift.community
    start = _absolute(shift.starts_at, community)
    deadline = start - timedelta(hours=community.withdraw_cutoff_hours)
    return deadline.astimezone(community.zone).replace(tzinfo=None)


def can_withdraw(sign_up: SignUp, *, now: Optional[datetime] = None) -> bool:
    """True when the volunteer may still withdraw `sign_up` themselves."""
    community = sign_up.shift.community
    now = now or community.local_now()
    if sign_up.status not in OPEN_STATUSES or sign_up.shift.starts_at <= now:
        return False
    if sign_up.status == SignUpStatus.WAITLISTED:
        return True
    return _absolute(now, community) <= _absolute(withdraw_deadline(sign_up), community)


def whom_to_contact(community: Community) -> str:
    """Who to call about a shift: the community's contact, else its coordinators."""
    if community.contact:
        return community.contact
    coordinators = db.session.scalars(
        select(User).where(User.community_id == community.id, User.role == Role.COORDINATOR, User.is_active)
        .order_by(User.id)
    ).all()
    return "、".join(f"{user.display_name} {user.mobile}" for user in coordinators)


def withdraw(sign_up: SignUp, *, now: Optional[datetime] = None) -> list[SignUp]:
    """Withdraw `sign_up`; returns the waitlisted sign-ups promoted into the freed place.

    A waitlisted sign-up may leave until the shift starts; a confirmed one until the
    community's cutoff before it, after which `WithdrawRefused` names whom to contact.
    Withdrawing twice is harmless (nothing happens the second time).
    """
    role = lock_role(sign_up.shift_role)
    db.session.refresh(sign_up)
    shift = role.shift
    community = shift.community
    now = now or community.local_now()
    if sign_up.status not in OPEN_STATUSES:
        return []
    if not can_withdraw(sign_up, now=now):
        raise WithdrawRefused(
            _l("It is too late to withdraw online: the cutoff is %(hours)d hours before the start.",
               hours=community.withdraw_cutoff_hours),
            whom_to_contact(community),
        )
    was_confirmed = sign_up.status == SignUpStatus.CONFIRMED
    sign_up.status = SignUpStatus.WITHDRAWN
    sign_up.withdrawn_at = datetime.now(UTC)
    db.session.flush()
    log.info("volunteer %s withdrew from role %s of shift %s", sign_up.volunteer_id, role.id, shift.id)
    if not was_confirmed:
        return []
    _record_change(shift)
    return promote_waitlist(role, now=now)


def promote_waitlist(role: ShiftRole, *, now: Optional[datetime] = None) -> list[SignUp]:
    """Confirm waitlisted people into the free places of `role`, first come first served.

    Anyone who no longer qualifies or is no longer free (another confirmed shift, a new
    leave, a limit) is skipped and stays on the waitlist. Returns the promoted sign-ups.
    Call it whenever a place may have freed (a withdrawal, a raised ``max``).
    """
    role = lock_role(role)
    shift = role.shift
    now = now or shift.community.local_now()
    if shift.status != ShiftStatus.ACTIVE or shift.starts_at <= now:
        return []
    free = role.capacity - confirmed_count(role)
    promoted: list[SignUp] = []
    for candidate in waitlist_of(role):
        if free <= 0:
            break
        _lock_volunteer(candidate.volunteer)
        state = VolunteerState.load(
            candidate.volunteer, shift.starts_at.date(), shift.ends_at.date(), ignore_sign_up_id=candidate.id
        )
        reasons = state.reasons(role, now=now)
        if reasons:
            log.info("waitlisted sign-up %s skipped: %s", candidate.id, ", ".join(r.code for r in reasons))
            continue
        candidate.status = SignUpStatus.CONFIRMED
        promoted.append(candidate)
        free -= 1
    if promoted:
        db.session.flush()
        _record_change(shift)
        log.info("promoted %d from the waitlist of role %s", len(promoted), role.id)
    return promoted


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class RoleOffer:
    """One role of an upcoming shift as the volunteer sees it."""

    role: ShiftRole
    confirmed: int
    waitlisted: int
    my_sign_up: Optional[SignUp]
    reasons: list[Reason]

    @property
    def shift(self) -> Shift:
        """The role's shift."""
        return self.role.shift

    @property
    def capacity(self) -> int:
        """The role's hard cap on people."""
        return self.role.capacity

    @property
    def is_full(self) -> bool:
        """True when a new sign-up would join the waitlist."""
        return self.confirmed >= self.role.capacity

    @property
    def open_places(self) -> int:
        """Places left before the waitlist starts."""
        return max(0, self.role.capacity - self.confirmed)

    @property
    def can_sign_up(self) -> bool:
        """True when the volunteer may sign up (or join the waitlist)."""
        return not self.reasons and self.my_sign_up is None


def upcoming_shifts(community: Community, start: datetime, end: datetime):
    """A ``select`` of the active shifts of `community` starting in [start, end), by start."""
    return (
        select(Shift)
        .where(
            Shift.community_id == community.id,
            Shift.status == ShiftStatus.ACTIVE,
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
        .order_by(Shift.starts_at, Shift.id)
        .options(
            selectinload(Shift.roles).selectinload(ShiftRole.skills).selectinload(ShiftRoleSkill.skill),
            selectinload(Shift.roles).selectinload(ShiftRole.teams),
            selectinload(Shift.venue),
            selectinload(Shift.grid),
            selectinload(Shift.activity),
            selectinload(Shift.community),
        )
    )


def role_offers(
    volunteer: VolunteerProfile,
    shifts: Iterable[Shift],
    *,
    now: Optional[datetime] = None,
    include_ineligible: bool = False,
) -> list[RoleOffer]:
    """The roles of `shifts` with counts, the volunteer's own sign-up and the reasons.

    Without `include_ineligible`, only roles the volunteer may sign up for, or already
    holds, are returned.
    """
    shifts = list(shifts)
    if not shifts:
        return []
    community = volunteer.community
    now = now or community.local_now()
    first = min(shift.starts_at for shift in shifts).date()
    last = max(shift.ends_at for shift in shifts).date()
    state = VolunteerState.load(volunteer, first, last)
    role_ids = [role.id for shift in shifts for role in shift.roles]
    counts = _counts_by_role(role_ids)
    mine = {
        row.shift_role_id: row
        for row in db.session.scalars(
            select(SignUp).where(
                SignUp.volunteer_id == volunteer.id,
                SignUp.shift_role_id.in_(role_ids),
                SignUp.status.in_(OPEN_STATUSES),
            )
        )
    }
    offers = []
    for shift in shifts:
        for role in shift.roles:
            my_sign_up = mine.get(role.id)
            reasons = [] if my_sign_up is not None else state.reasons(role, now=now)
            if not include_ineligible and reasons:
                continue
            confirmed, waitlisted = counts.get(role.id, (0, 0))
            offers.append(RoleOffer(role, confirmed, waitlisted, my_sign_up, reasons))
    return offers


def open_offers(
    volunteer: VolunteerProfile,
    *,
    weeks: int = DEFAULT_BROWSE_WEEKS,
    now: Optional[datetime] = None,
    include_ineligible: bool = False,
) -> list[RoleOffer]:
    """Role offers of the community's shifts starting from now to `weeks` weeks ahead."""
    community = volunteer.community
    now = now or community.local_now()
    shifts = db.session.scalars(upcoming_shifts(community, now, now + timedelta(weeks=weeks))).all()
    return role_offers(volunteer, shifts, now=now, include_ineligible=include_ineligible)


def _counts_by_role(role_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not role_ids:
        return {}
    rows = db.session.execute(
        select(SignUp.shift_role_id, SignUp.status, func.count())
        .where(SignUp.shift_role_id.in_(role_ids), SignUp.status.in_(OPEN_STATUSES))
        .group_by(SignUp.shift_role_id, SignUp.status)
    ).all()
    counts: dict[int, list[int]] = {}
    for role_id, status, count in rows:
        entry = counts.setdefault(role_id, [0, 0])
        entry[0 if status == SignUpStatus.CONFIRMED else 1] += count
    return {role_id: (confirmed, waitlisted) for role_id, (confirmed, waitlisted) in counts.items()}


def shifts_during_leave(volunteer: VolunteerProfile, first: date, last: date) -> list[Shift]:
    """Active shifts the volunteer holds a place or queues for, starting `first`..`last`."""
    return list(
        db.session.scalars(
            select(Shift)
            .join(SignUp, SignUp.shift_id == Shift.id)
            .where(
                SignUp.volunteer_id == volunteer.id,
                SignUp.status.in_(OPEN_STATUSES),
                Shift.status == ShiftStatus.ACTIVE,
                Shift.starts_at >= datetime.combine(first, datetime.min.time()),
                Shift.starts_at < datetime.combine(last + timedelta(days=1), datetime.min.time()),
            )
            .order_by(Shift.starts_at)
        )
    )


@dataclass(frozen=True)
class ScheduleEntry:
    """A sign-up on "my schedule", with what the page needs to show about it."""

    sign_up: SignUp
    position: Optional[int]
    can_withdraw: bool
    deadline: datetime

    @property
    def shift(self) -> Shift:
        """The sign-up's shift."""
        return self.sign_up.shift


@dataclass(frozen=True)
class MySchedule:
    """Upcoming confirmed shifts, waitlisted ones with their position, and past ones."""

    upcoming: list[ScheduleEntry]
    waitlisted: list[ScheduleEntry]
    past: list[ScheduleEntry]


def my_schedule(volunteer: VolunteerProfile, *, now: Optional[datetime] = None, past_limit: int = 20) -> MySchedule:
    """The volunteer's schedule: what is coming, what they queue for, what they did."""
    community = volunteer.community
    now = now or community.local_now()
    rows = db.session.scalars(
        select(SignUp)
        .join(SignUp.shift)
        .where(SignUp.volunteer_id == volunteer.id, SignUp.status.in_(OPEN_STATUSES))
        .order_by(Shift.starts_at, Shift.id)
        .options(
            selectinload(SignUp.shift).selectinload(Shift.venue),
            selectinload(SignUp.shift).selectinload(Shift.community),
            selectinload(SignUp.shift_role),
        )
    ).all()
    upcoming, waitlisted, past = [], [], []
    for row in rows:
        shift = row.shift
        entry = ScheduleEntry(
            sign_up=row,
            position=waitlist_position(row),
            can_withdraw=can_withdraw(row, now=now),
            deadline=withdraw_deadline(row),
        )
        if shift.ends_at <= now:
            if row.status == SignUpStatus.CONFIRMED and shift.status == ShiftStatus.ACTIVE:
                past.append(entry)
        elif row.status == SignUpStatus.WAITLISTED:
            waitlisted.append(entry)
        else:
            upcoming.append(entry)
    past.reverse()
    return MySchedule(upcoming=upcoming, waitlisted=waitlisted, past=past[:past_limit])
