"""The volunteer's own pages: "my schedule", open shifts, signing up and withdrawing, and
the profile (details, skills, weekly availability, leave, limits, liked activities,
calendar import).

Every view is ``@volunteer_required``; rules live in the services (`scheduler.signup`,
`scheduler.profiles`, `scheduler.availability`, `scheduler.ics_import`).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from web.context import add_nav_item

bp = Blueprint("volunteer", __name__)

add_nav_item("volunteer.index", _l("My schedule"), audience="volunteer", order=10)
add_nav_item("volunteer.shifts", _l("Open shifts"), audience="volunteer", order=20)
add_nav_item("volunteer.profile", _l("My profile"), audience="volunteer", order=30)

from web.volunteer import profile, routes  # noqa: E402,F401  (register the views on bp)
