"""Views of the volunteer's profile: details, skills, availability, leave, limits,
liked activities and the calendar import.

Each form view follows one pattern: on a valid POST call the service, commit, flash and
redirect; a service refusal goes beside its field and the page re-renders with the input.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from scheduler import availability, ics_import, profiles, signup
from scheduler.extensions import db
from scheduler.models import Activity
from web.auth.decorators import volunteer_required
from web.volunteer import bp
from web.volunteer.forms import (
    WEEKDAY_NAMES,
    ActionForm,
    CalendarImportForm,
    LeaveForm,
    LimitsForm,
    availability_form,
    details_form,
    preferences_form,
    skills_form,
)


def _profile():
    return current_user.profile


def _saved(message: str, endpoint: str = "volunteer.profile"):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint))


def _refused(form, error) -> None:
    """Put a service refusal beside its field (or the form's first field)."""
    db.session.rollback()
    field = form[error.field] if error.field in form else next(iter(form))
    field.errors = list(field.errors) + [error.message]


@bp.get("/profile")
@volunteer_required
def profile():
    """The profile at a glance, with a link to change each part."""
    volunteer = _profile()
    return render_template(
        "volunteer/profile.html",
        volunteer=volunteer,
        weekly=availability.weekly_windows(volunteer),
        limits=profiles.Limits.of(volunteer),
        preferences=sorted(volunteer.preferences, key=lambda pref: -pref.weight),
        weekday_names=WEEKDAY_NAMES,
    )


@bp.route("/profile/details", methods=["GET", "POST"])
@volunteer_required
def details():
    """Name, mobile number, teams and grids."""
    volunteer = _profile()
    community = current_user.community
    form = details_form(community)
    if not form.is_submitted():
        form.name.data = current_user.display_name
        form.mobile.data = current_user.mobile
        form.teams.data = [team.id for team in volunteer.teams]
        form.grids.data = [grid.id for grid in volunteer.grids]
    if form.validate_on_submit():
        try:
            profiles.update_details(
                volunteer,
                name=form.name.data,
                mobile=form.mobile.data,
                teams=[team for team in community.teams if team.id in set(form.teams.data)],
                grids=[grid for grid in community.grids if grid.id in set(form.grids.data)],
            )
        except profiles.ProfileError as error:
            _refused(form, error)
        else:
            return _saved(_("Your details are saved."))
    return render_template("volunteer/details.html", form=form)


@bp.route("/profile/skills", methods=["GET", "POST"])
@volunteer_required
def skills():
    """A level for every skill of the community."""
    volunteer = _profile()
    community = current_user.community
    form = skills_form(community, {vs.skill_id: vs.level for vs in volunteer.skills})
    if form.validate_on_submit():
        levels = {skill: form[f"skill_{skill.id}"].data for skill in community.skills}
        try:
            profiles.set_skills(volunteer, levels)
        except profiles.ProfileError as error:
            _refused(form, error)
        else:
            return _saved(_("Your skills are saved."))
    return render_template("volunteer/skills.html", form=form)


@bp.route("/availability", methods=["GET", "POST"])
@volunteer_required
def weekly_availability():
    """The weekly grid: morning, afternoon, evening or exact times per weekday."""
    volunteer = _profile()
    form = availability_form()
    if not form.is_submitted():
        _fill_availability(form, availability.weekly_windows(volunteer))
    if form.validate_on_submit():
        try:
            availability.set_weekly_availability(volunteer, form.windows())
        except availability.AvailabilityError as error:
            _refused(form, error)
        else:
            return _saved(_("Your weekly availability is saved."))
    return render_template("volunteer/availability.html", form=form)


def _fill_availability(form, weekly) -> None:
    if not weekly:
        form.mode.data = "any"
        return
    form.mode.data = "times"
    for day, windows in weekly.items():
        exact = []
        for window in windows:
            preset = availability.preset_of(window)
            if preset is None:
                exact.append(f"{window[0]:%H:%M}-{window[1]:%H:%M}")
            else:
                form[f"d{day}_{preset}"].data = True
        form[f"d{day}_times"].data = ", ".join(exact)


@bp.route("/leave", methods=["GET", "POST"])
@volunteer_required
def leave():
    """Leave dates: the list, and a form to add one."""
    volunteer = _profile()
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            availability.add_leave(volunteer, form.start_date.data, form.end_date.data, form.reason.data or "")
        except availability.AvailabilityError as error:
            _refused(form, error)
        else:
            clashes = signup.shifts_during_leave(volunteer, form.start_date.data, form.end_date.data)
            response = _saved(_("Your leave is saved."), "volunteer.leave")
            for shift in clashes:
                flash(
                    _("You are still signed up for %(title)s on %(when)s: withdraw from it, or tell the coordinator.",
                      title=shift.title, when=signup.local_datetime(shift.starts_at)),
                    "warning",
                )
            return response
    today = current_user.community.local_now().date()
    return render_template(
        "volunteer/leave.html",
        form=form,
        leaves=[leave for leave in volunteer.leave_dates if leave.end_date >= today],
        action_form=ActionForm(),
    )


@bp.post("/leave/<int:leave_id>/delete")
@volunteer_required
def delete_leave(leave_id: int):
    """Remove one of the volunteer's leave entries."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if not availability.remove_leave(_profile(), leave_id):
        abort(404)
    return _saved(_("The leave is removed."), "volunteer.leave")


@bp.route("/limits", methods=["GET", "POST"])
@volunteer_required
def limits():
    """Shifts per day and week, minutes per week, rest, days in a row."""
    volunteer = _profile()
    form = LimitsForm(obj=volunteer)
    if form.validate_on_submit():
        try:
            profiles.set_limits(volunteer, profiles.Limits(**{name: form[name].data for name in profiles.MAX_LIMITS}))
        except profiles.ProfileError as error:
            _refused(form, error)
        else:
            return _saved(_("Your limits are saved."))
    return render_template("volunteer/limits.html", form=form)


@bp.route("/preferences", methods=["GET", "POST"])
@volunteer_required
def preferences():
    """Liked and disliked activities."""
    volunteer = _profile()
    activities = db.session.scalars(
        select(Activity)
        .where(Activity.community_id == current_user.community_id, Activity.is_active)
        .order_by(Activity.title, Activity.id)
    ).all()
    form = preferences_form(activities, profiles.preferences_of(volunteer))
    if form.validate_on_submit():
        choice = {activity: form[f"activity_{activity.id}"].data for activity in activities}
        try:
            profiles.set_preferences(
                volunteer,
                liked=[activity for activity, value in choice.items() if value == "1"],
                disliked=[activity for activity, value in choice.items() if value == "-1"],
            )
        except profiles.ProfileError as error:
            _refused(form, error)
        else:
            return _saved(_("Your preferences are saved."))
    return render_template("volunteer/preferences.html", form=form)


@bp.route("/calendar-import", methods=["GET", "POST"])
@volunteer_required
def calendar_import():
    """Upload an .ics file; its busy times replace the previous import."""
    volunteer = _profile()
    form = CalendarImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(ics_import.MAX_BYTES + 1)
        try:
            result = ics_import.import_busy_times(volunteer, data, filename=upload.filename or "")
        except ics_import.IcsImportError as error:
            db.session.rollback()
            form.file.errors = list(form.file.errors) + [error.message]
        else:
            db.session.commit()
            flash(
                _("Imported %(busy)d busy times from %(events)d events. They replace your previous import.",
                  busy=result.busy_count, events=result.event_count),
                "success",
            )
            return redirect(url_for("volunteer.calendar_import"))
    return render_template(
        "volunteer/calendar_import.html",
        form=form,
        busy_times=list(volunteer.busy_times),
        action_form=ActionForm(),
        import_days=ics_import.IMPORT_DAYS,
    )


@bp.post("/calendar-import/clear")
@volunteer_required
def clear_busy_times():
    """Forget every imported busy time."""
    if not ActionForm().validate_on_submit():
        abort(400)
    availability.clear_busy_times(_profile())
    return _saved(_("Your imported busy times are removed."), "volunteer.calendar_import")
