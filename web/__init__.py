"""The web layer: one blueprint per area, registered by `init_app`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register blueprints, template helpers and error pages."""
