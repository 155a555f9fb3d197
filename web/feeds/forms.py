"""Forms of the feed pages: making a private link, and choosing reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional as OptionalValue, ValidationError

#: Reminder before the start, in minutes (0: none).
MINUTES_BEFORE_CHOICES = [
    SelectChoice(0, _l("No reminder")),
    SelectChoice(15, _l("15 minutes before")),
    SelectChoice(30, _l("30 minutes before")),
    SelectChoice(60, _l("1 hour before")),
    SelectChoice(120, _l("2 hours before")),
    SelectChoice(1440, _l("1 day before")),
]


class LinkForm(FlaskForm):
    """Make the private link (or a new one, which ends the old one)."""


class RemindersForm(FlaskForm):
    """The reminders in the volunteer's private feed."""

    evening_before = BooleanField(_l("Remind me the evening before"))
    evening_time = TimeField(
        _l("At"),
        format="%H:%M",
        validators=[OptionalValue()],
        description=_l("For example 20:00."),
    )
    minutes_before = SelectField(
        _l("Shortly before the start"),
        choices=MINUTES_BEFORE_CHOICES,
        coerce=int,
        validators=[InputRequired()],
    )

    def validate_evening_time(self, field) -> None:
        if self.evening_before.data and field.data is None:
            raise ValidationError(_l("Enter a time like 20:00, or untick the evening reminder."))
