"""Language selection: Chinese (zh_Hans) first, English on request.

The choice is kept in the session, and on the account of a logged-in user so it follows
them to another phone.
"""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_login import current_user

SESSION_KEY = "locale"


def available_locales() -> dict[str, str]:
    """Locale code -> name of the language in itself."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The locale of this request: the user's choice, else the session's, else the default."""
    locales = available_locales()
    if not has_request_context():  # CLI commands and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if chosen in locales:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(locale: str) -> str:
    """The BCP 47 tag for an HTML ``lang`` attribute (``zh_Hans`` -> ``zh-Hans``)."""
    return str(locale).replace("_", "-")


def compile_catalogues(root) -> list[str]:
    """Compile every ``web/*/translations/*/LC_MESSAGES/messages.po`` whose ``.mo`` is stale.

    `make setup` does the same with pybabel; this lets ``pytest`` run on a fresh clone too.
    Returns the compiled paths.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po_path in sorted(Path(root).glob("web/*/translations/*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        compiled.append(str(mo_path))
    return compiled
