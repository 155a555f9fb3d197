"""The factory's configuration: defaults, then instance/config.py, then the environment."""

from __future__ import annotations

import stat

import pytest

from scheduler import create_app
from scheduler.config import normalise_database_url

ENVIRONMENT = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "HTTPS")


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db:5432/app", "postgresql+psycopg://u:p@db:5432/app"),
        ("postgres://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:////srv/app.sqlite", "sqlite:////srv/app.sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg_3(given, used):
    assert normalise_database_url(given) == used


def test_defaults_put_sqlite_and_a_generated_secret_in_the_instance_folder(clean_environment, tmp_path):
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'scheduler.sqlite'}"
    key_file = tmp_path / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text().strip() and len(app.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(instance_path=str(tmp_path)).config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_Hans"


def test_the_environment_overrides_the_instance_file(clean_environment, tmp_path):
    (tmp_path / "config.py").write_text(
        'SECRET_KEY = "from-file"\nPASSWORD_MIN_LENGTH = 10\n'
        'SQLALCHEMY_DATABASE_URI = "postgresql://file@db/app"\n'
    )
    from_file = create_app(instance_path=str(tmp_path))
    assert from_file.config["SECRET_KEY"] == "from-file"
    assert from_file.config["PASSWORD_MIN_LENGTH"] == 10
    assert from_file.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://file@db/app"

    clean_environment.setenv("SECRET_KEY", "from-environment")
    clean_environment.setenv("DATABASE_URL", "postgresql://env@db/app")
    clean_environment.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    clean_environment.setenv("HTTPS", "1")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://env@db/app"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["PREFERRED_URL_SCHEME"] == "https"
    assert not (tmp_path / "secret_key").exists()


def test_a_test_mapping_replaces_file_and_environment(clean_environment, tmp_path):
    (tmp_path / "config.py").write_text('PASSWORD_MIN_LENGTH = 10\n')
    clean_environment.setenv("DATABASE_URL", "postgresql://env@db/app")
    app = create_app({"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["PASSWORD_MIN_LENGTH"] == 8
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_every_area_catalogue_is_found(app):
    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert any(d.endswith("web/auth/translations") for d in directories)
    assert any(d.endswith("web/main/translations") for d in directories)
