"""Views of "my schedule", the open shifts, signing up and withdrawing."""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from scheduler import signup
from scheduler.extensions import db
from scheduler.models import Shift, ShiftRole, SignUp, SignUpStatus
from web.auth.decorators import volunteer_required
from web.main.routes import safe_next
from web.volunteer import bp
from web.volunteer.forms import ActionForm

#: Weeks the open-shifts page may look ahead.
MAX_BROWSE_WEEKS = 8


@bp.app_template_filter("volunteer_day")
def day_label(day: date | datetime) -> str:
    """A short day with its weekday in the request's language: 12月7日周一 / Mon, Dec 7."""
    return signup.local_day(day.date() if isinstance(day, datetime) else day)


@bp.app_template_filter("volunteer_time")
def time_label(moment: datetime) -> str:
    """A wall-clock time, 09:30 (shift times are local already: never shifted)."""
    return f"{moment:%H:%M}"


@bp.app_template_filter("volunteer_when")
def when_label(moment: datetime) -> str:
    """A day and a time: 12月7日周一 09:30."""
    return signup.local_datetime(moment)


def _profile():
    return current_user.profile


def _back(form: ActionForm, default: str) -> str:
    return safe_next(form.next.data) or default


@bp.get("/")
@volunteer_required
def index():
    """My schedule: upcoming confirmed shifts, waitlisted ones with position, past ones."""
    schedule = signup.my_schedule(_profile())
    return render_template(
        "volunteer/schedule.html",
        schedule=schedule,
        contact=signup.whom_to_contact(current_user.community),
        action_form=ActionForm(),
    )


@bp.get("/shifts")
@volunteer_required
def shifts():
    """Open shifts of the coming weeks, filtered to what the volunteer may take."""
    show_all = request.args.get("all") == "1"
    weeks = request.args.get("weeks", signup.DEFAULT_BROWSE_WEEKS, type=int)
    weeks = max(1, min(weeks or signup.DEFAULT_BROWSE_WEEKS, MAX_BROWSE_WEEKS))
    offers = signup.open_offers(_profile(), weeks=weeks, include_ineligible=show_all)
    days = [(day, list(items)) for day, items in groupby(offers, key=lambda offer: offer.shift.starts_at.date())]
    return render_template(
        "volunteer/shifts.html",
        days=days,
        show_all=show_all,
        weeks=weeks,
        action_form=ActionForm(),
    )


@bp.get("/shifts/<int:shift_id>")
@volunteer_required
def shift(shift_id: int):
    """One shift with each role: places, the volunteer's sign-up, or why they cannot take it."""
    found = db.session.get(Shift, shift_id)
    if found is None or found.community_id != current_user.community_id:
        abort(404)
    offers = signup.role_offers(_profile(), [found], include_ineligible=True)
    return render_template("volunteer/shift.html", shift=found, offers=offers, action_form=ActionForm())


@bp.post("/roles/<int:role_id>/sign-up")
@volunteer_required
def sign_up(role_id: int):
    """Sign up for a role: confirmed, waitlisted, or refused with the reasons."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    role = db.session.get(ShiftRole, role_id)
    if role is None or role.shift.community_id != current_user.community_id:
        abort(404)
    shift_url = url_for("volunteer.shift", shift_id=role.shift_id)
    profile = _profile()
    try:
        outcome = signup.in_write_transaction(lambda: signup.sign_up(profile, role))
    except signup.SignUpRefused as refused:
        flash(_("You cannot sign up for %(title)s (%(role)s):", title=role.shift.title, role=role.name), "error")
        for reason in refused.reasons:
            flash(str(reason), "error")
        return redirect(shift_url)
    record = outcome.sign_up
    title = role.shift.title
    if not outcome.created:
        flash(_("You had already signed up for %(title)s.", title=title), "info")
    elif record.status == SignUpStatus.CONFIRMED:
        flash(_("You are signed up for %(title)s (%(role)s).", title=title, role=role.name), "success")
    else:
        flash(
            _("%(title)s is full. You are number %(position)d on the waitlist; you get the place automatically if one frees.",
              title=title, position=signup.waitlist_position(record)),
            "warning",
        )
    return redirect(_back(form, url_for("volunteer.index")))


@bp.post("/sign-ups/<int:sign_up_id>/withdraw")
@volunteer_required
def withdraw(sign_up_id: int):
    """Withdraw a sign-up, up to the community's cutoff; after it, say whom to contact."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    record = db.session.get(SignUp, sign_up_id)
    if record is None or record.volunteer_id != _profile().id:
        abort(404)
    title = record.shift.title
    try:
        signup.in_write_transaction(lambda: signup.withdraw(record))
    except signup.WithdrawRefused as refused:
        flash(str(refused.message), "error")
        if refused.contact:
            flash(_("Please contact %(contact)s.", contact=refused.contact), "error")
        return redirect(_back(form, url_for("volunteer.index")))
    flash(_("You have withdrawn from %(title)s.", title=title), "success")
    return redirect(_back(form, url_for("volunteer.index")))
