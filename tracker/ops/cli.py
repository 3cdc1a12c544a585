"""`tracker backup`, `tracker restore`, `tracker audit verify` and `tracker audit rekey`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.core.clock import utcnow
from tracker.core.db import get_engine, session_scope
from tracker.core.i18n import CommandError, speaks_language
from tracker.core.i18n import service_gettext as _
from tracker.ops import audit
from tracker.ops import backup as backups
from tracker.tickets.chain import current_keys


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file to write (default: tracker-<UTC time>.sqlite3|.pgdump here).",
)
@with_appcontext
@speaks_language
def backup_command(output: Path | None) -> None:
    """Back up the database while the server runs (SQLite backup API or pg_dump)."""
    url = current_app.config["DATABASE_URL"]
    target = output or Path(backups.default_backup_name(url, utcnow()))
    try:
        written = backups.backup(url, target)
    except backups.BackupError as exc:
        raise CommandError(str(exc)) from exc
    click.echo(
        _(
            "backup written to %(path)s (%(size)d bytes)",
            path=written,
            size=written.stat().st_size,
        )
    )


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@speaks_language
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with a backup made by `tracker backup`. Stop the server first."""
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(
            _(
                "Replace the database %(url)s with %(source)s?",
                url=repr(get_engine().url),
                source=source,
            ),
            abort=True,
        )
    get_engine().dispose()
    try:
        backups.restore(url, source)
    except backups.BackupError as exc:
        raise CommandError(str(exc)) from exc
    click.echo(
        _(
            "database restored from %(source)s; run `tracker db upgrade` if it is older",
            source=source,
        )
    )


@click.group("audit")
def audit_group() -> None:
    """Check the integrity of the ticket history."""


@audit_group.command("verify")
@click.option(
    "--skip-files", is_flag=True, help="Check attachment rows only, not the stored files."
)
@with_appcontext
@speaks_language
def audit_verify(skip_files: bool) -> None:
    """Check every ticket's keyed history chain, its row and its files; exit 1 on any break."""
    keys = current_keys()
    if keys.derived:
        click.echo(
            _("warning: AUDIT_KEY is not set; the chain's key is derived from SECRET_KEY"),
            err=True,
        )
    upload_dir = None if skip_files else current_app.config["UPLOAD_DIR"]
    with session_scope(current_app, write=False) as session:
        result = audit.verify_chain(session, keys, upload_dir=upload_dir)
    if result.ok:
        click.echo(
            _(
                "ok: %(events)d events of %(tickets)d tickets, every chain intact "
                "(%(files)d files checked)",
                events=result.events,
                tickets=result.tickets,
                files=result.files,
            )
        )
        return
    for found in result.breaks:
        click.echo(_("BROKEN %(history)s", history=found.describe()), err=True)
    click.echo(_("%(count)d broken ticket histories", count=len(result.breaks)), err=True)
    raise SystemExit(1)


@audit_group.command("rekey")
@with_appcontext
@speaks_language
def audit_rekey() -> None:
    """Re-MAC every history with AUDIT_KEY, once it verifies under AUDIT_KEY or a previous key.

    Key rotation: set the new AUDIT_KEY, move the old one to AUDIT_PREVIOUS_KEYS, restart, run
    this, then drop the old key. A history that does not verify is left alone and named.
    """
    keys = current_keys()
    with session_scope(current_app) as session:
        result = audit.verify_chain(session, keys, upload_dir=None)
        if not result.ok:
            for found in result.breaks:
                click.echo(_("BROKEN %(history)s", history=found.describe()), err=True)
            raise CommandError(_("the history does not verify: nothing was re-keyed"))
        events = audit.rekey(session, keys.current)
    click.echo(
        _(
            "re-keyed %(events)d events of %(tickets)d tickets with the current AUDIT_KEY",
            events=events,
            tickets=result.tickets,
        )
    )
