"""Language selection: Chinese (zh_Hans) first, English on request.

The choice is kept in the session, and on the account of a logged-in user so it follows
them to another phone.
"""

from __future__ import annotations

from flask import current_app, session
from flask_login import current_user

SESSION_KEY = "locale"


def available_locales() -> dict[str, str]:
    """Locale code -> name of the language in itself."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The locale of this request: the user's choice, else the session's, else the default."""
    locales = available_locales()
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if chosen in locales:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(locale: str) -> str:
    """The BCP 47 tag for an HTML ``lang`` attribute (``zh_Hans`` -> ``zh-Hans``)."""
    return str(locale).replace("_", "-")
