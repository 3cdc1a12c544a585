"""`tracker unit create` and `tracker user create`."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.db import session_scope
from tracker.errors import ServiceError
from tracker.org import service
from tracker.org.models import Role, UnitKind


@click.group("unit")
def unit_group() -> None:
    """Manage org units."""


@unit_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in UnitKind]))
@click.option("--parent", "parent_code", default=None, help="Code of the parent unit.")
@with_appcontext
def unit_create(code: str, name: str, kind: str, parent_code: str | None) -> None:
    """Add an org unit CODE named NAME."""
    try:
        with session_scope(current_app) as session:
            unit = service.create_unit(session, code, name, kind, parent_code)
            click.echo(f"unit {unit.code} ({unit.name}) created")
    except ServiceError as error:
        raise click.ClickException(error.message) from error


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--unit", "unit_code", default=None, help="Cadre: their unit. Leader: unit in charge."
)
@click.option("--email", default=None)
@click.option("--name", "display_name", default="", help="Full name shown in the interface.")
@click.option("--password", default=None, help="Default: a random password, printed once.")
@with_appcontext
def user_create(
    username: str,
    role: str,
    unit_code: str | None,
    email: str | None,
    display_name: str,
    password: str | None,
) -> None:
    """Add a user USERNAME with one role."""
    chosen = password or secrets.token_urlsafe(12)
    try:
        with session_scope(current_app) as session:
            service.create_user(
                session,
                username,
                role,
                chosen,
                unit_code=unit_code,
                email=email,
                display_name=display_name,
            )
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"user {username} ({role}) created")
    if password is None:
        click.echo(f"password: {chosen}")


@user_group.command("token")
@click.argument("username")
@click.option("--name", "token_name", default="cli", help="A name to recognise the token by.")
@with_appcontext
def user_token(username: str, token_name: str) -> None:
    """Create an API token for USERNAME and print it (the token alone on its own line)."""
    from sqlmodel import select

    from tracker.auth.tokens import create_token
    from tracker.clock import utcnow
    from tracker.org.models import User

    try:
        with session_scope(current_app) as session:
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise click.ClickException(f"unknown user {username!r}")
            _token, plain = create_token(session, user, token_name, utcnow())
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(plain)
