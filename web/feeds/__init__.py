"""Calendar feeds on the web: the ``.ics`` endpoints, the community's public calendar page,
and the volunteer's page to subscribe to their private feed.

Registering the blueprint enables feeds on the app (`scheduler.feeds.init_app`): the
ledger follows `scheduler.signals.schedule_changed`, and events link to the public shift
page here or, in a volunteer's own feed, to the volunteer area's shift page.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from scheduler import feeds
from scheduler.feed_desired import ShiftLinks
from web.context import add_nav_item

bp = Blueprint("feeds", __name__)

#: Where events link to: the public shift page, or the volunteer's own shift page.
SHIFT_LINKS = ShiftLinks(public_endpoint="feeds.shift_page", private_endpoints=("volunteer.shift",))

add_nav_item("feeds.subscribe", _l("My calendar"), audience="volunteer", order=40)
add_nav_item("feeds.calendars", _l("Calendars"), audience="everyone", order=60)


@bp.record_once
def _enable_feeds(state) -> None:
    feeds.init_app(state.app, SHIFT_LINKS)


from web.feeds import pages, serve  # noqa: E402,F401  (register the views on bp)
