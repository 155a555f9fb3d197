"""Coordinator views of volunteers: list, search, add, edit, deactivate, import and export."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from scheduler.accounts import AccountError
from scheduler.admin import (
    AdminError,
    can_log_in,
    count_of,
    create_volunteer,
    set_volunteer_active,
    set_volunteer_password,
    update_volunteer,
    volunteer_of,
    volunteer_search,
)
from scheduler.extensions import db
from scheduler.models import Community, Skill, Team
from scheduler.roster_io import (
    MAX_FILE_BYTES,
    RosterFileError,
    RosterImportError,
    export_csv,
    export_xlsx,
    import_roster,
    read_roster,
)
from web.admin import bp
from web.admin.common import PAGE_SIZE, show_error
from web.admin.forms import (
    ConfirmForm,
    PasswordForm,
    RosterImportForm,
    volunteer_filter_form,
    volunteer_form,
)
from web.auth.decorators import coordinator_required

EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", export_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export_xlsx),
}


@bp.get("/")
@coordinator_required
def index():
    """The header's entry: the coordinator's own community."""
    return redirect(url_for("admin.dashboard", community=current_user.community.slug))


@bp.get("/<community>/")
@coordinator_required
def dashboard(community: Community):
    """The start page of the coordinator pages, with counts."""
    volunteers = count_of(volunteer_search(community))
    return render_template("admin/dashboard.html", community=community, volunteer_count=volunteers)


@bp.get("/<community>/volunteers")
@coordinator_required
def volunteers(community: Community):
    """Volunteers by name, a page at a time, searched and filtered."""
    form = volunteer_filter_form(community, request.args)
    form.validate()  # choices are the community's own: a foreign id in the URL is ignored
    query = volunteer_search(
        community,
        text=form.q.data or "",
        team=db.session.get(Team, form.team.data) if form.team.data and not form.team.errors else None,
        skill=db.session.get(Skill, form.skill.data) if form.skill.data and not form.skill.errors else None,
        status=form.status.data if not form.status.errors else "active",
    )
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "admin/volunteers.html", community=community, form=form, page=page, args=args, can_log_in=can_log_in
    )


@bp.route("/<community>/volunteers/new", methods=["GET", "POST"])
@coordinator_required
def volunteer_new(community: Community):
    """Add a volunteer by hand (someone without a phone, or who asked at the desk)."""
    form = volunteer_form(community, new=True)
    if form.validate_on_submit():
        try:
            profile = create_volunteer(community, form.data_for(community), password=form.password.data or None)
        except (AdminError, AccountError) as error:
            db.session.rollback()
            show_error(form, _as_admin_error(error))
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=profile.name), "success")
            return redirect(url_for("admin.volunteers"))
    return render_template("admin/volunteer_form.html", community=community, form=form, profile=None)


@bp.route("/<community>/volunteers/<int:volunteer_id>", methods=["GET", "POST"])
@coordinator_required
def volunteer_edit(community: Community, volunteer_id: int):
    """Edit a volunteer's profile, teams, skills, grids and limits."""
    profile = volunteer_of(community, volunteer_id) or abort(404)
    form = volunteer_form(community, profile if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_volunteer(profile, form.data_for(community))
        except AdminError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s were saved.", name=profile.name), "success")
            return redirect(url_for("admin.volunteers"))
    return render_template(
        "admin/volunteer_form.html",
        community=community,
        form=form,
        profile=profile,
        confirm=ConfirmForm(),
        password_form=PasswordForm(),
        can_log_in=can_log_in(profile),
    )


@bp.post("/<community>/volunteers/<int:volunteer_id>/active")
@coordinator_required
def volunteer_active(community: Community, volunteer_id: int):
    """Deactivate (value 0) or reactivate (value 1) a volunteer."""
    profile = volunteer_of(community, volunteer_id) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit() or form.value.data not in ("0", "1"):
        abort(400)
    active = form.value.data == "1"
    upcoming = set_volunteer_active(profile, active)
    db.session.commit()
    if active:
        flash(_("%(name)s is active again.", name=profile.name), "success")
    else:
        flash(_("%(name)s was deactivated and can no longer log in.", name=profile.name), "success")
        if upcoming:
            flash(
                _("%(name)s still has %(count)d upcoming confirmed shifts: reassign them in the week's review.",
                  name=profile.name, count=upcoming),
                "warning",
            )
    return redirect(url_for("admin.volunteer_edit", volunteer_id=profile.id))


@bp.post("/<community>/volunteers/<int:volunteer_id>/password")
@coordinator_required
def volunteer_password(community: Community, volunteer_id: int):
    """Give a volunteer a password to log in with (tell it to them in person)."""
    profile = volunteer_of(community, volunteer_id) or abort(404)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            set_volunteer_password(profile, form.password.data)
        except AdminError as error:
            db.session.rollback()
            show_error(form, error, fallback="password")
        else:
            db.session.commit()
            flash(_("The new password of %(name)s is set.", name=profile.name), "success")
            return redirect(url_for("admin.volunteer_edit", volunteer_id=profile.id))
    return render_template(
        "admin/volunteer_form.html",
        community=community,
        form=volunteer_form(community, profile),
        profile=profile,
        confirm=ConfirmForm(),
        password_form=form,
        can_log_in=can_log_in(profile),
    ), 400


@bp.get("/<community>/volunteers/export.<kind>")
@coordinator_required
def volunteers_export(community: Community, kind: str):
    """Every volunteer of the community (active and deactivated) as CSV or Excel."""
    if kind not in EXPORT_TYPES:
        abort(404)
    mimetype, export = EXPORT_TYPES[kind]
    profiles = db.session.scalars(volunteer_search(community, status="all")).all()
    filename = f"volunteers-{community.slug}-{date.today():%Y%m%d}.{kind}"
    return Response(
        export(profiles),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/<community>/volunteers/import", methods=["GET", "POST"])
@coordinator_required
def volunteers_import(community: Community):
    """Import a roster spreadsheet: every row or none, with each faulty cell reported."""
    # Refuse a huge upload before it is read (a little room for the form's other fields).
    request.max_content_length = MAX_FILE_BYTES + 64 * 1024
    row_errors, status = [], 200
    try:
        form = RosterImportForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = RosterImportForm(formdata=None)
        form.roster.errors = [_("The file is too large (at most %(size)d MB).", size=MAX_FILE_BYTES // (1024 * 1024))]
        return render_template("admin/import.html", community=community, form=form, row_errors=[]), 413
    if submitted:
        try:
            sheet = read_roster(form.roster.data.read(MAX_FILE_BYTES + 1))
            report = import_roster(community, sheet)
        except RosterFileError as error:
            db.session.rollback()
            form.roster.errors = [error.message]
            status = 400
        except RosterImportError as error:
            db.session.rollback()
            row_errors, status = error.errors, 400
        else:
            db.session.commit()
            flash(
                _("Imported %(total)d volunteers: %(created)d new, %(updated)d updated.",
                  total=report.total, created=report.created, updated=report.updated),
                "success",
            )
            return redirect(url_for("admin.volunteers", status="all"))
    return render_template("admin/import.html", community=community, form=form, row_errors=row_errors), status


def _as_admin_error(error: Exception) -> AdminError:
    if isinstance(error, AdminError):
        return error
    return AdminError(getattr(error, "field", "name"), getattr(error, "message", str(error)))
