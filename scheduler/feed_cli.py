"""``flask feeds ...``: bring the calendar feeds' ledger up to date by hand or from cron."""

from __future__ import annotations

import click

from scheduler.communities import community_by_slug
from scheduler.extensions import db
from scheduler.feed_ledger import reconcile_community
from scheduler.models import Community


@click.group("feeds")
def feeds_cli() -> None:
    """Calendar feeds."""


@feeds_cli.command("reconcile")
@click.argument("slug", required=False)
def reconcile_command(slug: str | None) -> None:
    """Compare every feed of the community SLUG (default: all) with the live tables."""
    if slug:
        community = community_by_slug(slug)
        if community is None:
            raise click.BadParameter(f"no community {slug!r}", param_hint="SLUG")
        communities = [community]
    else:
        communities = list(db.session.scalars(db.select(Community).order_by(Community.id)))
    for community in communities:
        changed = reconcile_community(community)
        click.echo(f"{community.slug}: {len(changed)} feeds changed")
