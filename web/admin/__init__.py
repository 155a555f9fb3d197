"""Coordinator pages of one community: volunteers (with spreadsheet import and export),
activities with their recurrence, roles and supervision rules, venues, grids, teams,
skills, one-off events and cancelled dates.

Every URL carries the community's slug (``/admin/<community>/...``) and every view is
``@coordinator_required``: visitors are sent to log in, volunteers and coordinators of
another community get 403, and ids of another community's rows give 404.
"""

from flask import Blueprint, current_app, g
from flask_babel import lazy_gettext as _l

from web.context import add_nav_item

bp = Blueprint("admin", __name__)

add_nav_item("admin.index", _l("Community admin"), audience="coordinator", order=200)


@bp.url_defaults
def _community_slug(endpoint: str, values: dict) -> None:
    """Fill ``community`` in URLs of these pages from the community being shown."""
    if "community" in values or "community" not in g:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "community"):
        values["community"] = g.community.slug


from web.admin import activities, calendar, reference, volunteers  # noqa: E402,F401  (register views)
