"""`tracker reports rebuild-rollup` and `tracker reports check-rollup` (operators)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.core.db import session_scope
from tracker.core.i18n import service_gettext as _
from tracker.core.i18n import speaks_language
from tracker.reports import cache, rollup


@click.group("reports")
def reports_group() -> None:
    """The dashboard's rollup tables (kept by database triggers)."""


@reports_group.command("rebuild-rollup")
@with_appcontext
@speaks_language
def rebuild_rollup() -> None:
    """Recompute the rollups from the tickets, in one transaction."""
    with session_scope(current_app) as session:
        made = rollup.rebuild(session)
    cache.clear()
    for table, rows, tickets in made:
        click.echo(
            _(
                "%(table)s: %(rows)d rows from %(tickets)d tickets",
                table=table,
                rows=rows,
                tickets=tickets,
            )
        )


@reports_group.command("check-rollup")
@with_appcontext
@speaks_language
def check_rollup() -> None:
    """Compare the rollups with the tickets; exit 1 naming the first differing row."""
    with session_scope(current_app) as session:
        rows, found = rollup.differences(session)
    if not found:
        click.echo(_("ok: %(rows)d rollup rows match the tickets", rows=rows))
        return
    click.echo(_("DIFFERENT %(row)s", row=found[0].describe()), err=True)
    click.echo(
        _(
            "%(count)d rollup rows differ; `tracker reports rebuild-rollup` recomputes them",
            count=len(found),
        ),
        err=True,
    )
    raise SystemExit(1)
