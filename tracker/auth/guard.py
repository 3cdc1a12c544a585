"""Per-request checks of the signed-in user: a live server-side session, and a forced password
change after an administrator's reset."""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.auth.sessions import load_signed_in, record_seen, seen_is_due
from tracker.auth.views import SESSION_KEY
from tracker.core.clock import utcnow
from tracker.core.db import after_session_close, get_engine, get_session
from tracker.org.models import User

# Where a user who must change their password may still go.
OPEN_WHILE_CHANGING = {"account.index", "auth.logout", "auth.set_language", "static"}


def load_signed_in_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user, only while the cookie's server-side session is live."""
    found = load_signed_in(get_session(), user_id, session.get(SESSION_KEY))
    if found is None:
        return None
    user, row = found
    now = utcnow()
    if seen_is_due(row, now):
        engine, session_id = get_engine(), row.id
        after_session_close(lambda: record_seen(engine, session_id, now))
    return user


def _require_new_password() -> Response | None:
    if request.endpoint in OPEN_WHILE_CHANGING or request.blueprint == "api":
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("account.index"))
    return None


def init_app(app: Flask) -> None:
    app.before_request(_require_new_password)
