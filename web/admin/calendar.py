"""Coordinator views of the calendar's exceptions: one-off events and cancelled dates."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scheduler.admin import AdminError
from scheduler.admin_activities import (
    activities_of,
    add_cancelled_dates,
    cancel_one_off_event,
    cancelled_dates,
    create_one_off_event,
    one_off_events,
    remove_cancelled_dates,
)
from scheduler.extensions import db
from scheduler.models import Activity, Community, Shift
from scheduler.planning_models import CancelledDate
from scheduler.signals import schedule_changed
from web.admin import bp
from web.admin.activity_forms import cancelled_dates_form, one_off_form
from web.admin.common import own_or_404, show_error
from web.admin.forms import ConfirmForm
from web.auth.decorators import coordinator_required

#: Past exceptions stay listed this long, so a mistake of last week can still be seen.
RECENT = timedelta(days=7)


@bp.route("/<community>/events", methods=["GET", "POST"])
@coordinator_required
def events(community: Community):
    """Upcoming one-off events, and a form to add one."""
    activities = activities_of(community)
    form = one_off_form(community, activities)
    if form.validate_on_submit():
        activity = own_or_404(Activity, form.activity.data, community)
        try:
            shift = create_one_off_event(activity, form.event_data())
        except AdminError as error:
            db.session.rollback()
            show_error(form, error, fallback="day")
        else:
            db.session.commit()
            flash(
                _("%(title)s on %(day)s was added. It is scheduled with its week.",
                  title=shift.title, day=shift.starts_at.date().isoformat()),
                "success",
            )
            return redirect(url_for("admin.events"))
    since = community.local_now().date() - RECENT
    return render_template(
        "admin/events.html", community=community, form=form, events=one_off_events(community, since=since),
        confirm=ConfirmForm(),
    ), 400 if request.method == "POST" else 200


@bp.post("/<community>/events/<int:shift_id>/cancel")
@coordinator_required
def event_cancel(community: Community, shift_id: int):
    """Remove a one-off event (kept as cancelled if anyone had signed up)."""
    shift = own_or_404(Shift, shift_id, community)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    title, shift_key = shift.title, shift.id
    try:
        kept = cancel_one_off_event(shift)
    except AdminError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.events"))
    db.session.commit()
    if kept:
        schedule_changed.send(community.id, shift_ids=[shift_key])
        flash(_("%(title)s was cancelled; the volunteers' calendars show it.", title=title), "success")
    else:
        flash(_("%(title)s was removed.", title=title), "success")
    return redirect(url_for("admin.events"))


@bp.route("/<community>/holidays", methods=["GET", "POST"])
@coordinator_required
def holidays(community: Community):
    """Cancelled dates (holidays), and a form to add some."""
    activities = activities_of(community)
    form = cancelled_dates_form(community, activities)
    if form.validate_on_submit():
        activity = own_or_404(Activity, form.activity.data, community) if form.activity.data else None
        try:
            add_cancelled_dates(
                community, form.start_date.data, form.end_date.data, activity=activity, reason=form.reason.data or ""
            )
        except AdminError as error:
            db.session.rollback()
            show_error(form, error, fallback="start_date")
        else:
            db.session.commit()
            flash(_("The dates were cancelled. Weeks generated from now on leave them out."), "success")
            return redirect(url_for("admin.holidays"))
    since = community.local_now().date() - RECENT
    return render_template(
        "admin/holidays.html", community=community, form=form, holidays=cancelled_dates(community, since=since),
        confirm=ConfirmForm(),
    ), 400 if request.method == "POST" else 200


@bp.post("/<community>/holidays/<int:holiday_id>/delete")
@coordinator_required
def holiday_delete(community: Community, holiday_id: int):
    """Take back cancelled dates."""
    holiday = own_or_404(CancelledDate, holiday_id, community)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    remove_cancelled_dates(holiday)
    db.session.commit()
    flash(_("The dates are no longer cancelled."), "success")
    return redirect(url_for("admin.holidays"))
