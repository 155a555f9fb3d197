"""Alembic migrations: they build exactly the models' schema, keep data, and form one line.

Every area adds its own migration chained after the latest one (``flask --app app db
migrate -m "..."`` after changing models); these tests then fail when a model change has no
migration, or when two migrations branch from the same parent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from scheduler import create_app
from scheduler.config import PROJECT_ROOT, normalise_database_url
from scheduler.extensions import db
from tests.conftest import TestDatabase, drop_postgresql_schema, postgresql_schema

FIRST_REVISION = "0001_foundation"


@pytest.fixture
def empty_database(database: TestDatabase, tmp_path: Path) -> Iterator[TestDatabase]:
    """A database without any table, on the backend of the session's `database`."""
    if database.backend == "sqlite":
        yield TestDatabase("sqlite", f"sqlite:///{tmp_path / 'migrated.sqlite'}")
        return
    url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    schema, options = postgresql_schema(url, prefix="migrations")
    yield TestDatabase("postgresql", url, options)
    drop_postgresql_schema(url, schema)


@pytest.fixture
def migrated_app(empty_database: TestDatabase):
    """An app on `empty_database`, inside an app context, before any migration ran."""
    app = create_app(empty_database.config())
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    """What autogenerate would change to go from the database to the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_exactly_the_models_schema(migrated_app):
    upgrade()
    assert schema_differences() == []


def test_downgrade_removes_everything_and_upgrade_rebuilds_it(migrated_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []


def test_later_migrations_keep_the_data_of_the_first(migrated_app):
    upgrade(revision=FIRST_REVISION)
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO communities (slug, name, timezone, withdraw_cutoff_hours, public_name_mode,"
            " address, contact, created_at)"
            " VALUES ('kept', '保留社区', 'Asia/Shanghai', 24, 'surname_title', '', '', CURRENT_TIMESTAMP)"
        ))
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM communities WHERE slug = 'kept'")).scalar() == "保留社区"


def test_migrations_form_a_single_line():
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads {heads}: chain your migration after the latest one"
