"""The web layer: one blueprint per area, registered by `init_app`.

To add an area: create ``web/<area>/`` with a ``bp`` blueprint, its forms and routes,
templates in ``web/templates/<area>/`` and a catalogue in ``web/<area>/translations``;
register the blueprint below and, if it has pages for the header, call
`web.nav.add_nav_item` from its ``__init__``.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from web import context
from web.i18n import available_locales, html_lang

ERROR_TEXTS = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You are not allowed to see this page."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    413: _l("What you sent is too large. Please send a smaller file."),
    429: _l("Too many attempts. Please wait a while and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
}


def init_app(app: Flask) -> None:
    """Register blueprints, template helpers and error pages."""
    from web.admin import bp as admin_bp
    from web.auth import bp as auth_bp
    from web.feeds import bp as feeds_bp
    from web.main import bp as main_bp
    from web.planning import bp as planning_bp
    from web.volunteer import bp as volunteer_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(planning_bp, url_prefix="/planning")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(volunteer_bp, url_prefix="/volunteer")

    app.register_blueprint(feeds_bp)

    app.context_processor(_template_globals)
    app.before_request(_refuse_oversized_body)
    app.register_error_handler(HTTPException, _http_error)


def _template_globals() -> dict:
    from flask_babel import get_locale

    locale = get_locale()
    return {
        "current_community": context.current_community(),
        "nav_items": context.visible_nav_items(),
        "languages": available_locales(),
        "current_locale": str(locale),
        "html_lang": html_lang(locale),
    }


def _refuse_oversized_body() -> None:
    """Answer 413 to a body declared larger than ``MAX_CONTENT_LENGTH`` before any view runs,
    also for views that never read it (Werkzeug refuses a body only when it is parsed; a
    chunked body without a length is still cut off there)."""
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def _http_error(error: HTTPException):
    code = error.code or 500
    text = ERROR_TEXTS.get(code) or error.description
    return render_template("errors/error.html", code=code, text=text), code
