"""Forms of the coordinator pages: volunteers, rosters and reference data.

Choices that depend on the community (teams, skills, grids) are filled by the builder
functions; skill levels get one select per skill, as on the registration page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import NumberInput

from scheduler.admin import MAX_SKILL_LEVEL, VolunteerData, VolunteerLimits
from scheduler.models import Community, VolunteerProfile
from web.auth.forms import MobileField, MultiCheckboxField

WHOLE_NUMBER = _l("Enter a whole number.")


def choices_of(rows: Iterable, label: str = "name", *, empty=None) -> list[SelectChoice]:
    """Select choices of database rows (value: id), after an optional `empty` one (value 0)."""
    first = [SelectChoice(0, empty)] if empty is not None else []
    return first + [SelectChoice(row.id, getattr(row, label)) for row in rows]


def level_choices(zero_label) -> list[SelectChoice]:
    """Skill levels 1 to `MAX_SKILL_LEVEL`, after 0 meaning `zero_label`."""
    return [SelectChoice(0, zero_label)] + [SelectChoice(level, str(level)) for level in range(1, MAX_SKILL_LEVEL + 1)]


#: Levels offered for a volunteer's skill; 0 means "does not have it".
SKILL_LEVEL_CHOICES = level_choices(_l("No"))


def in_range(low, high) -> Callable:
    """A range check that stays quiet when the value could not be read (already reported)."""
    check = NumberRange(low, high, _l("Enter a number from %(min)s to %(max)s."))

    def validate(form, field) -> None:
        if field.data is not None:
            check(form, field)

    return validate


def count_field(label, *, top: int, description=None) -> IntegerField:
    """An optional whole number from 0 to `top` (empty: no limit)."""
    return IntegerField(
        label,
        validators=[OptionalValue(), in_range(0, top)],
        invalid_value_message=WHOLE_NUMBER,
        widget=NumberInput(min=0, max=top),
        description=description,
    )


class VolunteerForm(FlaskForm):
    """A volunteer's profile as a coordinator edits it; skill fields are added per community."""

    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the volunteer's name.")), Length(max=100)]
    )
    mobile = MobileField(_l("Mobile number"), validators=[DataRequired(_l("Enter the mobile number."))])
    teams = MultiCheckboxField(_l("Teams"), coerce=int)
    grids = MultiCheckboxField(
        _l("Grids"), coerce=int, description=_l("Leave all unticked if the volunteer serves every grid.")
    )
    max_hours_per_week = DecimalField(
        _l("Most hours per week"),
        places=None,
        validators=[OptionalValue(), in_range(Decimal(0), Decimal(168))],
        invalid_value_message=_l("Enter a number of hours, such as 6 or 7.5."),
        widget=NumberInput(step="0.5", min=0, max=168),
        description=_l("Empty: no limit."),
    )
    max_shifts_per_week = count_field(_l("Most shifts per week"), top=100)
    max_shifts_per_day = count_field(_l("Most shifts per day"), top=24)
    min_rest_minutes = count_field(
        _l("Least rest between two shifts (minutes)"), top=7 * 24 * 60
    )
    max_consecutive_days = count_field(_l("Most days in a row"), top=7)
    notes = TextAreaField(_l("Notes for coordinators"), validators=[Length(max=1000)])

    def skill_fields(self) -> list:
        """The per-skill level fields, in the community's order."""
        return [field for field in self if field.name.startswith("skill_")]

    def data_for(self, community: Community) -> VolunteerData:
        """The form's content as service data."""
        teams = set(self.teams.data or ())
        grids = set(self.grids.data or ())
        hours = self.max_hours_per_week.data
        return VolunteerData(
            name=self.name.data or "",
            mobile=self.mobile.data or "",
            teams=[team for team in community.teams if team.id in teams],
            grids=[grid for grid in community.grids if grid.id in grids],
            skills={
                skill: self[f"skill_{skill.id}"].data
                for skill in community.skills
                if self[f"skill_{skill.id}"].data
            },
            limits=VolunteerLimits(
                max_shifts_per_day=self.max_shifts_per_day.data,
                max_shifts_per_week=self.max_shifts_per_week.data,
                max_minutes_per_week=None if hours is None else round(hours * 60),
                min_rest_minutes=self.min_rest_minutes.data,
                max_consecutive_days=self.max_consecutive_days.data,
            ),
            notes=self.notes.data or "",
        )


class NewVolunteerForm(VolunteerForm):
    """A new volunteer; the password is optional (set it later when they want to log in)."""

    password = PasswordField(
        _l("Password"),
        description=_l("Optional. Without one the volunteer cannot log in until you set it."),
    )


def volunteer_form(
    community: Community, profile: Optional[VolunteerProfile] = None, *, new: bool = False, **kwargs
) -> VolunteerForm:
    """A volunteer form for `community`, filled from `profile` on first display."""

    class CommunityVolunteerForm(NewVolunteerForm if new else VolunteerForm):
        pass

    levels = {held.skill_id: held.level for held in profile.skills} if profile else {}
    for skill in community.skills:
        setattr(
            CommunityVolunteerForm,
            f"skill_{skill.id}",
            SelectField(skill.name, choices=SKILL_LEVEL_CHOICES, coerce=int, default=levels.get(skill.id, 0)),
        )
    if profile is not None:
        minutes = profile.max_minutes_per_week
        kwargs.setdefault("data", {
            "name": profile.user.display_name,
            "mobile": profile.user.mobile,
            "teams": [team.id for team in profile.teams],
            "grids": [grid.id for grid in profile.grids],
            "max_hours_per_week": None if minutes is None else Decimal(minutes) / 60,
            "max_shifts_per_week": profile.max_shifts_per_week,
            "max_shifts_per_day": profile.max_shifts_per_day,
            "min_rest_minutes": profile.min_rest_minutes,
            "max_consecutive_days": profile.max_consecutive_days,
            "notes": profile.notes,
            **{f"skill_{skill.id}": levels.get(skill.id, 0) for skill in community.skills},
        })
    form = CommunityVolunteerForm(**kwargs)
    form.teams.choices = choices_of(community.teams)
    form.grids.choices = choices_of(community.grids)
    return form


class PasswordForm(FlaskForm):
    """A coordinator gives a volunteer a (new) password to log in with."""

    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password."))])


class ConfirmForm(FlaskForm):
    """A button that changes something (deactivate, delete ...): only the CSRF token."""

    value = HiddenField()


class VolunteerFilterForm(FlaskForm):
    """Search and filters of the volunteer list (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or mobile number"))
    team = SelectField(_l("Team"), coerce=int, default=0)
    skill = SelectField(_l("Skill"), coerce=int, default=0)
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("active", _l("Active")),
            SelectChoice("inactive", _l("Deactivated")),
            SelectChoice("all", _l("All")),
        ],
        default="active",
    )


def volunteer_filter_form(community: Community, args) -> VolunteerFilterForm:
    """The filter form read from the query string `args`."""
    form = VolunteerFilterForm(formdata=args)
    form.team.choices = choices_of(community.teams, empty=_l("All teams"))
    form.skill.choices = choices_of(community.skills, empty=_l("All skills"))
    return form


class RosterImportForm(FlaskForm):
    """Upload a roster spreadsheet."""

    roster = FileField(
        _l("Spreadsheet (CSV or Excel .xlsx)"),
        validators=[FileRequired(_l("Choose a file to import."))],
    )


class ReferenceForm(FlaskForm):
    """A team, skill or grid: a name and a short code."""

    name = StringField(_l("Display name"), validators=[DataRequired(_l("Enter a name.")), Length(max=100)])
    code = StringField(
        _l("Code"),
        validators=[Length(max=40)],
        description=_l("Short identifier in exported schedules (a-z, 0-9, - and _). Leave empty to generate one."),
    )


class VenueForm(ReferenceForm):
    """A venue also has an address (shown in calendars)."""

    name = StringField(_l("Display name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
