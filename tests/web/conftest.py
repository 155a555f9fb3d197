"""Helpers for HTTP tests of the web service (the app, client and factories are in
``tests/conftest.py``).

- ``login(client, user, password=DEFAULT_PASSWORD)`` logs in through the real form and
  fails the test if that does not work; ``logout(client)`` logs out.
- `field_errors(response)` maps each form field id to the error texts shown beside it.
- `page_text(response)` is the visible text of a page, for asserting on wording.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import DEFAULT_PASSWORD

_FIELD_ERRORS = re.compile(r'<ul class="field-errors" id="([^"]+)-errors">(.*?)</ul>', re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_TAG = re.compile(r"<[^>]+>")


def field_errors(response) -> dict[str, list[str]]:
    """Field id -> error messages rendered beside that field."""
    html = response.get_data(as_text=True)
    return {
        field_id: [unescape(item.strip()) for item in _ITEM.findall(body)]
        for field_id, body in _FIELD_ERRORS.findall(html)
    }


def page_text(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(_TAG.sub(" ", html))).strip()


@pytest.fixture
def login():
    """``login(client, user, password=DEFAULT_PASSWORD)``: log in through the form."""

    def log_in(client, user, password: str = DEFAULT_PASSWORD):
        response = client.post("/auth/login", data={"mobile": user.mobile, "password": password})
        assert response.status_code == 302, (
            f"log-in of {user.mobile} failed with {response.status_code}: {field_errors(response)}"
        )
        return response

    return log_in


@pytest.fixture
def logout():
    """``logout(client)``: log out (POST)."""

    def log_out(client):
        response = client.post("/auth/logout")
        assert response.status_code == 302
        return response

    return log_out
