"""`tracker reports rebuild-rollup` and `tracker reports check-rollup` (operators)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.db import session_scope
from tracker.reports import cache, rollup


@click.group("reports")
def reports_group() -> None:
    """The dashboard's rollup tables (kept by database triggers)."""


@reports_group.command("rebuild-rollup")
@with_appcontext
def rebuild_rollup() -> None:
    """Recompute the rollups from the tickets, in one transaction."""
    with session_scope(current_app) as session:
        made = rollup.rebuild(session)
    cache.clear()
    for table, rows, tickets in made:
        click.echo(f"{table}: {rows} rows from {tickets} tickets")


@reports_group.command("check-rollup")
@with_appcontext
def check_rollup() -> None:
    """Compare the rollups with the tickets; exit 1 naming the first differing row."""
    with session_scope(current_app) as session:
        rows, found = rollup.differences(session)
    if not found:
        click.echo(f"ok: {rows} rollup rows match the tickets")
        return
    click.echo(f"DIFFERENT {found[0].describe()}", err=True)
    click.echo(
        f"{len(found)} rollup rows differ; `tracker reports rebuild-rollup` recomputes them",
        err=True,
    )
    raise SystemExit(1)
