"""Editing the draft of a week by hand: assign, unassign, pin, and allow again.

Each edit is made (the coordinator decides) and returns the hard rules it breaks as
`RuleWarning`s, found by the engine's independent checker on the week as the engine would
see it. Pins are exported as ``fixed`` and removals become `DraftExclusion`s exported as
``forbidden``, so a re-solve keeps both. Edits wait while a run may rewrite the draft.
Verbs add and flush; the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from scheduler.export import (
    as_assignments,
    draft_assignments,
    export_week,
    known_to,
    shift_doc_id,
    volunteer_doc_id,
)
from scheduler.extensions import db
from scheduler.models import Community, Shift, ShiftRole, ShiftStatus, VolunteerProfile
from scheduler.planning_state import PlanningError, editable_week
from scheduler.planning_models import DraftAssignment, DraftExclusion
from solver.checker import AssignmentIndex, blocking_violations
from solver.checker_rules import CheckContext, Violation, shift_violations, volunteer_violations
from solver.domain import Assignment, Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleWarning:
    """A hard rule a manual edit breaks: the checker's rule name and its sentence."""

    rule: str
    text: str

    @classmethod
    def of(cls, violation: Violation) -> "RuleWarning":
        """From a checker violation."""
        return cls(violation.rule, str(violation))


def _draft_row(community: Community, week: str, volunteer_id: int, shift_id: int) -> Optional[DraftAssignment]:
    return db.session.scalar(select(DraftAssignment).where(
        DraftAssignment.community_id == community.id, DraftAssignment.week == week,
        DraftAssignment.volunteer_id == volunteer_id, DraftAssignment.shift_id == shift_id))


def _exclusion(community: Community, week: str, volunteer_id: int, shift_id: int) -> Optional[DraftExclusion]:
    return db.session.scalar(select(DraftExclusion).where(
        DraftExclusion.community_id == community.id, DraftExclusion.week == week,
        DraftExclusion.volunteer_id == volunteer_id, DraftExclusion.shift_id == shift_id))


def _check_target(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile) -> None:
    if shift.community_id != community.id or shift.week != week or shift.status != ShiftStatus.ACTIVE:
        raise PlanningError(_l("That shift is not an active shift of this week."))
    if volunteer.user.community_id != community.id or not volunteer.user.is_active:
        raise PlanningError(_l("That volunteer is not an active volunteer of this community."))


def draft_problem(community: Community, week: str) -> tuple[Problem, list[Assignment]]:
    """The week as the engine sees it now (pins and exclusions included) and the draft."""
    export = export_week(community, week)
    return export.problem, known_to(export.problem, as_assignments(draft_assignments(community, week)))


def assign(
    community: Community, week: str, role: ShiftRole, volunteer: VolunteerProfile, *, pinned: bool = False
) -> list[RuleWarning]:
    """Put `volunteer` in `role` (moving them from another role of the shift); returns the
    hard rules this breaks. Takes back an earlier removal of the volunteer from the shift."""
    week = editable_week(community, week)
    shift = role.shift
    _check_target(community, week, shift, volunteer)
    exclusion = _exclusion(community, week, volunteer.id, shift.id)
    if exclusion is not None:
        db.session.delete(exclusion)
        db.session.flush()
    problem, before = draft_problem(community, week)
    vid, sid = volunteer_doc_id(volunteer.id), shift_doc_id(shift.id)
    others = [a for a in before if not (a.volunteer == vid and a.shift == sid)]
    ctx = CheckContext(problem)
    violations = blocking_violations(problem, AssignmentIndex(others), vid, sid, role.name, ctx)
    row = _draft_row(community, week, volunteer.id, shift.id)
    if row is None:
        row = DraftAssignment(community_id=community.id, week=week, shift=shift, volunteer=volunteer)
        db.session.add(row)
    row.shift_role = role
    row.origin = "coordinator"
    row.pinned = pinned or row.pinned
    db.session.flush()
    log.info("draft %s %s: %s assigned to %s/%s (%d warnings)", community.slug, week, vid, sid,
             role.name, len(violations))
    return [RuleWarning.of(v) for v in violations]


def unassign(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile) -> list[RuleWarning]:
    """Take `volunteer` out of `shift` in the draft and keep them out of re-solves; returns
    the hard rules this breaks (a supervision left without supervisor, a minimum of minutes)."""
    week = editable_week(community, week)
    _check_target(community, week, shift, volunteer)
    row = _draft_row(community, week, volunteer.id, shift.id)
    if row is None:
        raise PlanningError(_l("That volunteer is not in this shift."))
    problem, before = draft_problem(community, week)
    vid, sid = volunteer_doc_id(volunteer.id), shift_doc_id(shift.id)
    after = [a for a in before if not (a.volunteer == vid and a.shift == sid)]
    violations = _new_violations(problem, before, after, vid, sid)
    db.session.delete(row)
    if _exclusion(community, week, volunteer.id, shift.id) is None:
        db.session.add(DraftExclusion(community_id=community.id, week=week, shift=shift, volunteer=volunteer))
    db.session.flush()
    log.info("draft %s %s: %s taken out of %s (%d warnings)", community.slug, week, vid, sid, len(violations))
    return [RuleWarning.of(v) for v in violations]


def set_pin(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile, pinned: bool) -> None:
    """Pin (or unpin) the volunteer's draft assignment in `shift`."""
    week = editable_week(community, week)
    _check_target(community, week, shift, volunteer)
    row = _draft_row(community, week, volunteer.id, shift.id)
    if row is None:
        raise PlanningError(_l("That volunteer is not in this shift."))
    row.pinned = pinned
    db.session.flush()


def restore(community: Community, week: str, shift: Shift, volunteer: VolunteerProfile) -> None:
    """Take back an exclusion, so re-solves may use the volunteer in the shift again."""
    week = editable_week(community, week)
    exclusion = _exclusion(community, week, volunteer.id, shift.id)
    if exclusion is not None:
        db.session.delete(exclusion)
        db.session.flush()


def _new_violations(problem: Problem, before: list[Assignment], after: list[Assignment],
                    volunteer_id: str, shift_id: str) -> list[Violation]:
    """Violations of the volunteer's and the shift's rules in `after` that `before` lacks."""
    ctx = CheckContext(problem)
    volunteer = problem.volunteer_by_id.get(volunteer_id)
    shift = problem.shift_by_id.get(shift_id)
    if volunteer is None or shift is None:
        return []

    def of(assignments: list[Assignment]) -> list[Violation]:
        index = AssignmentIndex(known_to(problem, assignments))
        mine = [a.shift for a in index.by_volunteer.get(volunteer_id, ())]
        return (volunteer_violations(ctx, volunteer, mine)
                + shift_violations(ctx, shift, index.by_shift.get(shift_id, ())))

    old = set(of(before))
    return [v for v in dict.fromkeys(of(after)) if v not in old]
