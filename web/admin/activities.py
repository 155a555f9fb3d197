"""Coordinator views of activities: recurrence, roles and supervision rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scheduler.admin import AdminError
from scheduler.admin_activities import (
    activities_of,
    add_role,
    add_supervision_rule,
    create_activity,
    delete_role,
    delete_supervision_rule,
    set_activity_active,
    update_activity,
    update_role,
)
from scheduler.extensions import db
from scheduler.models import Activity, ActivityRole, Community, SupervisionRule
from web.admin import bp
from web.admin.activity_forms import KIND_LABELS, WEEKDAY_LABELS, activity_form, role_form, supervision_form
from web.admin.common import own_or_404, show_error
from web.admin.forms import ConfirmForm
from web.auth.decorators import coordinator_required


def _template_context(community: Community, **context) -> dict:
    return {"community": community, "kind_labels": KIND_LABELS, "weekday_labels": WEEKDAY_LABELS, **context}


@bp.get("/<community>/activities")
@coordinator_required
def activities(community: Community):
    """Every activity, active first."""
    return render_template("admin/activities.html", **_template_context(community, activities=activities_of(community)))


@bp.route("/<community>/activities/new", methods=["GET", "POST"])
@coordinator_required
def activity_new(community: Community):
    """Add an activity; its roles are added on the next page."""
    form = activity_form(community)
    if form.validate_on_submit():
        try:
            activity = create_activity(community, form.data_for(community))
        except AdminError as error:
            db.session.rollback()
            show_error(form, error, fallback="title")
        else:
            db.session.commit()
            flash(_("%(title)s was added. Now add the roles it needs.", title=activity.title), "success")
            return redirect(url_for("admin.activity", activity_id=activity.id))
    return render_template(
        "admin/activity_form.html", **_template_context(community, form=form, activity=None)
    ), 400 if request.method == "POST" else 200


@bp.get("/<community>/activities/<int:activity_id>")
@coordinator_required
def activity(community: Community, activity_id: int):
    """One activity: its recurrence, roles and supervision rules."""
    activity = own_or_404(Activity, activity_id, community)
    return render_template(
        "admin/activity.html",
        **_template_context(
            community, activity=activity, confirm=ConfirmForm(), supervision=supervision_form(community)
        ),
    )


@bp.route("/<community>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@coordinator_required
def activity_edit(community: Community, activity_id: int):
    """Change an activity's description and recurrence."""
    activity = own_or_404(Activity, activity_id, community)
    form = activity_form(community, activity if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_activity(activity, form.data_for(community))
        except AdminError as error:
            db.session.rollback()
            show_error(form, error, fallback="title")
        else:
            db.session.commit()
            flash(
                _("Changes to %(title)s were saved. Weeks generated from now on follow them.", title=activity.title),
                "success",
            )
            return redirect(url_for("admin.activity", activity_id=activity.id))
    return render_template(
        "admin/activity_form.html", **_template_context(community, form=form, activity=activity)
    ), 400 if request.method == "POST" else 200


@bp.post("/<community>/activities/<int:activity_id>/active")
@coordinator_required
def activity_active(community: Community, activity_id: int):
    """Pause (value 0) or resume (value 1) an activity."""
    activity = own_or_404(Activity, activity_id, community)
    form = ConfirmForm()
    if not form.validate_on_submit() or form.value.data not in ("0", "1"):
        abort(400)
    set_activity_active(activity, form.value.data == "1")
    db.session.commit()
    if activity.is_active:
        flash(_("%(title)s is active again.", title=activity.title), "success")
    else:
        flash(_("%(title)s is paused: no new shifts are generated.", title=activity.title), "success")
    return redirect(url_for("admin.activity", activity_id=activity.id))


@bp.route("/<community>/activities/<int:activity_id>/roles/new", methods=["GET", "POST"])
@coordinator_required
def role_new(community: Community, activity_id: int):
    """Add a role to an activity."""
    activity = own_or_404(Activity, activity_id, community)
    form = role_form(community)
    if form.validate_on_submit():
        try:
            role = add_role(activity, form.data_for(community))
        except AdminError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The role %(name)s was added.", name=role.name), "success")
            return redirect(url_for("admin.activity", activity_id=activity.id))
    return render_template(
        "admin/role_form.html", **_template_context(community, form=form, activity=activity, role=None)
    ), 400 if request.method == "POST" else 200


def _role_or_404(community: Community, activity_id: int, role_id: int) -> ActivityRole:
    activity = own_or_404(Activity, activity_id, community)
    role = db.session.get(ActivityRole, role_id)
    if role is None or role.activity_id != activity.id:
        abort(404)
    return role


@bp.route("/<community>/activities/<int:activity_id>/roles/<int:role_id>", methods=["GET", "POST"])
@coordinator_required
def role_edit(community: Community, activity_id: int, role_id: int):
    """Change a role (shifts already generated keep the role as it was)."""
    role = _role_or_404(community, activity_id, role_id)
    form = role_form(community, role if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_role(role, form.data_for(community))
        except AdminError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The role %(name)s was saved.", name=role.name), "success")
            return redirect(url_for("admin.activity", activity_id=activity_id))
    return render_template(
        "admin/role_form.html",
        **_template_context(community, form=form, activity=role.activity, role=role, confirm=ConfirmForm()),
    ), 400 if request.method == "POST" else 200


@bp.post("/<community>/activities/<int:activity_id>/roles/<int:role_id>/delete")
@coordinator_required
def role_delete(community: Community, activity_id: int, role_id: int):
    """Remove a role from an activity."""
    role = _role_or_404(community, activity_id, role_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = role.name
    delete_role(role)
    db.session.commit()
    flash(_("The role %(name)s was removed.", name=name), "success")
    return redirect(url_for("admin.activity", activity_id=activity_id))


@bp.post("/<community>/activities/<int:activity_id>/supervision")
@coordinator_required
def supervision_add(community: Community, activity_id: int):
    """Add a supervision rule (students only with an adult, say)."""
    activity = own_or_404(Activity, activity_id, community)
    form = supervision_form(community)
    if form.validate_on_submit():
        teams = {team.id: team for team in community.teams}
        try:
            add_supervision_rule(activity, teams[form.team.data], [teams[i] for i in form.by_teams.data])
        except AdminError as error:
            db.session.rollback()
            show_error(form, error, fallback="team")
        else:
            db.session.commit()
            flash(_("The supervision rule was added."), "success")
            return redirect(url_for("admin.activity", activity_id=activity.id))
    return render_template(
        "admin/activity.html",
        **_template_context(community, activity=activity, confirm=ConfirmForm(), supervision=form),
    ), 400


@bp.post("/<community>/activities/<int:activity_id>/supervision/<int:rule_id>/delete")
@coordinator_required
def supervision_delete(community: Community, activity_id: int, rule_id: int):
    """Remove a supervision rule."""
    activity = own_or_404(Activity, activity_id, community)
    rule = db.session.get(SupervisionRule, rule_id)
    if rule is None or rule.activity_id != activity.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    delete_supervision_rule(rule)
    db.session.commit()
    flash(_("The supervision rule was removed."), "success")
    return redirect(url_for("admin.activity", activity_id=activity.id))
