"""Forms of the volunteer's own pages.

Forms whose fields depend on the community (skills, activities) or on the week (the
availability grid) are built by functions that add the fields to a subclass, as the
registration form does.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional as OptionalValue, ValidationError

from scheduler.accounts import is_valid_mobile
from scheduler.models import AVAILABILITY_PRESETS, Community
from scheduler.profiles import MAX_LIMITS
from web.auth.forms import SKILL_LEVEL_CHOICES, MobileField, MultiCheckboxField

WEEKDAY_NAMES = [
    _l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"),
]
PRESET_LABELS = {
    "morning": _l("Morning"),
    "afternoon": _l("Afternoon"),
    "evening": _l("Evening"),
}
#: "08:30-11:00"; the separator may be a dash (also full-width), a tilde, 至 or 到, and the
#: colon full-width, as Chinese input methods type them.
_WINDOW = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*(?:-|－|–|—|~|～|至|到)\s*(\d{1,2})[:：](\d{2})\s*$")
_SPLIT = re.compile(r"[,，、;；\s]+(?=\d)")


def _check_mobile(_form, field) -> None:
    if not is_valid_mobile(field.data or ""):
        raise ValidationError(_l("Enter an 11-digit mobile number starting with 1."))


class ActionForm(FlaskForm):
    """A button that changes something (sign up, withdraw, delete): only the CSRF token."""

    next = HiddenField()


class DetailsForm(FlaskForm):
    """Name, mobile number, teams and grids."""

    name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=100)])
    mobile = MobileField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number.")), _check_mobile],
        description=_l("You log in with it. Coordinators may call you on it."),
    )
    teams = MultiCheckboxField(_l("Teams you belong to"), coerce=int)
    grids = MultiCheckboxField(
        _l("Grids where you serve"),
        coerce=int,
        description=_l("Choose none to serve in the whole community."),
    )


def details_form(community: Community, **kwargs) -> DetailsForm:
    """The details form offering the teams and grids of `community`."""
    form = DetailsForm(**kwargs)
    form.teams.choices = [SelectChoice(team.id, team.name) for team in community.teams]
    form.grids.choices = [SelectChoice(grid.id, grid.name) for grid in community.grids]
    return form


class SkillsForm(FlaskForm):
    """A level per skill of the community; fields added by `skills_form`."""

    def skill_fields(self) -> list:
        """The per-skill level fields, in the community's order."""
        return [field for field in self if field.name.startswith("skill_")]


def skills_form(community: Community, levels: dict[int, int], **kwargs) -> SkillsForm:
    """A skills form for `community`, preset to `levels` (skill id -> level)."""

    class CommunitySkillsForm(SkillsForm):
        pass

    for skill in community.skills:
        setattr(
            CommunitySkillsForm,
            f"skill_{skill.id}",
            SelectField(skill.name, choices=SKILL_LEVEL_CHOICES, coerce=int, default=levels.get(skill.id, 0)),
        )
    return CommunitySkillsForm(**kwargs)


def parse_windows(text: str) -> list[tuple[time, time]]:
    """Windows written as ``08:30-11:00, 14:00-16:00``; ValueError names the fault."""
    windows = []
    for part in _SPLIT.split(text.strip()):
        if not part:
            continue
        match = _WINDOW.match(part)
        if not match:
            raise ValueError(_l("Write times like 08:30-11:00, separated by commas."))
        start_hour, start_minute, end_hour, end_minute = (int(group) for group in match.groups())
        if end_hour == 24 and end_minute == 0:
            end_hour, end_minute = 23, 59  # "until midnight"
        try:
            start, end = time(start_hour, start_minute), time(end_hour, end_minute)
        except ValueError:
            raise ValueError(_l("%(text)s is not a time of day.", text=part.strip())) from None
        if end <= start:
            raise ValueError(_l("In %(text)s the end is not after the start.", text=part.strip()))
        windows.append((start, end))
    return windows


def _check_windows(_form, field) -> None:
    try:
        parse_windows(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from None


class AvailabilityForm(FlaskForm):
    """The weekly grid: per weekday, presets and exact times; fields added by `availability_form`."""

    mode = RadioField(
        _l("When can you help?"),
        choices=[SelectChoice("any", _l("Any time")), SelectChoice("times", _l("Only at the times below"))],
        default="times",
    )

    def day_rows(self) -> list[tuple[object, list, object]]:
        """(weekday name, preset check boxes, exact-times field) per weekday."""
        return [
            (
                WEEKDAY_NAMES[day],
                [self[f"d{day}_{name}"] for name in AVAILABILITY_PRESETS],
                self[f"d{day}_times"],
            )
            for day in range(7)
        ]

    def windows(self) -> Optional[dict[int, list[tuple[time, time]]]]:
        """Weekday -> windows as entered; None for "any time"."""
        if self.mode.data == "any":
            return None
        chosen: dict[int, list[tuple[time, time]]] = {}
        for day in range(7):
            day_windows = [AVAILABILITY_PRESETS[name] for name in AVAILABILITY_PRESETS if self[f"d{day}_{name}"].data]
            day_windows += parse_windows(self[f"d{day}_times"].data or "")
            if day_windows:
                chosen[day] = day_windows
        return chosen

    def validate_mode(self, field) -> None:
        """"Only at the times below" needs at least one time."""
        if field.data == "times":
            try:
                windows = self.windows()
            except ValueError:
                return  # the faulty day field reports it
            if not windows:
                raise ValidationError(_l("Tick at least one time, or choose 'Any time'."))


def availability_form(**kwargs) -> AvailabilityForm:
    """The weekly availability grid."""

    class WeekForm(AvailabilityForm):
        pass

    for day in range(7):
        for name in AVAILABILITY_PRESETS:
            start, end = AVAILABILITY_PRESETS[name]
            label = f"{PRESET_LABELS[name]} {start:%H:%M}-{end:%H:%M}"
            setattr(WeekForm, f"d{day}_{name}", BooleanField(label))
        setattr(
            WeekForm,
            f"d{day}_times",
            StringField(
                _l("Exact times"),
                validators=[Length(max=200), _check_windows],
                render_kw={"placeholder": "08:30-11:00"},
            ),
        )
    return WeekForm(**kwargs)


class LeaveForm(FlaskForm):
    """Days off: first and last day, and an optional reason."""

    start_date = DateField(_l("First day"), validators=[DataRequired(_l("Enter a date."))])
    end_date = DateField(_l("Last day"), validators=[DataRequired(_l("Enter a date."))])
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=200)])

    def validate_end_date(self, field) -> None:
        """The last day is not before the first."""
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


def _limit_field(label, description, name: str) -> IntegerField:
    return IntegerField(
        label,
        description=description,
        validators=[
            OptionalValue(),
            NumberRange(min=0, max=MAX_LIMITS[name],
                        message=_l("Enter a number from %(min)s to %(max)s, or leave it empty.")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class LimitsForm(FlaskForm):
    """How much a volunteer is willing to do; empty means no limit."""

    max_shifts_per_day = _limit_field(_l("Shifts per day, at most"), None, "max_shifts_per_day")
    max_shifts_per_week = _limit_field(_l("Shifts per week, at most"), None, "max_shifts_per_week")
    max_minutes_per_week = _limit_field(
        _l("Minutes per week, at most"), _l("For example 480 for 8 hours."), "max_minutes_per_week"
    )
    min_rest_minutes = _limit_field(
        _l("Rest between two shifts, in minutes, at least"), None, "min_rest_minutes"
    )
    max_consecutive_days = _limit_field(_l("Days in a row, at most"), None, "max_consecutive_days")

    def validate_max_consecutive_days(self, field) -> None:
        """Zero days in a row would forbid every shift; that is not what anyone means."""
        if field.data == 0:
            raise ValidationError(_l("Enter at least 1, or leave it empty."))


PREFERENCE_CHOICES = [
    SelectChoice("0", _l("No preference")),
    SelectChoice("1", _l("I like it")),
    SelectChoice("-1", _l("I'd rather not")),
]


class PreferencesForm(FlaskForm):
    """Liked and disliked activities; one field per activity, added by `preferences_form`."""

    def activity_fields(self) -> list:
        """The per-activity fields, in the community's order."""
        return [field for field in self if field.name.startswith("activity_")]


def preferences_form(activities, current: dict[int, int], **kwargs) -> PreferencesForm:
    """A preferences form for `activities`, preset from `current` (activity id -> weight)."""

    class ActivitiesForm(PreferencesForm):
        pass

    for activity in activities:
        weight = current.get(activity.id, 0)
        default = "1" if weight > 0 else "-1" if weight < 0 else "0"
        setattr(
            ActivitiesForm,
            f"activity_{activity.id}",
            RadioField(activity.title, choices=PREFERENCE_CHOICES, default=default),
        )
    return ActivitiesForm(**kwargs)


class CalendarImportForm(FlaskForm):
    """An .ics file exported from the volunteer's own calendar."""

    file = FileField(
        _l("Calendar file (.ics)"),
        validators=[FileRequired(_l("Choose a calendar file (.ics) to upload."))],
        description=_l("Export it from your phone or computer calendar. Only the busy times are kept, never titles or places."),
    )
