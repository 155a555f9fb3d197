"""Request context helpers: the community being shown and the header's navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import func, select

from scheduler.communities import community_by_slug
from scheduler.extensions import db
from scheduler.models import Community

Audience = Literal["everyone", "anonymous", "volunteer", "coordinator"]


@dataclass(frozen=True)
class NavItem:
    """A link in the header: `endpoint` (no arguments), a lazy-translated `label`."""

    endpoint: str
    label: object
    audience: Audience = "everyone"
    order: int = 100


_NAV_ITEMS: list[NavItem] = []


def add_nav_item(endpoint: str, label, *, audience: Audience = "everyone", order: int = 100) -> None:
    """Show a link in the header to `audience` (call once, at import of a blueprint)."""
    item = NavItem(endpoint, label, audience, order)
    if item.endpoint not in {existing.endpoint for existing in _NAV_ITEMS}:
        _NAV_ITEMS.append(item)


def visible_nav_items() -> list[NavItem]:
    """The header links for the current visitor, in order, of registered endpoints only."""
    if not current_user.is_authenticated:
        audiences = {"everyone", "anonymous"}
    elif current_user.is_coordinator:
        audiences = {"everyone", "coordinator"}
    else:
        audiences = {"everyone", "volunteer"}
    endpoints = current_app.view_functions
    return sorted(
        (item for item in _NAV_ITEMS if item.audience in audiences and item.endpoint in endpoints),
        key=lambda item: item.order,
    )


def current_community() -> Optional[Community]:
    """The community of the logged-in user, else the configured default, else the only one."""
    if "community" in g:
        return g.community
    community: Optional[Community] = None
    if current_user.is_authenticated:
        community = current_user.community
    else:
        community = community_by_slug(current_app.config["DEFAULT_COMMUNITY"])
        if community is None and db.session.scalar(select(func.count()).select_from(Community)) == 1:
            community = db.session.scalar(select(Community))
    g.community = community
    return community
