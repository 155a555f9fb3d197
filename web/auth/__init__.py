"""Accounts on the web: register, log in, log out; access decorators for other areas."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from web.context import add_nav_item

bp = Blueprint("auth", __name__)

add_nav_item("auth.register_choose", _l("Register"), audience="anonymous", order=900)
add_nav_item("auth.login", _l("Log in"), audience="anonymous", order=910)

from web.auth import routes  # noqa: E402,F401  (registers the views on bp)
