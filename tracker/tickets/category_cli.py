"""`tracker category list | create | disable | enable`: the taxonomy from the shell."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.core.db import session_scope
from tracker.core.errors import ServiceError
from tracker.core.i18n import CommandError, speaks_language
from tracker.core.i18n import service_gettext as _
from tracker.tickets import categories


@click.group("category")
def category_group() -> None:
    """Manage problem categories (问题类别)."""


@category_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include disabled categories.")
@with_appcontext
@speaks_language
def category_list(show_all: bool) -> None:
    """Print the categories, children indented under their parent."""
    with session_scope(current_app) as session:
        rows = categories.list_categories(session)
        indent = {row.id: 0 if row.parent_id is None else 1 for row in rows}
        for row in rows:
            if not (row.is_active or show_all):
                continue
            state = "" if row.is_active else "  " + _("[disabled]")
            click.echo(f"{'  ' * indent[row.id]}{row.code}\t{row.name_zh}\t{row.name_en}{state}")


@category_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--parent", "parent_code", default=None, help="Code of the parent category.")
@click.option("--name-en", default=None, help="English name (default: NAME).")
@click.option("--position", type=int, default=None, help="Sort position (default: last).")
@with_appcontext
@speaks_language
def category_create(
    code: str, name: str, parent_code: str | None, name_en: str | None, position: int | None
) -> None:
    """Add a category CODE named NAME (Chinese)."""
    try:
        with session_scope(current_app) as session:
            row = categories.create_category(session, code, name, name_en, parent_code, position)
            click.echo(_("category %(code)s (%(name)s) created", code=row.code, name=row.name_zh))
    except ServiceError as error:
        raise CommandError(error.message) from error


def _set_active(code: str, active: bool) -> None:
    try:
        with session_scope(current_app) as session:
            row = categories.set_category_active(session, code, active)
            done = _("category %(code)s enabled") if active else _("category %(code)s disabled")
            click.echo(done % {"code": row.code})
    except ServiceError as error:
        raise CommandError(error.message) from error


@category_group.command("disable")
@click.argument("code")
@with_appcontext
@speaks_language
def category_disable(code: str) -> None:
    """Take CODE out of the choices for new findings (old tickets keep it)."""
    _set_active(code, False)


@category_group.command("enable")
@click.argument("code")
@with_appcontext
@speaks_language
def category_enable(code: str) -> None:
    """Offer CODE again for new findings."""
    _set_active(code, True)
