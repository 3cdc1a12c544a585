"""A database that cannot be reached is an outage: 503 with `Retry-After`, never a bug's 500.

Which errors count: a connection lost or refused (the driver's OperationalError on PostgreSQL,
or any error SQLAlchemy flagged as a disconnect), the pool out of connections, and on SQLite
a lock not obtained within the busy timeout or a database file that cannot be opened. Other
database errors (a bad statement) stay 500s: they are bugs. The pool drops dead connections
by itself, so the app answers again as soon as the database is back, without a restart.

API paths and /healthz answer the API's JSON error (`unavailable`); pages a translated page
that needs no database (no signed-in user, no menu): the database is what is missing.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response, current_app, g, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tracker.db import get_session
from tracker.i18n import LANGUAGES

log = logging.getLogger(__name__)

# SQLite's messages for a busy or unreachable database (not for a bad statement).
_SQLITE_OUTAGES = ("database is locked", "unable to open database", "disk i/o error")


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database is unavailable rather than our code being wrong."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    if isinstance(error.orig, sqlite3.Error):
        message = str(error.orig).lower()
        return any(text in message for text in _SQLITE_OUTAGES)
    return True  # PostgreSQL: refused, reset, shutting down, starting up


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_locale() -> str:
    """The answer's language without asking the database (a user's setting needs a query)."""
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or "en"
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    default = current_app.config.get("DEFAULT_LOCALE", "zh")
    return request.accept_languages.best_match(LANGUAGES) or default


def unavailable_response() -> Response:
    """503 with Retry-After: JSON on the API and /healthz, a self-contained page elsewhere."""
    from tracker.api.errors import error_response

    retry_after = int(current_app.config.get("RETRY_AFTER_SECONDS", 30))
    lang = error_locale()
    with force_locale(lang):
        if _wants_json():
            message = _(
                "the service is briefly unavailable; try again in %(seconds)s seconds",
                seconds=retry_after,
            )
            response, _status = error_response(503, "unavailable", message)
        else:
            _without_user()
            html = render_template("errors/503.html", retry_after=retry_after, lang=lang)
            response = Response(html, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def _without_user() -> None:
    """Render as nobody: Flask-Login's template context would load the user from the database."""
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]


def server_error_page() -> tuple[str, int]:
    """The translated 500 page; like the 503 page it needs no database."""
    lang = error_locale()
    _without_user()
    with force_locale(lang):
        return render_template("errors/500.html", lang=lang), 500


def _on_database_error(error: Exception) -> Response:
    if not is_outage(error):
        raise error
    log.warning("database unavailable: %s", error.__class__.__name__, exc_info=True)
    try:
        get_session().rollback()
    except Exception:  # the connection is gone; closing at teardown discards it
        log.debug("rollback after an outage failed", exc_info=True)
    return unavailable_response()


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _on_database_error)
    app.register_error_handler(PoolTimeout, _on_database_error)
