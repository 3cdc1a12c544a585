"""Password checks with lock-out; the same answer whether or not the user exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlmodel import Session, select
from werkzeug.security import check_password_hash

from tracker.clock import as_utc
from tracker.db import keep_loaded
from tracker.org.models import Unit, User
from tracker.org.service import hash_password


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so that the answer takes as long as for a real user.

    Made on the first such log-in, not at import: scrypt needs a 32 MB buffer, and a worker that
    only answers API calls should not carry that peak (bench/RESULTS.md, memory per worker).
    """
    return hash_password("not-a-real-password")


class LoginFailed(Exception):
    """Sign-in refused; `locked_until` is set when the account is locked."""

    def __init__(self, locked_until: datetime | None = None) -> None:
        super().__init__("login failed")
        self.locked_until = locked_until


def authenticate(
    session: Session,
    username: str,
    password: str,
    now: datetime,
    max_failures: int = 5,
    lockout_minutes: int = 15,
) -> User:
    """Return the user for a correct password; count failures and lock after `max_failures`."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        raise LoginFailed()
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        raise LoginFailed(locked_until=as_utc(user.locked_until))
    if not check_password_hash(user.password_hash, password) or not user.is_enabled:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
        session.add(user)
        session.commit()
        raise LoginFailed(locked_until=user.locked_until if user.locked_until else None)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    session.commit()
    return user


def load_user(session: Session, user_id: str) -> User | None:
    """Flask-Login loader: the id carries the session nonce, so a password change ends sessions."""
    raw_id, _, nonce = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    # The user's unit comes in the same statement (see tokens.authenticate_token).
    row = session.exec(
        select(User, Unit)
        .outerjoin(Unit, Unit.id == User.unit_id)  # type: ignore[arg-type]
        .where(User.id == int(raw_id))
    ).first()
    user = row[0] if row else None
    if row:
        keep_loaded(session, row[1])
    if user is None or user.session_nonce != nonce or not user.is_enabled:
        return None
    return user
