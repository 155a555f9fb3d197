"""Forms for registering and logging in."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TelInput

from scheduler.accounts import is_valid_mobile, normalise_mobile, user_by_mobile
from scheduler.models import Community

#: Skill levels a volunteer can claim when registering (0: not at all).
SKILL_LEVEL_CHOICES = [
    SelectChoice(0, _l("Not at all")),
    SelectChoice(1, _l("Can help")),
    SelectChoice(2, _l("Experienced")),
    SelectChoice(3, _l("Can teach")),
]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as check boxes (easier on a phone than a list box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MobileField(StringField):
    """A mobile number: a telephone keyboard on phones, spaces and +86 removed."""

    widget = TelInput()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = normalise_mobile(self.data)


def _check_mobile_format(_form, field) -> None:
    if not is_valid_mobile(field.data or ""):
        raise ValidationError(_l("Enter an 11-digit mobile number starting with 1."))


class LoginForm(FlaskForm):
    """Mobile number and password."""

    mobile = MobileField(_l("Mobile number"), validators=[DataRequired(_l("Enter your mobile number."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Stay logged in on this device"))


class RegistrationForm(FlaskForm):
    """A new volunteer; skill fields are added per community by `registration_form`."""

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=100)],
    )
    mobile = MobileField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number.")), _check_mobile_format],
        description=_l("You log in with it. Coordinators may call you on it."),
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))])
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )
    teams = MultiCheckboxField(_l("Teams you belong to"), coerce=int)

    def validate_mobile(self, field) -> None:
        """Refuse a number that already has an account."""
        if is_valid_mobile(field.data or "") and user_by_mobile(field.data) is not None:
            raise ValidationError(_l("This mobile number is already registered."))

    def validate_password(self, field) -> None:
        """Refuse a password shorter than the configured minimum."""
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("Use at least %(count)d characters.", count=minimum))

    def skill_fields(self) -> list:
        """The per-skill level fields, in the community's order."""
        return [field for field in self if field.name.startswith("skill_")]


def registration_form(community: Community, **kwargs) -> RegistrationForm:
    """A registration form offering the teams and skills of `community`."""

    class CommunityRegistrationForm(RegistrationForm):
        pass

    for skill in community.skills:
        setattr(
            CommunityRegistrationForm,
            f"skill_{skill.id}",
            SelectField(skill.name, choices=SKILL_LEVEL_CHOICES, coerce=int, default=0),
        )
    form = CommunityRegistrationForm(**kwargs)
    form.teams.choices = [SelectChoice(team.id, team.name) for team in community.teams]
    return form
