"""The `tracker` command: Flask's group (run, shell, routes) plus the tracker's own commands."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from tracker import create_app, migrate
from tracker.core.config import ConfigError
from tracker.core.i18n import service_gettext as _
from tracker.core.i18n import speaks_language


def _create_app() -> Flask:
    """The app, or a one-line "Error: KEY: problem" (not a traceback) when settings are wrong."""
    try:
        return create_app()
    except ConfigError as exc:
        raise NoAppException(str(exc)) from exc


class TrackerGroup(FlaskGroup):
    """Flask's group, with a workflow check before the commands that start serving or working."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from tracker.workflow.cli import GUARDED_COMMANDS, guarded

        command = super().get_command(ctx, name)
        if command is not None and name in GUARDED_COMMANDS:
            return guarded(command)
        return command


cli = TrackerGroup(create_app=_create_app, help="Inspection findings tracker (督查发现问题整改).")


@cli.group("db")
def db_group() -> None:
    """Create or migrate the database (Alembic)."""


def _say_revision() -> None:
    revision = migrate.current_revision(current_app)
    click.echo(_("database at revision %(revision)s", revision=revision))


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
@speaks_language
def db_upgrade(revision: str) -> None:
    """Create or migrate the database to the latest schema (idempotent)."""
    migrate.upgrade(current_app, revision)
    _say_revision()


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
@speaks_language
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(current_app, revision)
    _say_revision()


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    migrate.revision(current_app, message)


def _register_commands() -> None:
    from tracker.demo import demo_command
    from tracker.evidence.cli import evidence_group, unit_locate
    from tracker.ops.cli import audit_group, backup_command, restore_command
    from tracker.org.cli import unit_group, user_group
    from tracker.reminders.cli import reminders_group, scheduler_command
    from tracker.reports.cli import reports_group
    from tracker.tickets.category_cli import category_group
    from tracker.tickets.ledger_cli import export_command, import_command
    from tracker.workflow.cli import workflow_group

    unit_group.add_command(unit_locate)
    for command in (unit_group, user_group, demo_command, import_command, export_command):
        cli.add_command(command)
    cli.add_command(reminders_group)
    cli.add_command(scheduler_command)
    cli.add_command(workflow_group)
    cli.add_command(evidence_group)
    for command in (backup_command, restore_command, audit_group, reports_group, category_group):
        cli.add_command(command)


_register_commands()


def main() -> None:
    cli(prog_name="tracker")
