"""Views of weekly planning. Each calls a verb of `scheduler.planning`, commits, then
notifies `schedule_changed` where people or shifts changed; reads go through
`scheduler.review`."""

from __future__ import annotations

import json

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from scheduler import jobs, planning
from scheduler.export import database_id, export_week, latest_version
from scheduler.extensions import db
from scheduler.models import Community, Shift, ShiftRole, ShiftStatus, VolunteerProfile
from scheduler.planning_models import PlanVersion, ScheduleRun
from scheduler.review import role_review, week_review
from scheduler.signup import in_write_transaction
from scheduler.weeks import WeekError, generate_week, parse_week, resolve_week, shift_week, week_dates
from web.auth.decorators import coordinator_required
from web.planning import bp
from web.planning.forms import ActionForm, AssignForm, GridForm, PublishForm, RunForm, VolunteerActionForm
from web.planning.reasons import speaker
from web.planning.rules import rule_label

#: Weeks listed on the planning start page, from the current one.
WEEKS_AHEAD = 4


def _week(week: str) -> str:
    """The week key of the URL (404 when it is not one); remembered for `url_for`."""
    try:
        g.week = parse_week(week)
    except WeekError:
        abort(404)
    return g.week


def _own(model, row_id: int, community: Community):
    row = db.session.get(model, row_id)
    if row is None or row.community_id != community.id:
        abort(404)
    return row


def _flash_warnings(warnings: list[planning.RuleWarning], community: Community, week: str) -> None:
    if not warnings:
        return
    say = speaker(community, week)
    for warning in warnings:
        flash(_("This breaks a rule (%(rule)s): %(text)s", rule=rule_label(warning.rule), text=say(warning.text)),
              "warning")


@bp.get("/")
@coordinator_required
def home():
    """The coordinator's own community's planning."""
    return redirect(url_for("planning.index", community=current_user.community.slug))


@bp.get("/<community>/")
@coordinator_required
def index(community: Community):
    """The coming weeks and the weeks that have been published."""
    current = resolve_week(community, "current")
    weeks = [shift_week(current, n) for n in range(WEEKS_AHEAD)]
    published = db.session.scalars(
        select(PlanVersion.week).where(PlanVersion.community_id == community.id).distinct()).all()
    weeks = sorted(set(weeks) | set(published))
    counts = dict(db.session.execute(
        select(Shift.week, func.count()).where(Shift.community_id == community.id, Shift.week.in_(weeks),
                                               Shift.status == ShiftStatus.ACTIVE).group_by(Shift.week)).all())
    versions = {week: latest_version(community, week) for week in weeks}
    return render_template("planning/index.html", community=community, weeks=weeks, counts=counts,
                           versions=versions, current=current)


@bp.get("/<community>/<week>")
@coordinator_required
def week_page(community: Community, week: str):
    """The week: actions, the live run, the review of the draft, versions."""
    week = _week(week)
    grid_form = GridForm(request.args)
    axis = grid_form.by.data if grid_form.validate() else "activity"
    run = planning.latest_run(community, week)
    if run is not None and run.is_active:
        planning.expire_stale_run(run)
        db.session.commit()
    review = week_review(community, week, axis=axis)
    run_form = RunForm(time_limit=int(planning.default_time_limit()))
    return render_template(
        "planning/week.html", community=community, week=week, review=review, run=run,
        run_form=run_form, publish_form=PublishForm(), action_form=ActionForm(), grid_form=grid_form,
        versions=planning.versions(community, week), previous_week=shift_week(week, -1),
        next_week=shift_week(week, 1), shift_count=sum(len(c) for row in review.rows for c in row.days),
        say=speaker(community, week),
    )


@bp.post("/<community>/<week>/generate")
@coordinator_required
def generate(community: Community, week: str):
    """Create the week's shifts from the activities (idempotent)."""
    week = _week(week)
    if not ActionForm().validate_on_submit():
        abort(400)
    result = in_write_transaction(lambda: generate_week(community, week))
    planning.notify(community, result.changed_shift_ids)
    flash(_("%(active)d shifts this week: %(created)d new, %(cancelled)d cancelled for cancelled dates.",
            active=result.active, created=len(result.created), cancelled=len(result.cancelled)), "success")
    return redirect(url_for("planning.week_page"))


@bp.post("/<community>/<week>/runs")
@coordinator_required
def start_run(community: Community, week: str):
    """Queue auto-scheduling (or a re-plan) and show its progress."""
    week = _week(week)
    form = RunForm()
    if not form.validate_on_submit():
        for error in form.time_limit.errors:
            flash(error, "error")
        return redirect(url_for("planning.week_page"))
    start = planning.start_replan if form.kind.data == "replan" else planning.start_run
    user = current_user._get_current_object()
    try:
        run = in_write_transaction(lambda: start(community, week, user=user, time_limit=form.time_limit.data))
    except planning.PlanningError as error:
        flash(str(error), "error")
        return redirect(url_for("planning.week_page"))
    jobs.submit(run)
    return redirect(url_for("planning.run_page", run_id=run.id))


@bp.get("/<community>/<week>/runs/<int:run_id>")
@coordinator_required
def run_page(community: Community, week: str, run_id: int):
    """A run: its live progress, then its outcome (conflicts if it failed)."""
    week = _week(week)
    run = _own(ScheduleRun, run_id, community)
    if run.week != week:
        abort(404)
    if run.is_active and planning.expire_stale_run(run):
        db.session.commit()
    return render_template(
        "planning/run.html", community=community, week=week, run=run, action_form=ActionForm(),
        conflicts=json.loads(run.conflicts_json or "[]"), unfilled=_unfilled(run), notes=_notes(run),
        say=speaker(community, week),
    )


def _unfilled(run: ScheduleRun) -> list[dict]:
    """The run's unfilled roles with their shifts (the run stored document ids)."""
    items = json.loads(run.unfilled_json or "[]")
    ids = {database_id(item["shift"]) for item in items}
    shifts = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(ids)))} if ids else {}
    return [{**item, "shift": shifts.get(database_id(item["shift"]))} for item in items]


def _notes(run: ScheduleRun) -> list[dict]:
    notes = json.loads(run.notes_json or "[]")
    if not notes:
        return []
    profiles = {p.id: p for p in db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.id.in_({n["volunteer_id"] for n in notes})))}
    shifts = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_({n["shift_id"] for n in notes})))}
    return [{"volunteer": profiles.get(n["volunteer_id"]), "shift": shifts.get(n["shift_id"]), "reason": n["reason"]}
            for n in notes]


@bp.get("/<community>/<week>/runs/<int:run_id>/progress")
@coordinator_required
def run_progress(community: Community, week: str, run_id: int):
    """The run's progress as JSON, polled by the progress bar."""
    week = _week(week)
    run = _own(ScheduleRun, run_id, community)
    db.session.commit()  # end this read: the values below are loaded fresh, as the writer left them
    return {
        "status": run.status.value, "active": run.is_active, "kind": run.kind.value,
        "solver_status": run.solver_status, "best_objective": run.best_objective, "bound": run.bound,
        "unfilled_places": run.unfilled_places, "seconds": run.seconds, "elapsed": planning.elapsed(run),
        "time_limit": run.time_limit, "url": url_for("planning.run_page", run_id=run.id),
    }


@bp.post("/<community>/<week>/runs/<int:run_id>/cancel")
@coordinator_required
def cancel_run(community: Community, week: str, run_id: int):
    """Give up a run that no worker has started."""
    _week(week)
    run = _own(ScheduleRun, run_id, community)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        in_write_transaction(lambda: planning.cancel_run(run))
    except planning.PlanningError as error:
        flash(str(error), "error")
    return redirect(url_for("planning.run_page", run_id=run.id))


@bp.get("/<community>/<week>/problem.json")
@coordinator_required
def download_problem(community: Community, week: str):
    """The week as a schedule document, as the engine would get it now (pins included)."""
    week = _week(week)
    document = export_week(community, week).document
    return _json_download(document, f"{community.slug}-{week}.json")


@bp.get("/<community>/<week>/runs/<int:run_id>/problem.json")
@coordinator_required
def download_run_problem(community: Community, week: str, run_id: int):
    """The document a run solved."""
    week = _week(week)
    run = _own(ScheduleRun, run_id, community)
    if not run.problem_json:
        abort(404)
    return _json_download(json.loads(run.problem_json), f"{community.slug}-{week}-run{run.id}.json")


def _json_download(document: dict, filename: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<community>/<week>/roles/<int:role_id>")
@coordinator_required
def role_page(community: Community, week: str, role_id: int):
    """One role: its people, why it is short, and who could take it."""
    week = _week(week)
    role = _role(community, week, role_id)
    review = role_review(community, week, role)
    busy = planning.active_run(community, week) is not None
    return render_template("planning/role.html", community=community, week=week, review=review,
                           shift=role.shift, busy=busy, assign_form=AssignForm(),
                           action_form=VolunteerActionForm(), rule_label=rule_label, say=speaker(community, week))


def _role(community: Community, week: str, role_id: int) -> ShiftRole:
    role = db.session.get(ShiftRole, role_id)
    if role is None or role.shift.community_id != community.id or role.shift.week != week:
        abort(404)
    return role


def _volunteer(community: Community, volunteer_id: int) -> VolunteerProfile:
    volunteer = db.session.get(VolunteerProfile, volunteer_id)
    if volunteer is None or volunteer.user.community_id != community.id:
        abort(404)
    return volunteer


@bp.post("/<community>/<week>/roles/<int:role_id>/assign")
@coordinator_required
def assign(community: Community, week: str, role_id: int):
    """Put a volunteer in the role (a warning names any rule this breaks)."""
    week = _week(week)
    role = _role(community, week, role_id)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    volunteer = _volunteer(community, form.volunteer_id.data)
    try:
        warnings = in_write_transaction(
            lambda: planning.assign(community, week, role, volunteer, pinned=form.pinned.data))
    except planning.PlanningError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s is now in %(role)s.", name=volunteer.name, role=role.name), "success")
        _flash_warnings(warnings, community, week)
    return redirect(url_for("planning.role_page", role_id=role.id))


@bp.post("/<community>/<week>/shifts/<int:shift_id>/<any(unassign, pin, unpin, restore):action>")
@coordinator_required
def edit_shift(community: Community, week: str, shift_id: int, action: str):
    """Take a volunteer out of the shift, pin or unpin them, or let re-solves use them again."""
    week = _week(week)
    shift = _own(Shift, shift_id, community)
    form = VolunteerActionForm()
    if not form.validate_on_submit():
        abort(400)
    volunteer = _volunteer(community, form.volunteer_id.data)
    verbs = {
        "unassign": lambda: planning.unassign(community, week, shift, volunteer),
        "restore": lambda: planning.restore(community, week, shift, volunteer),
        "pin": lambda: planning.set_pin(community, week, shift, volunteer, True),
        "unpin": lambda: planning.set_pin(community, week, shift, volunteer, False),
    }
    try:
        _flash_warnings(in_write_transaction(verbs[action]) or [], community, week)
    except planning.PlanningError as error:
        flash(str(error), "error")
    else:
        flash(_("Saved: %(name)s.", name=volunteer.name), "success")
    back = request.form.get("role_id", type=int)
    if back:
        return redirect(url_for("planning.role_page", role_id=back))
    return redirect(url_for("planning.week_page"))


@bp.post("/<community>/<week>/publish")
@coordinator_required
def publish(community: Community, week: str):
    """Publish the draft as the next version; calendars follow."""
    week = _week(week)
    form = PublishForm()
    if not form.validate_on_submit():
        for error in form.note.errors:
            flash(error, "error")
        return redirect(url_for("planning.week_page"))
    user = current_user._get_current_object()
    try:
        result = in_write_transaction(
            lambda: planning.publish(community, week, user=user, note=form.note.data or ""))
    except planning.PlanningError as error:
        flash(str(error), "error")
        return redirect(url_for("planning.week_page"))
    planning.notify(community, result.changed_shift_ids)
    flash(_("Version %(number)d published: %(changes)d changes.", number=result.version.number,
            changes=len(result.changes)), "success")
    return redirect(url_for("planning.version_page", number=result.version.number))


@bp.get("/<community>/<week>/versions/<int:number>")
@coordinator_required
def version_page(community: Community, week: str, number: int):
    """A published version: who does what, and what it changed."""
    week = _week(week)
    version = planning.version_by_number(community, week, number) or abort(404)
    assignments = sorted(version.assignments, key=lambda a: (a.shift.starts_at, a.shift_id, a.role_name))
    changes = [planning.Change(c.volunteer_id, c.kind, c.shift_id, c.role_name, c.from_shift_id, c.from_role_name)
               for c in version.changes]
    shifts = {c.shift_id: c.shift for c in version.changes}
    shifts.update({c.from_shift_id: c.from_shift for c in version.changes if c.from_shift_id})
    names = {c.volunteer_id: c.volunteer.name for c in version.changes}
    return render_template("planning/version.html", community=community, week=week, version=version,
                           assignments=assignments, changes=changes, shifts=shifts, names=names)


@bp.app_template_filter("hours")
def hours_filter(minutes) -> str:
    """``90`` minutes as ``1.5``."""
    return f"{(minutes or 0) / 60:.1f}".rstrip("0").rstrip(".")


@bp.app_template_global("planning_elapsed")
def planning_elapsed(run: ScheduleRun) -> float:
    """Seconds a run has been running (see `scheduler.planning.elapsed`)."""
    return planning.elapsed(run)


@bp.app_template_global("week_label")
def week_label(week: str) -> str:
    """``2026-W50 (12-07 – 12-13)``."""
    days = week_dates(week)
    return f"{week} ({days[0]:%m-%d} – {days[-1]:%m-%d})"

