"""Coordinator pages of weekly planning: generate a week, auto-schedule it with a live
progress bar, review and edit the draft, publish numbered versions, re-plan.

URLs are ``/planning/<community>/<week>/...``; every view is ``@coordinator_required``, so
visitors are sent to log in and volunteers and other communities' coordinators get 403.
"""

from flask import Blueprint, current_app, g
from flask_babel import lazy_gettext as _l

from web.context import add_nav_item

bp = Blueprint("planning", __name__)

add_nav_item("planning.home", _l("Weekly schedule"), audience="coordinator", order=210)


@bp.url_defaults
def _fill_slugs(endpoint: str, values: dict) -> None:
    """Fill ``community`` and ``week`` in URLs of these pages from the page being shown."""
    for key in ("community", "week"):
        if key in values or key not in g:
            continue
        if current_app.url_map.is_endpoint_expecting(endpoint, key):
            values[key] = g.community.slug if key == "community" else g.week


from web.planning import routes  # noqa: E402,F401  (registers the views on bp)
