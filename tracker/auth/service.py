"""Password checks, throttled but never locked; the same answer whether or not the user exists."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlmodel import Session, select
from werkzeug.security import check_password_hash

from tracker.auth.throttle import ThrottlePolicy, ThrottleStore, address_key, pair_key
from tracker.org.models import User
from tracker.org.service import hash_password


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so that the answer takes as long as for a real user.

    Made on the first such log-in, not at import: scrypt needs a 32 MB buffer, and a worker that
    only answers API calls should not carry that peak (bench/RESULTS.md, memory per worker).
    """
    return hash_password("not-a-real-password")


class LoginFailed(Exception):
    """Sign-in refused: one kind only, whether the name is unknown, the password wrong, the
    account disabled or the attempt throttled, so that the answer reveals none of them."""


def authenticate(
    session: Session,
    username: str,
    password: str,
    now: datetime,
    address: str,
    policy: ThrottlePolicy,
    store: ThrottleStore,
) -> User:
    """Return the user for a correct password from an unthrottled (name, address).

    Every refusal costs one password hash and one throttle write, so unknown names, wrong
    passwords and throttled attempts take the same time.
    """
    keys = [pair_key(username, address), address_key(address)]
    user = session.exec(select(User).where(User.username == username.strip())).first()
    throttled = store.blocked(keys, now)
    checked_hash = user.password_hash if user is not None and not throttled else _dummy_hash()
    correct = check_password_hash(checked_hash, password)
    if throttled or user is None or not correct or not user.is_enabled:
        store.fail(keys, now, policy)
        raise LoginFailed()
    store.clear(keys[0])
    user.last_login_at = now
    session.add(user)
    session.commit()
    return user
