"""Thin entry point: ``flask --app app run`` finds `create_app` here."""

from scheduler import create_app

__all__ = ["create_app"]
