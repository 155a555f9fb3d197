"""Views of the main area: home page and language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, redirect, render_template, session, url_for
from flask_login import current_user

from scheduler.extensions import db
from web.i18n import SESSION_KEY, available_locales
from web.main import bp
from web.main.forms import LanguageForm


@bp.get("/")
def index():
    """The home page: what the service is, and the way in."""
    return render_template("main/index.html")


@bp.post("/language/<locale>")
def set_language(locale: str):
    """Switch the interface language; kept in the session and on the account."""
    if locale not in available_locales():
        abort(404)
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("main.index"))


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (no scheme, no host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    # Browsers read "//host" and "/\\host" as another site.
    if target.startswith("//") or "\\" in target:
        return None
    return target


@bp.get("/healthz")
def health():
    """Liveness probe for a process manager."""
    return {"status": "ok"}
