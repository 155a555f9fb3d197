"""Configuration: defaults, then ``instance/config.py``, then the environment.

`create_app` applies these in that order; a test mapping replaces the last two.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any, Mapping

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"

#: Default cap on a request body: room for the largest upload (a 2 MB roster) and its form.
DEFAULT_MAX_CONTENT_LENGTH = 4 * 1024 * 1024

#: Environment variables read on top of the instance configuration.
ENVIRONMENT_KEYS = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "HTTPS")


def translation_directories(root: Path = PROJECT_ROOT) -> str:
    """Every ``translations`` catalogue directory of the web and domain packages.

    One catalogue per blueprint (``web/<area>/translations``) lets several people add
    strings at once; Flask-Babel merges them. Directories are found, not listed, so a new
    area only has to create its own.
    """
    found = sorted(str(path) for path in root.glob("web/*/translations") if path.is_dir())
    for extra in (root / "web" / "translations", root / "scheduler" / "translations"):
        if extra.is_dir():
            found.append(str(extra))
    return ";".join(found) or str(root / "web" / "main" / "translations")


def defaults(instance_path: str) -> dict[str, Any]:
    """The built-in settings: SQLite in the instance folder, safe cookies, Chinese first."""
    return {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "scheduler.sqlite"),
        "REDIS_URL": None,
        # Served over HTTPS: cookies get the Secure flag and external URLs use https.
        "HTTPS": False,
        # Number of reverse proxies in front whose X-Forwarded-* headers are trusted.
        "PROXY_COUNT": 0,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": translation_directories(),
        "LANGUAGES": {"zh_Hans": "中文", "en": "English"},
        "PASSWORD_MIN_LENGTH": 8,
        # argon2id cost (argon2-cffi's RFC 9106 low-memory defaults).
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST_KIB": 65536,
        "ARGON2_PARALLELISM": 4,
        # Failed log-ins allowed per account and per client address in the window.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,
        "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
        # The community shown to visitors who are not logged in.
        "DEFAULT_COMMUNITY": "demo",
        # Largest request body accepted (bytes); larger requests get 413 before they are read.
        # The largest uploads are a 2 MB roster and a 1 MB .ics file.
        "MAX_CONTENT_LENGTH": DEFAULT_MAX_CONTENT_LENGTH,
    }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL: ``postgres://`` and ``postgresql://`` are rewritten."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings taken from environment variables (only those that are set)."""
    settings: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("REDIS_URL"):
        settings["REDIS_URL"] = environ["REDIS_URL"]
    if environ.get("HTTPS"):
        settings["HTTPS"] = _truthy(environ["HTTPS"])
    return settings


def finalise(config: dict[str, Any]) -> None:
    """Derive dependent settings after every source was applied."""
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config.get("HTTPS"):
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # Writers wait for the lock instead of failing at once ("database is locked").
        options.setdefault("connect_args", {"timeout": 30})
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def instance_secret_key(instance_path: str) -> str:
    """The secret key stored in the instance folder, generated on first use (mode 0600)."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.info("generated a new secret key in %s", path)
    return key
