"""The volunteer scheduling service: the application factory.

``flask --app app ...`` finds `create_app` through the thin ``app.py``. Configuration comes
from `scheduler.config` defaults, then ``instance/config.py``, then the environment
(``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL``, ``HTTPS``); a test passes a mapping
instead of the last two.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any, Mapping, Optional

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from scheduler import config as settings
from scheduler.extensions import babel, csrf, db, login_manager, migrate

log = logging.getLogger(__name__)

#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
SQLITE_BEGIN_IMMEDIATE = "sqlite_begin_immediate"


def create_app(
    test_config: Optional[Mapping[str, Any]] = None, instance_path: Optional[str] = None
) -> Flask:
    """Build the Flask application.

    `test_config` replaces ``instance/config.py`` and the environment (as in flaskr).
    `instance_path` defaults to ``instance/`` in the project.
    """
    app = Flask(
        __name__,
        instance_path=instance_path or str(settings.PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(settings.PROJECT_ROOT / "web" / "templates"),
        static_folder=str(settings.PROJECT_ROOT / "web" / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(settings.from_environment(os.environ))
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)
    settings.finalise(app.config)

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _init_extensions(app)
    _init_web(app)
    return app


def _init_extensions(app: Flask) -> None:
    from scheduler import accounts, cli, models, planning_models  # noqa: F401  (register tables)
    from web.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    accounts.init_login(login_manager)
    cli.init_app(app)


def _init_web(app: Flask) -> None:
    import web

    web.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, let readers run beside a writer, and own BEGIN."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we emit BEGIN
    # in `_sqlite_on_begin` instead (the SQLAlchemy documentation's recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    """Start SQLite transactions; ``BEGIN IMMEDIATE`` when `SQLITE_BEGIN_IMMEDIATE` is set.

    Code that reads then writes under contention (a sign-up counting free places) asks for
    ``db.session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})`` as the first
    statement of its transaction, so two writers serialise instead of deadlocking.
    """
    if connection.dialect.name != "sqlite":
        return
    immediate = connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
