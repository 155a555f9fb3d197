"""Concurrent sign-ups against the real server: gunicorn, several worker processes with
threads each, on the session's database (SQLite file, and PostgreSQL when
TEST_DATABASE_URL is set).

Every volunteer logs in through the real form with a real CSRF token; then all of them
press "sign up" at the same moment (a barrier releases the threads together). The role
has 3 places: exactly 3 must be confirmed, everyone else waitlisted, nobody lost, and no
request may fail. Double clicks (the same form sent many times at once, and two roles of
one shift at once) must leave a single sign-up.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.cookiejar import CookieJar
from typing import Iterator

import pytest

from scheduler.config import PROJECT_ROOT
from scheduler.extensions import db
from scheduler.models import SignUp, SignUpStatus
from tests.conftest import DEFAULT_PASSWORD, TestDatabase

VOLUNTEERS = 50
PLACES = 3
GUNICORN = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(database: TestDatabase, *, workers: int = 3, threads: int = 8) -> Iterator[str]:
    """gunicorn serving the real app on `database`; yields its base URL."""
    port = free_port()
    config = database.config(WTF_CSRF_ENABLED=True, TESTING=False)
    env = {**os.environ, "LIVE_APP_CONFIG": json.dumps(config), "PYTHONPATH": str(PROJECT_ROOT)}
    command = [
        str(GUNICORN) if GUNICORN.exists() else sys.executable + " -m gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread",
        "--timeout", "120",
        "--log-level", "warning",
        "tests.web.concurrency_app:app",
    ]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        # Anything the server logged at warning level or above is a fault of this test.
        errors = [line for line in output.decode(errors="replace").splitlines() if "Traceback" in line or "ERROR" in line]
        assert not errors, output.decode(errors="replace")


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stdout.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Browser:
    """One visitor: its own cookies, like one phone."""

    base: str

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def csrf_token(self, path: str) -> str:
        status, html = self.request(path)
        assert status == 200, (path, status)
        return _CSRF.search(html).group(1)

    def log_in(self, mobile: str) -> None:
        token = self.csrf_token("/auth/login")
        status, body = self.request("/auth/login", {"csrf_token": token, "mobile": mobile, "password": DEFAULT_PASSWORD})
        assert status == 302, (mobile, status, body[:300])


def fire_together(actions) -> list:
    """Run the callables in threads released at the same moment; their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:  # recorded and asserted on by the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def open_sign_ups() -> list[SignUp]:
    # End the test's own transaction first: on SQLite (WAL) it would still read its snapshot.
    db.session.rollback()
    return db.session.query(SignUp).filter(SignUp.status != SignUpStatus.WITHDRAWN).all()


@pytest.fixture
def soon(community):
    return community.local_now().date() + timedelta(days=5)


def test_fifty_people_at_once_on_three_places(database, make_volunteer, make_shift, soon):
    shift = make_shift(day=soon, roles=[{"name": "志愿者", "need": PLACES}])
    role_id, shift_id = shift.roles[0].id, shift.id
    people = [make_volunteer() for _ in range(VOLUNTEERS)]
    mobiles = [person.mobile for person in people]  # threads have no app context to load them
    db.session.commit()

    with gunicorn_server(database) as url:
        browsers = [Browser(url) for _ in people]
        logins = fire_together([lambda b=b, m=m: b.log_in(m) for b, m in zip(browsers, mobiles)])
        assert logins == [None] * VOLUNTEERS
        tokens = [b.csrf_token(f"/volunteer/shifts/{shift_id}") for b in browsers]
        results = fire_together([
            lambda b=b, t=t: b.request(f"/volunteer/roles/{role_id}/sign-up", {"csrf_token": t})
            for b, t in zip(browsers, tokens)
        ])

    assert [r if isinstance(r, Exception) else r[0] for r in results] == [302] * VOLUNTEERS
    rows = open_sign_ups()
    statuses = [row.status for row in rows]
    assert len(rows) == VOLUNTEERS, "every sign-up is kept"
    assert statuses.count(SignUpStatus.CONFIRMED) == PLACES
    assert statuses.count(SignUpStatus.WAITLISTED) == VOLUNTEERS - PLACES
    assert sorted(row.volunteer_id for row in rows) == sorted(p.profile.id for p in people)
    # Confirmed places went to the first committed, so nobody waitlisted signed up earlier.
    first_waiting = min(row.created_at for row in rows if row.status == SignUpStatus.WAITLISTED)
    assert all(row.created_at <= first_waiting for row in rows if row.status == SignUpStatus.CONFIRMED)


def test_double_clicks_make_one_sign_up(database, make_volunteer, make_shift, soon):
    shift = make_shift(day=soon, roles=[{"name": "甲", "need": 2}, {"name": "乙", "need": 2}])
    first_role, second_role = shift.roles[0].id, shift.roles[1].id
    clicker, switcher = make_volunteer(), make_volunteer()
    shift_id = shift.id
    db.session.commit()

    with gunicorn_server(database) as url:
        same_form, both_roles = Browser(url), Browser(url)
        same_form.log_in(clicker.mobile)
        both_roles.log_in(switcher.mobile)
        token = same_form.csrf_token(f"/volunteer/shifts/{shift_id}")
        other_token = both_roles.csrf_token(f"/volunteer/shifts/{shift_id}")
        clicks = [lambda: same_form.request(f"/volunteer/roles/{first_role}/sign-up", {"csrf_token": token})] * 10
        clicks += [
            lambda role=role: both_roles.request(f"/volunteer/roles/{role}/sign-up", {"csrf_token": other_token})
            for role in (first_role, second_role) * 5
        ]
        results = fire_together(clicks)

    assert [r if isinstance(r, Exception) else r[0] for r in results] == [302] * 20
    rows = open_sign_ups()
    by_volunteer = {}
    for row in rows:
        by_volunteer.setdefault(row.volunteer_id, []).append(row)
    assert [(r.shift_role_id, r.status) for r in by_volunteer[clicker.profile.id]] == [
        (first_role, SignUpStatus.CONFIRMED)
    ]
    assert len(by_volunteer[switcher.profile.id]) == 1, "one role per shift, whatever the race"
    assert by_volunteer[switcher.profile.id][0].status == SignUpStatus.CONFIRMED
