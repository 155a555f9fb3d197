"""Helpers shared by the coordinator views."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_wtf import FlaskForm

from scheduler.admin import AdminError
from scheduler.extensions import db
from scheduler.models import Community

Row = TypeVar("Row")

#: Rows per page of long lists.
PAGE_SIZE = 25


def own_or_404(model: type[Row], row_id: int, community: Community) -> Row:
    """The `model` row `row_id` if it belongs to `community`; 404 otherwise (no probing)."""
    row = db.session.get(model, row_id)
    if row is None or getattr(row, "community_id", None) != community.id:
        abort(404)
    return row


def show_error(form: FlaskForm, error: AdminError, *, fallback: str = "name") -> None:
    """Put a refused change's message beside the field at fault (or `fallback`)."""
    field = form._fields.get(error.field) or form._fields.get(fallback)
    if field is None:  # pragma: no cover - every form has its fallback field
        raise error
    field.errors = list(field.errors) + [error.message]
