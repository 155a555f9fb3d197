"""Command-line commands registered on the app (``flask --app app COMMAND``).

Each command is one transaction: it calls service verbs, then commits, or rolls back and
exits with status 1 and a message on standard error.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from scheduler import planning_cli
from scheduler.accounts import AccountError, create_coordinator
from scheduler.communities import community_by_slug, create_community
from scheduler.demo import DEMO_SEED, demo_exists, load_demo
from scheduler.extensions import db
from scheduler.models import Community


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(demo_command)
    app.cli.add_command(create_coordinator_command)
    app.cli.add_command(create_community_command)
    planning_cli.init_app(app)


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database has no community.")
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True, help="Random seed.")
def demo_command(if_empty: bool, seed: int) -> None:
    """Load the demo community (slug 'demo') and print logins to try it with."""
    if if_empty and db.session.scalar(select(func.count()).select_from(Community)):
        click.echo("The database already has data; the demo community was not loaded.")
        return
    if demo_exists():
        _fail("The demo community exists already.")
    logins = load_demo(seed=seed, today=date.today())
    db.session.commit()
    click.echo("Demo community 'demo' (滨河社区) loaded. Log in with:")
    for login in logins:
        click.echo(f"  {login.role:<12} {login.name:<6} mobile {login.mobile}  password {login.password}")


@click.command("create-coordinator")
@with_appcontext
@click.option("--community", "slug", required=True, help="Slug of the community.")
@click.option("--mobile", required=True, help="Mobile number, used to log in.")
@click.option("--name", required=True, help="Display name.")
@click.option("--password", help="Password; asked for when not given (safer: not in shell history).")
def create_coordinator_command(slug: str, mobile: str, name: str, password: Optional[str]) -> None:
    """Create a coordinator account for a community."""
    community = community_by_slug(slug)
    if community is None:
        _fail(f"No community with slug {slug!r}.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_coordinator(community, name=name, mobile=mobile, password=password)
    except AccountError as error:
        _fail(f"{error.field}: {error.message}")
    db.session.commit()
    click.echo(f"Coordinator {user.display_name} ({user.mobile}) created for {community.name}.")


@click.command("create-community")
@with_appcontext
@click.option("--slug", required=True, help="Short name used in URLs: lower-case letters, digits, '-'.")
@click.option("--name", required=True, help="Full name, e.g. 滨河社区.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def create_community_command(slug: str, name: str, timezone: str) -> None:
    """Create an empty community with the four default teams."""
    try:
        community = create_community(slug, name, timezone=timezone)
    except ValueError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Community {community.name} ({community.slug}) created.")
