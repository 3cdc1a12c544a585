"""`tracker backup`, `tracker restore` and `tracker audit verify`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.clock import utcnow
from tracker.db import get_engine, session_scope
from tracker.ops import audit
from tracker.ops import backup as backups


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file to write (default: tracker-<UTC time>.sqlite3|.pgdump here).",
)
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Back up the database while the server runs (SQLite backup API or pg_dump)."""
    url = current_app.config["DATABASE_URL"]
    target = output or Path(backups.default_backup_name(url, utcnow()))
    try:
        written = backups.backup(url, target)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {written} ({written.stat().st_size} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with a backup made by `tracker backup`. Stop the server first."""
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(f"Replace the database {get_engine().url!r} with {source}?", abort=True)
    get_engine().dispose()
    try:
        backups.restore(url, source)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database restored from {source}; run `tracker db upgrade` if it is older")


@click.group("audit")
def audit_group() -> None:
    """Check the integrity of the ticket history."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every ticket's event hash chain; exit 1 naming the first broken event."""
    with session_scope(current_app, write=False) as session:
        result = audit.verify_chain(session)
    if result.ok:
        click.echo(f"ok: {result.events} events of {result.tickets} tickets, every chain intact")
        return
    for found in result.breaks or []:
        click.echo(f"BROKEN {found.describe()}", err=True)
    click.echo(f"{len(result.breaks or [])} broken ticket histories", err=True)
    raise SystemExit(1)
