"""The home page and the language switch."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from web.main import routes  # noqa: E402,F401  (registers the views on bp)
