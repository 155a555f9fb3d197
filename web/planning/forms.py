"""Forms of the planning pages (each posts to one verb; CSRF on all of them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class ActionForm(FlaskForm):
    """A button that posts an action with nothing else to say (generate, cancel ...)."""


class RunForm(FlaskForm):
    """Start auto-scheduling (or a re-plan) with a time limit."""

    time_limit = IntegerField(
        _l("Time limit (seconds)"),
        description=_l("The engine stops searching after this long and keeps the best schedule found."),
        validators=[InputRequired(_l("Give a time limit.")),
                    NumberRange(min=1, max=600, message=_l("Between 1 and 600 seconds."))],
    )
    kind = HiddenField(default="schedule")


class PublishForm(FlaskForm):
    """Publish the draft as a new version."""

    note = StringField(_l("Note for this version (optional)"),
                       validators=[Optional(), Length(max=300, message=_l("At most 300 characters."))])


class AssignForm(FlaskForm):
    """Put a volunteer in a role."""

    volunteer_id = IntegerField(validators=[InputRequired()])
    pinned = BooleanField(_l("Pin (re-solving keeps it)"), default=True)


class VolunteerActionForm(FlaskForm):
    """Unassign, restore, or (un)pin one volunteer in a shift."""

    volunteer_id = IntegerField(validators=[InputRequired()])
    pinned = BooleanField()


class GridForm(FlaskForm):
    """How the week grid is arranged (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    by = SelectField(_l("Rows"), choices=[SelectChoice("activity", _l("Activities")),
                                          SelectChoice("venue", _l("Venues and grids"))],
                     default="activity", validators=[DataRequired()])
