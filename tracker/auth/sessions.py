"""Server-side records of signed-in sessions: started at sign-in, checked on each request, ended.

The signed cookie only carries a random session id; its row decides. Flask-Session would store
the whole session server-side, but keys it by cookie alone: we need the user's sessions listed
(device, address, last seen) and ended one by one or all at once, which a row per session with
its user gives in a few statements.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.auth.models import ApiToken, UserSession
from tracker.auth.tokens import end_own_row, write_briefly
from tracker.core.clock import as_utc
from tracker.core.i18n import service_gettext as _
from tracker.org.directory import note_version, version_column
from tracker.org.models import User
from tracker.org.service import charge_ids_column, note_charge_ids
from tracker.reminders.models import UNREAD_KEY, unread_column

# last_seen_at is written at most this often, so a busy page does not write on each request.
SEEN_RESOLUTION = timedelta(minutes=1)


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def start_session(
    session: Session, user: User, now: datetime, user_agent: str, address: str
) -> str:
    """Record a new session for `user`; returns the id to keep in the cookie."""
    plain = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(plain),
            user_agent=user_agent[:200],
            address=address[:64],
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return plain


def load_signed_in(
    session: Session, user_id: str, plain: str | None
) -> tuple[User, UserSession] | None:
    """The user and the live session row behind a cookie, in one statement.

    `user_id` is Flask-Login's id, which carries the session nonce (a password change ends
    sessions); `plain` the cookie's session id. The user's charges, the version of the unit
    directory and the bell's count of unread notices come in the same statement, so the rest of
    the request works out the user's scope from memory (tracker/org/directory.py) and draws the
    bell without asking again. None when the user is unknown, disabled or changed
    their password, or the session ended or belongs to someone else."""
    raw_id, _, nonce = user_id.partition(":")
    if not raw_id.isdigit() or not plain or len(plain) > 100:
        return None
    row = session.execute(
        sa_select(User, UserSession, charge_ids_column(session), version_column(), unread_column())
        .join(UserSession, col(UserSession.user_id) == User.id)
        .where(col(User.id) == int(raw_id), col(UserSession.token_hash) == _hash(plain))
    ).first()
    if row is None:
        return None
    user, live, charges, version, unread = row
    note_version(session, version)
    note_charge_ids(session, user, charges)
    session.info[UNREAD_KEY] = (user.id, unread)
    if user.session_nonce != nonce or not user.is_enabled or live.ended_at is not None:
        return None
    return user, live


def seen_is_due(row: UserSession, now: datetime) -> bool:
    return now - as_utc(row.last_seen_at) >= SEEN_RESOLUTION


def record_seen(engine: Engine, session_id: int, now: datetime) -> None:
    """Write a session's last sighting after the request, as tokens record their last use."""
    statement = (
        update(UserSession)
        .where(col(UserSession.id) == session_id)
        .where(col(UserSession.last_seen_at) < now - SEEN_RESOLUTION)
        .values(last_seen_at=now)
    )
    write_briefly(engine, statement, f"session {session_id}: last seen")


def end_session(session: Session, plain: str | None, now: datetime) -> None:
    """End the session whose cookie id is `plain` (sign-out)."""
    if plain:
        session.execute(
            update(UserSession)
            .where(col(UserSession.token_hash) == _hash(plain), col(UserSession.ended_at).is_(None))
            .values(ended_at=now)
        )


def end_sessions(session: Session, user: User, now: datetime, keep: str | None = None) -> int:
    """End every session of `user` except the one whose id is `keep`; returns how many."""
    statement = update(UserSession).where(
        col(UserSession.user_id) == user.id, col(UserSession.ended_at).is_(None)
    )
    if keep:
        statement = statement.where(col(UserSession.token_hash) != _hash(keep))
    return session.exec(statement.values(ended_at=now)).rowcount or 0


def end_session_by_id(session: Session, user: User, session_id: int, now: datetime) -> None:
    """End one of `user`'s own sessions."""
    end_own_row(session, UserSession, session_id, user, now, "ended_at", _("session not found"))


def revoke_tokens(session: Session, user: User, now: datetime) -> int:
    """Revoke every API token of `user`; returns how many."""
    return (
        session.exec(
            update(ApiToken)
            .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
            .values(revoked_at=now)
        ).rowcount
        or 0
    )


def live_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's unended sessions, most recently seen first."""
    return list(
        session.exec(
            select(UserSession)
            .where(UserSession.user_id == user.id, col(UserSession.ended_at).is_(None))
            .order_by(col(UserSession.last_seen_at).desc())
        )
    )


def is_current(row: UserSession, plain: str | None) -> bool:
    return bool(plain) and row.token_hash == _hash(plain or "")
