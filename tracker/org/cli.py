"""`tracker unit create` and `tracker user create`."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from tracker.core.db import session_scope
from tracker.core.errors import ServiceError
from tracker.core.i18n import CommandError, speaks_language
from tracker.core.i18n import service_gettext as _
from tracker.org import service
from tracker.org.models import Role, UnitKind, User


@click.group("unit")
def unit_group() -> None:
    """Manage org units."""


@unit_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in UnitKind]))
@click.option("--parent", "parent_code", default=None, help="Code of the parent unit.")
@with_appcontext
@speaks_language
def unit_create(code: str, name: str, kind: str, parent_code: str | None) -> None:
    """Add an org unit CODE named NAME."""
    try:
        with session_scope(current_app) as session:
            unit = service.create_unit(session, code, name, kind, parent_code)
            click.echo(_("unit %(code)s (%(name)s) created", code=unit.code, name=unit.name))
    except ServiceError as error:
        raise CommandError(error.message) from error


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
@speaks_language
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
        raise CommandError(error.message) from error
    click.echo(_("user %(name)s (%(role)s) created", name=username, role=role))
    if password is None:
        click.echo(_("password: %(password)s", password=chosen))


@user_group.command("token")
@click.argument("username")
@click.option("--name", "token_name", default="cli", help="A name to recognise the token by.")
@with_appcontext
@speaks_language
def user_token(username: str, token_name: str) -> None:
    """Create an API token for USERNAME and print it (the token alone on its own line)."""
    from sqlmodel import select

    from tracker.auth.tokens import create_token
    from tracker.core.clock import utcnow
    from tracker.org.models import User

    try:
        with session_scope(current_app) as session:
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise CommandError(_("unknown user %(name)s", name=repr(username)))
            _token, plain = create_token(session, user, token_name, utcnow())
    except ServiceError as error:
        raise CommandError(error.message) from error
    click.echo(plain)


def _account_command(
    name: str, *params: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Callable[[Callable[..., str | None]], click.Command]:
    """`tracker user NAME USERNAME`, with the click `params` after USERNAME. The decorated function
    gets the session and the user (then the params) in one transaction and returns what to print
    once it is committed (None: nothing); refusals become CLI errors.

    The CLI acts as the server's operator (actor None): it may reset the only administrator's
    forgotten password."""

    def decorate(action: Callable[..., str | None]) -> click.Command:
        @functools.wraps(action)
        def run(username: str, **values: Any) -> None:
            from tracker.org import accounts

            try:
                with session_scope(current_app) as session:
                    said = action(session, accounts.get_user(session, username), **values)
            except ServiceError as error:
                raise CommandError(error.message) from error
            if said is not None:
                click.echo(said)

        command = with_appcontext(speaks_language(run))
        for param in reversed(params):
            command = param(command)
        return user_group.command(name)(click.argument("username")(command))

    return decorate


@_account_command(
    "edit",
    click.option("--role", type=click.Choice([r.value for r in Role])),
    click.option("--unit", "unit_code", help="Cadre: their unit ('' to clear)."),
    click.option("--charge", "charges", multiple=True, help="Leader: a unit in charge (repeat)."),
    click.option("--email"),
    click.option("--name", "display_name"),
)
def user_edit(
    session: Session,
    user: User,
    role: str | None,
    unit_code: str | None,
    charges: tuple[str, ...],
    email: str | None,
    display_name: str | None,
) -> str:
    """Change USERNAME's role, unit, charges, e-mail or name."""
    from tracker.core.clock import utcnow
    from tracker.org import accounts

    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("role", role),
            ("unit", unit_code),
            ("email", email),
            ("display_name", display_name),
        )
        if value is not None
    }
    if charges:
        changes["charges"] = list(charges)
    accounts.edit_user(session, None, user, changes, utcnow())
    return _("user %(name)s saved", name=user.username)


@_account_command("disable")
def user_disable(session: Session, user: User) -> str:
    """Refuse USERNAME's sign-ins and end their sessions and API tokens."""
    from tracker.core.clock import utcnow
    from tracker.org import accounts

    accounts.disable_user(session, None, user, utcnow())
    return _("user %(name)s disabled", name=user.username)


@_account_command("enable")
def user_enable(session: Session, user: User) -> str:
    """Let USERNAME sign in again."""
    from tracker.org import accounts

    accounts.enable_user(session, None, user)
    return _("user %(name)s enabled", name=user.username)


@_account_command("reset-password")
def user_reset_password(session: Session, user: User) -> str:
    """Print a temporary password for USERNAME, to be changed at the next sign-in."""
    from tracker.core.clock import utcnow
    from tracker.org import accounts

    return accounts.reset_password(session, None, user, utcnow())


@_account_command("tokens")
def user_tokens(session: Session, user: User) -> str | None:
    """List USERNAME's API tokens: id, prefix, name, status."""
    from tracker.auth.tokens import list_tokens

    lines = []
    for token in list_tokens(session, user):
        state = _("revoked") if token.revoked_at else _("active")
        lines.append(f"{token.id}\t{token.prefix}…\t{token.name}\t{state}")
    return "\n".join(lines) or None


@_account_command("revoke-token", click.argument("token_id", type=int))
def user_revoke_token(session: Session, user: User, token_id: int) -> str:
    """Revoke USERNAME's API token TOKEN_ID."""
    from tracker.auth.tokens import revoke_token
    from tracker.core.clock import utcnow

    revoke_token(session, user, token_id, utcnow())
    return _("token %(id)s revoked", id=token_id)
