"""Forms of the main area."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    """The header's language switch: the button pressed names the locale."""

    next = HiddenField()
