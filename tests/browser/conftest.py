"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

- ``live_server`` (session): the app served by `tests.live_server.running_server`, on its
  own SQLite file built by the real migrations, CSRF on, as in production.
- ``server`` (per test): the same server with its tables emptied first; seed data with
  ``with server.app.app_context(): ...; db.session.commit()``.
- ``page`` (per test): a fresh browser context (phone-sized, Chinese locale) and page.

Without /usr/bin/chromium the tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from flask_migrate import upgrade

from scheduler import create_app
from scheduler.extensions import db
from tests.conftest import BASE_TEST_CONFIG, empty_all_tables
from tests.live_server import LiveServer, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
#: Playwright's default wait, in milliseconds; the machine is shared and slow at times.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The Chromium binary, or a skip (a failure under CI=true) when it is missing."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    """A headless Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The real app on a migrated SQLite file, served in a thread."""
    path = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    app = create_app({
        **BASE_TEST_CONFIG,
        "TESTING": False,
        "WTF_CSRF_ENABLED": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
    })
    with app.app_context():
        upgrade()
        db.engine.dispose()
    with running_server(app) as server:
        yield server


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server on emptied tables."""
    with live_server.app.app_context():
        empty_all_tables("sqlite")
    return live_server


@pytest.fixture
def page(browser, server: LiveServer):
    """A new phone-sized page in Chinese; relative URLs go to the live server."""
    context = browser.new_context(
        base_url=server.url, locale="zh-CN", viewport=PHONE, timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
