"""Access control for views of other areas, kept in one place.

``@coordinator_required`` closes a view to visitors (sent to log in), volunteers (403) and
coordinators of another community (403). A view whose URL has a ``<community>`` slug gets
the `Community` object in that argument instead of the slug.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort, current_app, g
from flask_login import current_user

from scheduler.communities import community_by_slug
from scheduler.extensions import db

View = TypeVar("View", bound=Callable)


def coordinator_required(view: View) -> View:
    """Only coordinators, and only of the community in the URL (if the URL names one)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_coordinator:
            abort(403)
        if "community" in kwargs:
            community = community_by_slug(kwargs["community"])
            # 403, not 404: do not tell outsiders which communities exist.
            if community is None or not current_user.coordinates(community):
                abort(403)
            kwargs["community"] = community
            g.community = community
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def volunteer_required(view: View) -> View:
    """Only logged-in volunteers (accounts with a volunteer profile)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if current_user.profile is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def community_object_or_404(model, object_id: int):
    """The `model` row with `object_id` if it belongs to the current user's community.

    For models with a ``community_id`` column; anything else is a 404, so ids of other
    communities cannot be probed.
    """
    obj = db.session.get(model, object_id)
    if obj is None or obj.community_id != current_user.community_id:
        abort(404)
    return obj
