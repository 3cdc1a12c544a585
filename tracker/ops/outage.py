"""A database that cannot be reached is an outage: 503 with `Retry-After`, never a bug's 500.

Which errors count: a connection lost or refused (the driver's OperationalError on PostgreSQL,
or any error SQLAlchemy flagged as a disconnect), the pool out of connections, and on SQLite
a lock not obtained within the busy timeout, a database file that cannot be opened or read,
or written (SQLITE_READONLY: the file or its disk became read-only). A full SQLite database
(SQLITE_FULL: the disk, a quota or `max_page_count`) is the same outage answered 507
`insufficient_storage`, like a full upload disk: nothing was saved, reading still works. Other
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

from tracker.core.config import get_settings
from tracker.core.db import get_session
from tracker.core.i18n import LANGUAGES

log = logging.getLogger(__name__)

# SQLite's primary result codes for a busy, unreachable or unwritable database (not for a bad
# statement); extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED...) keep them in
# their low byte.
_SQLITE_OUTAGES = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY}
)

UNAVAILABLE = "unavailable"
FULL = "full"


def outage_kind(error: BaseException) -> str | None:
    """`FULL` for a full database, `UNAVAILABLE` for any other outage, None for a bug."""
    if isinstance(error, PoolTimeout):
        return UNAVAILABLE
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return UNAVAILABLE
    if not isinstance(error, (OperationalError, InterfaceError)):
        return None
    if isinstance(error.orig, sqlite3.Error):
        code = (getattr(error.orig, "sqlite_errorcode", None) or 0) & 0xFF
        if code == sqlite3.SQLITE_FULL:
            return FULL
        return UNAVAILABLE if code in _SQLITE_OUTAGES else None
    return UNAVAILABLE  # PostgreSQL: refused, reset, shutting down, starting up


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database is unavailable rather than our code being wrong."""
    return outage_kind(error) is not None


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_locale() -> str:
    """The answer's language without asking the database (a user's setting needs a query)."""
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or "en"
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    default = get_settings().default_locale
    return request.accept_languages.best_match(LANGUAGES) or default


def unavailable_response(kind: str = UNAVAILABLE) -> Response:
    """503 (507 for a full database) with Retry-After: JSON on the API and /healthz, a
    self-contained page elsewhere (the same page for both: what was being saved was not)."""
    from tracker.api.errors import error_response

    retry_after = get_settings().retry_after_seconds
    status = 507 if kind == FULL else 503
    lang = error_locale()
    with force_locale(lang):
        if _wants_json():
            if kind == FULL:
                message = _("the database is full: nothing was saved; reading still works")
                response, _status = error_response(status, "insufficient_storage", message)
            else:
                message = _(
                    "the service is briefly unavailable; try again in %(seconds)s seconds",
                    seconds=retry_after,
                )
                response, _status = error_response(status, "unavailable", message)
        else:
            _without_user()
            html = render_template("errors/503.html", retry_after=retry_after, lang=lang)
            response = Response(html, mimetype="text/html")
    response.status_code = status
    response.headers["Retry-After"] = str(retry_after)
    return response


def _without_user() -> None:
    """Render as nobody: Flask-Login's template context would load the user from the database."""
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]  # set by Flask-Login


def server_error_page() -> tuple[str, int]:
    """The translated 500 page; like the 503 page it needs no database."""
    lang = error_locale()
    _without_user()
    with force_locale(lang):
        return render_template("errors/500.html", lang=lang), 500


def _on_database_error(error: Exception) -> Response:
    kind = outage_kind(error)
    if kind is None:
        raise error
    log.warning("database %s: %s", kind, error.__class__.__name__, exc_info=True)
    try:
        get_session().rollback()
    except Exception:  # the connection is gone; closing at teardown discards it
        log.debug("rollback after an outage failed", exc_info=True)
    return unavailable_response(kind)


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _on_database_error)
    app.register_error_handler(PoolTimeout, _on_database_error)
