"""Run Mozilla's ICAL.js (npm ``ical.js``, pinned in ``package.json``) on a feed with node.

`parse_with_icaljs` installs the package on first use (``npm ci`` into
``tests/feeds/node_modules``, which git ignores), so a bare ``pytest`` on a clean clone
works; ``make setup`` does the same ahead of time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parent
SCRIPT = HARNESS / "parse_feed.mjs"
PACKAGE = HARNESS / "node_modules" / "ical.js" / "package.json"


def node_or_fail() -> str:
    """The node executable; a missing node fails under CI=true, else skips."""
    node = shutil.which("node")
    if node is None:
        message = "node is missing (apt-get install nodejs npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return node


def ensure_icaljs() -> None:
    """Install the pinned ical.js with ``npm ci`` unless it is already there."""
    if PACKAGE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: cannot install ical.js for the feed tests")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HARNESS, check=True, timeout=300,
    )


def parse_with_icaljs(data: bytes) -> dict:
    """The feed as ICAL.js reads it (see ``parse_feed.mjs`` for the fields)."""
    node = node_or_fail()
    ensure_icaljs()
    result = subprocess.run(
        [node, str(SCRIPT)],
        input=data,
        capture_output=True,
        cwd=HARNESS,
        env={**os.environ, "TZ": "UTC"},
        timeout=60,
    )
    if result.returncode != 0:
        raise AssertionError(f"ICAL.js failed: {result.stderr.decode('utf-8', 'replace')}")
    return json.loads(result.stdout)
