"""Loopback load test of the feeds: gunicorn serving the app, wrk asking for feeds.

`load_test` starts ``gunicorn 'app:create_app()'`` on 127.0.0.1 against the benchmark's
database, warms each feed once (so the ledger's event cache is filled, as in steady
state), then runs wrk for a full build (no validator) and for a 304 (``If-None-Match``
with the feed's ETag), and returns a table of requests per second and latencies.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from bench.stats import Column, fmt_float, format_table

PROJECT = Path(__file__).resolve().parent.parent
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_app():
    """The app as ``make run`` serves it, with links in feeds based on ``$FEED_BASE_URL`` (the
    address the in-process measurements used, so the cached events serve both)."""
    from scheduler import create_app

    app = create_app()
    app.config["FEED_BASE_URL"] = os.environ["FEED_BASE_URL"]
    return app


@contextmanager
def gunicorn(database_uri: str, *, base_url: str, workers: int = 2) -> Iterator[str]:
    """The app served by gunicorn on a free loopback port; yields its address."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_uri, "SECRET_KEY": "bench-secret", "FEED_BASE_URL": base_url}
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.feeds_load:bench_app()"]
    process = subprocess.Popen(command, cwd=PROJECT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:  # refused, reset or timed out while starting
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        return response.headers["ETag"]


def wrk(url: str, *, seconds: int, etag: Optional[str] = None, connections: int = 8) -> dict:
    """Run wrk on `url`; returns requests/s, p50 and p99 in ms, and failed responses."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(output)}
    failures = sum(int(n) for n, _ in _ERRORS.findall(output) if n)
    socket_errors = [text for _, text in _ERRORS.findall(output) if text]
    return {"rate": float(_RATE.search(output).group(1)), "p50": percentiles.get(50), "p99": percentiles.get(99),
            "failed": failures, "socket_errors": "; ".join(socket_errors)}


def load_test(database_uri: str, workdir: str, token: str, *, base_url: str, seconds: int = 10,
              workers: int = 2) -> str:
    """Requests per second of full and conditional feed requests, as a table."""
    if shutil.which("wrk") is None:
        return "load test skipped: wrk is not installed (apt-get install wrk)"
    rows = []
    with gunicorn(database_uri, base_url=base_url, workers=workers) as base:
        for label, path in (("volunteer (busiest)", f"/feeds/volunteer/{token}.ics"),
                            ("community (all)", "/feeds/community/jiangpan.ics")):
            url = base + path
            etag = _etag(url)
            _etag(url)  # a second request: every event is cached now
            for kind, validator in (("200 full", None), ("304", etag)):
                result = wrk(url, seconds=seconds, etag=validator)
                rows.append((label, kind, result["rate"], result["p50"], result["p99"], result["failed"]))
    table = format_table(
        [Column("gunicorn + wrk, loopback", align="<"), Column("response", align="<"), Column("req/s", fmt_float(0)),
         Column("p50 ms", fmt_float(1)), Column("p99 ms", fmt_float(1)), Column("non-2xx/3xx", str)],
        rows,
    )
    return (f"{table}\n({workers} sync workers, wrk -t2 -c8 -d{seconds}s on the same {os.cpu_count()} cores; "
            f"workdir {workdir})")
