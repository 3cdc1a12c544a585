"""Create, check and revoke API tokens. Only the token's SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from datetime import datetime, timedelta
from typing import Literal, TypeVar, cast

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Executable
from sqlmodel import Session, col, select

from tracker.auth.models import ApiToken, UserSession
from tracker.core.clock import as_utc
from tracker.core.db import SQLITE_BUSY_TIMEOUT_MS
from tracker.core.errors import NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.core.modelbase import table_of
from tracker.org.directory import note_version, version_column
from tracker.org.models import User
from tracker.org.service import charge_ids_column, note_charge_ids

TOKEN_PREFIX = "trk_"
PREFIX_LENGTH = 12
# last_used_at is written at most this often per token, so busy clients do not write on each call.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# How long recording a token's use may wait for SQLite's write lock before it is skipped.
LAST_USED_LOCK_WAIT_MS = 200

log = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the plain token (shown once, never stored)."""
    name = name.strip()
    if len(name) > 100:
        raise ValidationFailed(
            _("the token name is too long"),
            {"name": _("at most %(count)s characters", count=100)},
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name or "api",
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, plain


def authenticate_token(session: Session, plain: str) -> tuple[User, ApiToken] | None:
    """The enabled user of a valid, unrevoked token, with the token; otherwise None.

    Reads only: the request's transaction stays a read (on SQLite a read that turns into a
    write fails at once when another connection wrote meanwhile). Recording the use is left to
    `record_use`, after the request, when `use_is_due`.
    """
    if not plain or len(plain) > 200:
        return None
    # One statement for the token, its user, a leader's charges and the version of the ticket
    # directory: the rest of the request works out the user's scope from memory, without a
    # round trip of its own (tracker/tickets/directory.py).
    row = session.exec(
        select(ApiToken, User, charge_ids_column(session), version_column())
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(plain))
    ).first()
    if row is None:
        return None
    token, user, charges, version = row
    note_version(session, version)
    note_charge_ids(session, user, charges)
    if token.revoked_at is not None or not user.is_enabled:
        return None
    return user, token


def use_is_due(token: ApiToken, now: datetime) -> bool:
    """Whether `token`'s last use is older than the resolution it is recorded at."""
    return token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION


def record_use(engine: Engine, token_id: int, now: datetime) -> None:
    """Write a token's last use in a short transaction of its own (see `write_briefly`).

    The UPDATE is conditional, so several workers recording the same token at once write it once.
    """
    table = table_of(ApiToken)
    due_before = now - LAST_USED_RESOLUTION
    statement = (
        update(table)
        .where(table.c.id == token_id)
        .where(or_(table.c.last_used_at.is_(None), table.c.last_used_at < due_before))
        .values(last_used_at=now)
    )
    write_briefly(engine, statement, f"token {token_id}: last use")


def write_briefly(engine: Engine, statement: Executable, what: str) -> int:
    """Run one bookkeeping write in its own transaction; give up rather than wait.

    For writes a GET makes beside its read-only session (a token's last use, after the session
    is closed; notices read when their ticket is opened). On SQLite it waits at most
    `LAST_USED_LOCK_WAIT_MS` for the write lock and skips (logged) when writers are busy.
    Returns the rows written (0 when skipped).
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if sqlite:  # outside any transaction: pysqlite runs it as is
            cast(sqlite3.Connection, raw).execute(f"PRAGMA busy_timeout={LAST_USED_LOCK_WAIT_MS}")
        try:
            with conn.begin():
                return conn.execute(statement).rowcount
        except OperationalError:
            log.info("%s not recorded, the database is busy", what)
            return 0
        finally:
            if sqlite:
                cast(sqlite3.Connection, raw).execute(
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"
                )


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken)
            .where(col(ApiToken.user_id) == user.id)
            .order_by(col(ApiToken.created_at).desc())
        )
    )


Owned = TypeVar("Owned", ApiToken, UserSession)


def end_own_row(
    session: Session,
    model: type[Owned],
    row_id: int,
    user: User,
    now: datetime,
    end_column: Literal["revoked_at", "ended_at"],
    missing: str,
) -> Owned:
    """Stamp one of `user`'s own tokens or sessions as ended at `now`, once (ending it again keeps
    the first moment). Another user's id is simply not found (`missing`), so an id tells nothing
    about someone else's tokens or sessions."""
    row = session.get(model, row_id)
    if row is None or row.user_id != user.id:
        raise NotFound(missing)
    if getattr(row, end_column) is None:
        setattr(row, end_column, now)
        session.add(row)
        session.flush()
    return row


def revoke_token(session: Session, user: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of `user`'s own tokens."""
    return end_own_row(session, ApiToken, token_id, user, now, "revoked_at", _("token not found"))
