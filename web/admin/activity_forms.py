"""Forms of the coordinator pages for activities, roles, supervision, one-off events and holidays."""

from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import NumberInput

from scheduler.admin_activities import ActivityData, OneOffData, RoleData
from scheduler.models import Activity, ActivityKind, ActivityRole, Community
from web.admin.forms import WHOLE_NUMBER, choices_of, in_range, level_choices
from web.auth.forms import MultiCheckboxField

KIND_LABELS = {
    ActivityKind.CLASS: _l("Class"),
    ActivityKind.LECTURE: _l("Lecture"),
    ActivityKind.DUTY: _l("Duty shift"),
}
WEEKDAY_LABELS = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]
#: Minimum levels a role can ask for; 0 means the skill is not required.
MIN_LEVEL_CHOICES = level_choices(_l("Not needed"))
BAD_DATE = _l("Enter a date such as 2026-12-07.")
BAD_TIME = _l("Enter a time such as 09:30.")


class ActivityForm(FlaskForm):
    """An activity and its weekly recurrence."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    venue = SelectField(_l("Venue"), coerce=int, default=0)
    grid = SelectField(
        _l("Grid"), coerce=int, default=0, description=_l("Only volunteers of this grid will be scheduled.")
    )
    weekdays = MultiCheckboxField(
        _l("Every week on"),
        coerce=int,
        choices=[SelectChoice(day, label) for day, label in enumerate(WEEKDAY_LABELS)],
        description=_l("Tick no day for an activity that only has one-off events."),
    )
    start_time = TimeField(
        _l("Starts at"), validators=[InputRequired(_l("Enter the start time."))], invalid_value_message=BAD_TIME
    )
    end_time = TimeField(
        _l("Ends at"),
        validators=[InputRequired(_l("Enter the end time."))],
        invalid_value_message=BAD_TIME,
        description=_l("An end before the start means the next day (a night patrol)."),
    )
    valid_from = DateField(
        _l("Runs from"), validators=[InputRequired(_l("Enter the first day."))], invalid_value_message=BAD_DATE
    )
    valid_until = DateField(
        _l("Runs until"),
        validators=[OptionalValue()],
        invalid_value_message=BAD_DATE,
        description=_l("Empty: until further notice."),
    )
    code = StringField(
        _l("Code"),
        validators=[Length(max=40)],
        description=_l("Short identifier in exported schedules (a-z, 0-9, - and _). Leave empty to generate one."),
    )

    def data_for(self, community: Community) -> ActivityData:
        """The form's content as service data."""
        venues = {venue.id: venue for venue in community.venues}
        grids = {grid.id: grid for grid in community.grids}
        return ActivityData(
            code=self.code.data or "",
            kind=ActivityKind(self.kind.data),
            title=self.title.data or "",
            description=self.description.data or "",
            venue=venues.get(self.venue.data),
            grid=grids.get(self.grid.data),
            weekdays=list(self.weekdays.data or ()),
            start_time=self.start_time.data,
            end_time=self.end_time.data,
            valid_from=self.valid_from.data,
            valid_until=self.valid_until.data,
        )


def activity_form(community: Community, activity: Optional[Activity] = None, **kwargs) -> ActivityForm:
    """An activity form with the community's venues and grids, filled from `activity`."""
    if activity is not None:
        kwargs.setdefault("data", {
            "title": activity.title,
            "kind": activity.kind.value,
            "description": activity.description,
            "venue": activity.venue_id or 0,
            "grid": activity.grid_id or 0,
            "weekdays": list(activity.weekdays),
            "start_time": activity.start_time,
            "end_time": activity.end_time,
            "valid_from": activity.valid_from,
            "valid_until": activity.valid_until,
            "code": activity.code,
        })
    form = ActivityForm(**kwargs)
    form.venue.choices = choices_of(community.venues, empty=_l("No venue"))
    form.grid.choices = choices_of(community.grids, empty=_l("Any grid"))
    return form


class RoleForm(FlaskForm):
    """A role of an activity; one minimum-level field per skill is added per community."""

    name = StringField(_l("Role"), validators=[DataRequired(_l("Enter the role's name.")), Length(max=100)])
    need = IntegerField(
        _l("People needed"),
        default=1,
        validators=[InputRequired(_l("Enter how many people are needed.")), in_range(0, 99)],
        invalid_value_message=WHOLE_NUMBER,
        widget=NumberInput(min=0, max=99),
    )
    max = IntegerField(
        _l("At most"),
        validators=[OptionalValue(), in_range(0, 99)],
        invalid_value_message=WHOLE_NUMBER,
        widget=NumberInput(min=0, max=99),
        description=_l("Empty: exactly the number needed."),
    )
    teams = MultiCheckboxField(
        _l("Only these teams"), coerce=int, description=_l("Leave all unticked to let any team take the role.")
    )
    continuity = BooleanField(_l("Keep the same person from week to week (a teacher of a class)"))

    def skill_fields(self) -> list:
        """The per-skill minimum level fields."""
        return [field for field in self if field.name.startswith("skill_")]

    def validate_max(self, field) -> None:
        """The maximum may not be below the number needed."""
        if field.data is not None and self.need.data is not None and field.data < self.need.data:
            raise ValidationError(_l("The maximum cannot be below the number needed."))

    def data_for(self, community: Community) -> RoleData:
        """The form's content as service data."""
        teams = set(self.teams.data or ())
        return RoleData(
            name=self.name.data or "",
            need=self.need.data or 0,
            max=self.max.data,
            skills={
                skill: self[f"skill_{skill.id}"].data
                for skill in community.skills
                if self[f"skill_{skill.id}"].data
            },
            teams=[team for team in community.teams if team.id in teams],
            continuity=bool(self.continuity.data),
        )


def role_form(community: Community, role: Optional[ActivityRole] = None, **kwargs) -> RoleForm:
    """A role form offering the community's skills and teams, filled from `role`."""

    class CommunityRoleForm(RoleForm):
        pass

    levels = {required.skill_id: required.min_level for required in role.skills} if role else {}
    for skill in community.skills:
        setattr(
            CommunityRoleForm,
            f"skill_{skill.id}",
            SelectField(skill.name, choices=MIN_LEVEL_CHOICES, coerce=int, default=levels.get(skill.id, 0)),
        )
    if role is not None:
        kwargs.setdefault("data", {
            "name": role.name,
            "need": role.need,
            "max": role.max,
            "continuity": role.continuity,
            "teams": [team.id for team in role.teams],
        })
    form = CommunityRoleForm(**kwargs)
    form.teams.choices = choices_of(community.teams)
    return form


class SupervisionForm(FlaskForm):
    """If someone of `team` serves, someone of `by_teams` must serve too."""

    team = SelectField(_l("When someone of this team serves"), coerce=int)
    by_teams = MultiCheckboxField(_l("someone of one of these teams must be there too"), coerce=int)


def supervision_form(community: Community, **kwargs) -> SupervisionForm:
    """A supervision form offering the community's teams."""
    form = SupervisionForm(**kwargs)
    form.team.choices = choices_of(community.teams)
    form.by_teams.choices = choices_of(community.teams)
    return form


class OneOffForm(FlaskForm):
    """A single extra shift of an activity on one day."""

    activity = SelectField(_l("Activity"), coerce=int)
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter the day."))], invalid_value_message=BAD_DATE)
    start_time = TimeField(
        _l("Starts at"), validators=[OptionalValue()], invalid_value_message=BAD_TIME,
        description=_l("Empty: the activity's usual time."),
    )
    end_time = TimeField(_l("Ends at"), validators=[OptionalValue()], invalid_value_message=BAD_TIME)
    title = StringField(
        _l("Title"), validators=[Length(max=200)], description=_l("Empty: the activity's title.")
    )

    def event_data(self) -> OneOffData:
        """The form's content as service data."""
        return OneOffData(
            day=self.day.data,
            start_time=self.start_time.data,
            end_time=self.end_time.data,
            title=self.title.data or "",
        )


def one_off_form(community: Community, activities, **kwargs) -> OneOffForm:
    """A one-off event form offering the community's active activities."""
    form = OneOffForm(**kwargs)
    form.activity.choices = choices_of([activity for activity in activities if activity.is_active], "title")
    return form


class CancelledDatesForm(FlaskForm):
    """A holiday: one day or a range, for every activity or one."""

    start_date = DateField(
        _l("From"), validators=[InputRequired(_l("Enter the first day."))], invalid_value_message=BAD_DATE
    )
    end_date = DateField(
        _l("To"), validators=[OptionalValue()], invalid_value_message=BAD_DATE,
        description=_l("Empty: only the first day."),
    )
    activity = SelectField(_l("Which activities"), coerce=int, default=0)
    reason = StringField(_l("Reason"), validators=[Length(max=200)], description=_l("For example: National Day."))


def cancelled_dates_form(community: Community, activities, **kwargs) -> CancelledDatesForm:
    """A holiday form offering "all activities" and each activity."""
    form = CancelledDatesForm(**kwargs)
    form.activity.choices = choices_of(activities, "title", empty=_l("All activities"))
    return form
