"""`tracker import FILE.xlsx` and `tracker export FILE.xlsx`: findings in, ledger (台账) out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import ngettext
from sqlmodel import Session, col
from werkzeug.datastructures import MultiDict

from tracker.calendar.workdays import fallback_warning
from tracker.core.clock import utcnow
from tracker.core.config import get_settings
from tracker.core.db import session_scope
from tracker.core.errors import ServiceError
from tracker.core.i18n import CommandError, speaks_language
from tracker.core.i18n import service_gettext as _
from tracker.org.models import Role, User
from tracker.tickets import ledger, ledger_export, service
from tracker.tickets.ledger import row_problem
from tracker.tickets.queries import parse_filter, scoped_query
from tracker.workflow.registry import active_workflow


def _user(session: Session, username: str | None) -> User:
    """The named user, or (for None) the first enabled administrator."""
    from sqlmodel import select

    if username:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise CommandError(_("unknown user %(name)s", name=repr(username)))
        return user
    user = session.exec(
        select(User)
        .where(col(User.role) == Role.ADMIN, col(User.is_enabled))
        .order_by(col(User.id))
    ).first()
    if user is None:
        raise CommandError(_("no administrator exists: pass --as USERNAME"))
    return user


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", help="File the findings as this user (default: an admin).")
@click.option(
    "--historical",
    is_flag=True,
    help="A finished round, entered as history: past dates (交办日期, 整改时限, 完成时间, "
    "核查时间, 销号时间) and final states (整改状态) as given; no notices or reminders.",
)
@with_appcontext
@speaks_language
def import_command(path: Path, username: str | None, historical: bool) -> None:
    """Import findings from an .xlsx sheet: every row is checked first; any bad row, none filed."""
    app = current_app
    now = utcnow()
    try:
        with session_scope(app) as session:
            reporter = _user(session, username)
            total, rows = ledger.read_rows(str(path), int(app.config["IMPORT_MAX_ROWS"]))
            with click.progressbar(
                length=2 * max(total, 1), label=_("checking and filing"), file=sys.stderr
            ) as bar:
                result = ledger.import_findings(
                    session,
                    reporter,
                    rows,
                    active_workflow(),
                    now,
                    service.Settings.of(get_settings(app)),
                    progress=bar.update,
                    historical_rows=historical,
                )
            if not result.ok:
                session.rollback()
                count = len(result.errors)
                click.echo(
                    ngettext(
                        "%(num)d bad row; nothing was imported:",
                        "%(num)d bad rows; nothing was imported:",
                        count,
                    ),
                    err=True,
                )
                for error in result.errors:
                    click.echo("  " + row_problem(error), err=True)
                raise click.exceptions.Exit(1)
    except ServiceError as error:
        raise CommandError(error.message) from error
    count = len(result.codes)
    if historical:
        done = ngettext(
            "imported %(num)d past finding (history, nothing announced)",
            "imported %(num)d past findings (history, nothing announced)",
            count,
        )
    else:
        done = ngettext("imported %(num)d finding", "imported %(num)d findings", count)
    click.echo(done, err=True)
    if result.codes:
        click.echo(_("codes %(first)s … %(last)s", first=result.codes[0], last=result.codes[-1]))
    warning = fallback_warning(result.fallback_years)
    if warning:
        click.echo(_("warning: %(message)s", message=warning), err=True)


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "username", help="Export what this user sees (default: everything).")
@click.option("--state", multiple=True, help="State key; repeat for several.")
@click.option("--unit", help="Unit code (its sub-units included).")
@click.option("--category", help="Category code.")
@click.option("--source", help="Source key, e.g. inspection, citizen.")
@click.option("--inspection", help="Inspection id.")
@click.option("--overdue", is_flag=True, help="Only overdue findings.")
@click.option("--rag", type=click.Choice(["red", "amber", "green"]))
@click.option("--due-after", help="Deadline on or after YYYY-MM-DD.")
@click.option("--due-before", help="Deadline on or before YYYY-MM-DD.")
@click.option("-q", "--query", "q", help="Text search.")
@click.option("--sort", default="deadline", show_default=True)
@with_appcontext
@speaks_language
def export_command(path: Path, username: str | None, **filters: Any) -> None:
    """Export findings as the ledger (台账) an office keeps, to an .xlsx file."""
    app = current_app
    args: MultiDict[str, str] = MultiDict()
    for key, value in filters.items():
        if key == "state":
            for state in value:
                args.add("state", state)
        elif key == "overdue":
            if value:
                args.add("overdue", "1")
        elif value:
            args.add(key.replace("-", "_"), value)
    now = utcnow()
    try:
        with session_scope(app) as session:
            user = _user(session, username) if username else User(role=Role.ADMIN, username="")  # type: ignore[call-arg]  # SQLModel types table models as validated
            workflow = active_workflow()
            flt = parse_filter(args, workflow)
            stmt = scoped_query(
                session, user, flt, workflow, now, app.config["TIMEZONE"], app.config["AMBER_DAYS"]
            ).rows
            count = ledger_export.write_ledger(
                session,
                stmt,
                flt.sort,
                workflow,
                now,
                app.config["TIMEZONE"],
                app.config["AMBER_DAYS"],
                str(path),
                title=ledger_export.ledger_title(session, user, flt, now, app.config["TIMEZONE"]),
                base_url=app.config.get("BASE_URL") or "",
            )
    except ServiceError as error:
        detail = ", ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
        raise CommandError(detail) from error
    click.echo(
        ngettext(
            "exported %(num)d finding to %(path)s",
            "exported %(num)d findings to %(path)s",
            count,
            path=str(path),
        )
    )
