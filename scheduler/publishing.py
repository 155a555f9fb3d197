"""Publishing a week: the draft becomes the next immutable, numbered `PlanVersion`.

`publish` records the `PlanChange`s against the previous version (added, removed, moved,
per volunteer; `diff_plans`) and makes the `SignUp` table match the plan
(PLANNING_CONTRACT.md): planned people hold a confirmed sign-up, a confirmed sign-up the
plan leaves out becomes ``removed``, and the waitlists of the week's roles are promoted into
places left free (`scheduler.signup.promote_waitlist`). It refuses while a run may rewrite
the draft, when nothing changed, when a confirmed sign-up or pin made after the draft is
missing from it, and when the draft puts more people in a role than its ``max``.

Concurrency: publish holds the week's shift-role rows with the lock the sign-up service
takes (`scheduler.signup.lock_role`: ``FOR UPDATE`` on PostgreSQL; on SQLite the ``BEGIN
IMMEDIATE`` of `scheduler.signup.in_write_transaction` serialises writers) before it reads
any sign-up, so a concurrent sign-up either commits first (and publish sees it) or counts
the places after publish committed (and joins the waitlist of a full role). The caller runs
it through `in_write_transaction`, which commits, then calls `scheduler.planning.notify`
with the changed shifts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scheduler.export import database_id, draft_assignments, export_week, latest_version
from scheduler.extensions import db
from scheduler.models import Community, Shift, ShiftRole, ShiftStatus, SignUp, SignUpSource, SignUpStatus, User
from scheduler.planning_state import PlanningError, editable_week, latest_run
from scheduler.planning_models import ChangeKind, DraftAssignment, PlanAssignment, PlanChange, PlanVersion
from scheduler.signup import promote_waitlist

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One volunteer's change between two plans (see `PlanChange`)."""

    volunteer_id: int
    kind: ChangeKind
    shift_id: int
    role: str
    from_shift_id: Optional[int] = None
    from_role: Optional[str] = None


Plan = dict[tuple[int, int], str]  # (volunteer id, shift id) -> role name


def plan_of_version(version: Optional[PlanVersion]) -> Plan:
    """A published version as (volunteer, shift) -> role."""
    if version is None:
        return {}
    return {(a.volunteer_id, a.shift_id): a.role_name for a in version.assignments}


def plan_of_draft(rows: Iterable[DraftAssignment]) -> Plan:
    """Draft rows as (volunteer, shift) -> role."""
    return {(row.volunteer_id, row.shift_id): row.shift_role.name for row in rows}


def diff_plans(old: Plan, new: Plan, shifts: dict[int, Shift]) -> list[Change]:
    """What changed for each volunteer from `old` to `new`.

    A role change within a shift is ``moved``; so is leaving a shift for another shift of
    the same activity (paired by nearest start). `shifts` must hold every shift named.
    """
    changes: list[Change] = []
    before: dict[int, dict[int, str]] = defaultdict(dict)
    after: dict[int, dict[int, str]] = defaultdict(dict)
    for (volunteer, shift), role in old.items():
        before[volunteer][shift] = role
    for (volunteer, shift), role in new.items():
        after[volunteer][shift] = role
    for volunteer in sorted(before.keys() | after.keys()):
        had, has = before.get(volunteer, {}), after.get(volunteer, {})
        for s in sorted(had.keys() & has.keys()):
            if had[s] != has[s]:
                changes.append(Change(volunteer, ChangeKind.MOVED, s, has[s], s, had[s]))
        removed = sorted(had.keys() - has.keys(), key=lambda s: shifts[s].starts_at)
        added = sorted(has.keys() - had.keys(), key=lambda s: shifts[s].starts_at)
        for s in list(added):
            same = [r for r in removed if shifts[r].activity_id == shifts[s].activity_id]
            if same:
                source = min(same, key=lambda r: abs(shifts[r].starts_at - shifts[s].starts_at))
                removed.remove(source)
                added.remove(s)
                changes.append(Change(volunteer, ChangeKind.MOVED, s, has[s], source, had[source]))
        changes += [Change(volunteer, ChangeKind.ADDED, s, has[s]) for s in added]
        changes += [Change(volunteer, ChangeKind.REMOVED, s, had[s]) for s in removed]
    return changes


@dataclass
class PublishResult:
    """The new version, its changes and every shift whose people changed."""

    version: PlanVersion
    changes: list[Change] = field(default_factory=list)
    changed_shift_ids: list[int] = field(default_factory=list)


def publish(
    community: Community, week: str, *, user: Optional[User] = None, note: str = "", now: Optional[datetime] = None
) -> PublishResult:
    """Publish the week's draft as the next version; raises `PlanningError` when there is
    nothing new to publish, a run is going on or the draft overbooks a role. `now` (local
    time, default the community's clock) decides which shifts may still promote their
    waitlist."""
    week = editable_week(community, week)
    _lock_roles(community, week)
    rows = [row for row in draft_assignments(community, week) if row.shift.status == ShiftStatus.ACTIVE]
    overbooked = _overbooked_roles(rows)
    if overbooked:
        role, count = overbooked[0]
        raise PlanningError(_l(
            "The draft puts %(count)d people in %(role)s of %(shift)s, which takes at most %(max)d: "
            "take someone out before publishing.",
            count=count, role=role.name, shift=f"{role.shift.title} {role.shift.starts_at:%Y-%m-%d %H:%M}",
            max=role.capacity))
    previous = latest_version(community, week)
    old, new = plan_of_version(previous), plan_of_draft(rows)
    missing = _commitments_left_out(community, week, new)
    if missing:
        raise PlanningError(_l(
            "%(count)d confirmed sign-ups or pins are not in the draft (someone signed up after it was made): "
            "schedule again, or assign or take them out, before publishing.", count=len(missing)))
    if previous is None and not new:
        raise PlanningError(_l("The draft is empty: run the auto-scheduling or assign people first."))
    if previous is not None and old == new:
        raise PlanningError(_l("The draft is the same as the published plan."))
    shift_ids = {s for _, s in old} | {s for _, s in new}
    shifts = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(shift_ids)))}
    changes = diff_plans(old, new, shifts)
    run = latest_run(community, week)
    version = PlanVersion(
        community=community, week=week, number=(previous.number + 1) if previous else 1,
        published_by=user, run=run if run is not None and run.has_solution else None,
        unfilled_places=_unfilled_places(community, week, new), note=note[:300],
    )
    version.assignments = [
        PlanAssignment(shift_id=row.shift_id, shift_role_id=row.shift_role_id, volunteer_id=row.volunteer_id,
                       role_name=row.shift_role.name, pinned=row.pinned)
        for row in rows
    ]
    version.changes = [
        PlanChange(volunteer_id=c.volunteer_id, kind=c.kind, shift_id=c.shift_id, role_name=c.role,
                   from_shift_id=c.from_shift_id, from_role_name=c.from_role)
        for c in changes
    ]
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError as error:
        raise PlanningError(_l("Someone else published this week at the same moment; look again.")) from error
    touched = _match_sign_ups(community, week, rows)
    touched |= _promote_waitlists(community, week, now)
    changed = sorted({c.shift_id for c in changes} | {c.from_shift_id for c in changes if c.from_shift_id}
                     | touched)
    log.info("published %s %s version %d: %d assignments, %d changes", community.slug, week,
             version.number, len(rows), len(changes))
    return PublishResult(version, changes, changed)


def _lock_roles(community: Community, week: str) -> None:
    """Hold the week's roles as `scheduler.signup.lock_role` does (``FOR UPDATE`` on
    PostgreSQL, in one statement and in id order so two publishes cannot deadlock) and
    reload them, so no sign-up counts places while publishing confirms people into them;
    SQLite serialises the whole write transaction."""
    db.session.execute(
        select(ShiftRole).join(Shift).where(Shift.community_id == community.id, Shift.week == week)
        .order_by(ShiftRole.id).with_for_update(of=ShiftRole).execution_options(populate_existing=True)
    ).all()


def _overbooked_roles(rows: list[DraftAssignment]) -> list[tuple[ShiftRole, int]]:
    """Roles to which the draft gives more people than their capacity (a coordinator's
    edit may; the engine never does), with the number given, by shift start."""
    counts: dict[int, int] = defaultdict(int)
    roles: dict[int, ShiftRole] = {}
    for row in rows:
        counts[row.shift_role_id] += 1
        roles[row.shift_role_id] = row.shift_role
    over = [(roles[i], n) for i, n in counts.items() if n > roles[i].capacity]
    return sorted(over, key=lambda item: (item[0].shift.starts_at, item[0].id))


def _promote_waitlists(community: Community, week: str, now: Optional[datetime]) -> set[int]:
    """Promote the waitlist of every active role of the week that has one into the places
    the plan leaves free; returns the shifts whose confirmed people changed."""
    roles = db.session.scalars(
        select(ShiftRole).join(Shift, ShiftRole.shift_id == Shift.id)
        .where(Shift.community_id == community.id, Shift.week == week, Shift.status == ShiftStatus.ACTIVE,
               ShiftRole.id.in_(select(SignUp.shift_role_id).where(SignUp.status == SignUpStatus.WAITLISTED)))
        .order_by(Shift.starts_at, ShiftRole.id)
    ).all()
    touched: set[int] = set()
    for role in roles:
        if promote_waitlist(role, now=now):
            touched.add(role.shift_id)
    return touched


def _commitments_left_out(community: Community, week: str, plan: Plan) -> list[tuple[int, int]]:
    """Pairs the engine must keep (``fixed``: sign-ups, pins) that `plan` lacks."""
    problem = export_week(community, week).problem
    return [(database_id(f.volunteer), database_id(f.shift)) for f in problem.fixed
            if (database_id(f.volunteer), database_id(f.shift)) not in plan]


def _unfilled_places(community: Community, week: str, plan: Plan) -> int:
    counts: dict[int, int] = {}
    role_of = {(row.shift_id, row.name): row for row in db.session.scalars(
        select(ShiftRole).join(Shift).where(Shift.community_id == community.id, Shift.week == week,
                                            Shift.status == ShiftStatus.ACTIVE))}
    for (_, shift_id), role in plan.items():
        key = role_of[(shift_id, role)].id
        counts[key] = counts.get(key, 0) + 1
    return sum(max(0, role.need - counts.get(role.id, 0)) for role in role_of.values())


def _match_sign_ups(community: Community, week: str, rows: list[DraftAssignment]) -> set[int]:
    """Make the week's confirmed sign-ups equal the published plan; returns touched shifts.

    Planned people get a confirmed sign-up (a new one from ``scheduler``, or a coordinator's
    for a pin; a waitlisted one is confirmed; a removed one comes back); confirmed sign-ups
    the plan leaves out become ``removed``. Withdrawals and waiting lists are left alone.
    """
    plan = {(row.volunteer_id, row.shift_id): row for row in rows}
    sign_ups = db.session.scalars(
        select(SignUp).join(Shift, SignUp.shift_id == Shift.id)
        .where(Shift.community_id == community.id, Shift.week == week, Shift.status == ShiftStatus.ACTIVE)
        .order_by(SignUp.id)
    )
    current: dict[tuple[int, int], SignUp] = {}  # the latest sign-up of each pair, unless withdrawn
    for sign_up in sign_ups:
        pair = (sign_up.volunteer_id, sign_up.shift_id)
        if sign_up.status == SignUpStatus.WITHDRAWN:
            current.pop(pair, None)
        else:
            current[pair] = sign_up
    touched: set[int] = set()
    for pair, row in plan.items():
        sign_up = current.get(pair)
        source = SignUpSource.COORDINATOR if row.pinned else SignUpSource.SCHEDULER
        if sign_up is None:
            db.session.add(SignUp(volunteer_id=row.volunteer_id, shift_role=row.shift_role,
                                  status=SignUpStatus.CONFIRMED, source=source))
            touched.add(row.shift_id)
            continue
        if sign_up.status != SignUpStatus.CONFIRMED:  # waitlisted, or removed earlier
            sign_up.status = SignUpStatus.CONFIRMED
            if sign_up.source != SignUpSource.SELF:
                sign_up.source = source
            touched.add(row.shift_id)
        if sign_up.shift_role_id != row.shift_role_id:
            sign_up.shift_role = row.shift_role
            touched.add(row.shift_id)
        if row.pinned and sign_up.source == SignUpSource.SCHEDULER:
            sign_up.source = SignUpSource.COORDINATOR
    for pair, sign_up in current.items():
        if pair not in plan and sign_up.status == SignUpStatus.CONFIRMED:
            sign_up.status = SignUpStatus.REMOVED
            touched.add(sign_up.shift_id)
    db.session.flush()
    return touched


def versions(community: Community, week: str) -> list[PlanVersion]:
    """The week's published versions, newest first."""
    return list(db.session.scalars(
        select(PlanVersion).where(PlanVersion.community_id == community.id, PlanVersion.week == week)
        .order_by(PlanVersion.number.desc())
    ))


def version_by_number(community: Community, week: str, number: int) -> Optional[PlanVersion]:
    """Version `number` of the week, or None."""
    return db.session.scalar(select(PlanVersion).where(
        PlanVersion.community_id == community.id, PlanVersion.week == week, PlanVersion.number == number))
