"""A real HTTP server for tests that need one (browser tests, concurrent requests).

`running_server(app)` serves `app` with werkzeug's threaded server on a free loopback
port in a background thread, and stops it on exit.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from flask import Flask
from werkzeug.serving import make_server


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL (no trailing slash) and its app."""

    url: str
    app: Flask


@contextmanager
def running_server(app: Flask) -> Iterator[LiveServer]:
    """Serve `app` on 127.0.0.1 at a free port until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
