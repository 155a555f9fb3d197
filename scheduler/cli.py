"""Command-line commands registered on the app (``flask --app app COMMAND``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands."""
