"""Refuse control characters in any request input with 400, before a view sees them.

PostgreSQL text cannot hold U+0000 (psycopg raises DataError, which would surface as a 500), and
no legitimate form field, query parameter or file name holds a C0 control character other than
tab, line feed and carriage return (a textarea's line ends): they only hide text in the history,
the ledger and e-mails.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

log = logging.getLogger(__name__)

_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# C0 controls and DEL, except tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def _has_control() -> bool:
    if any(has_control(k) or has_control(v) for k, v in request.args.items(multi=True)):
        return True
    if request.method not in _BODY_METHODS:
        return False
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any(has_control(k) or has_control(v) for k, v in request.form.items(multi=True)):
            return True
        return any(has_control(f.filename or "") for f in request.files.values())
    # JSON bodies are the API's: its input models refuse them with a 422 of their own.
    return False


def _refuse_control() -> None:
    if _has_control():
        abort(
            400,
            description=_(
                "input contains a control character (only tab and line breaks are allowed)"
            ),
        )


def _out_of_range(error: Exception) -> ResponseReturnValue:
    """A value the database cannot hold reached a query: 400, not a 500.

    Views validate what they read; this is the net under them for what one missed: a number
    beyond 64 bits (SQLite raises OverflowError when binding it), or a value PostgreSQL refuses
    as data (`DataError`: integer out of range, text too long for its column).
    """
    from tracker.api.errors import error_response
    from tracker.core.db import get_session

    try:
        get_session().rollback()
    except Exception:  # the request fails anyway; teardown closes the session
        log.debug("rollback after refused input failed", exc_info=True)
    message = _("a value in the request is out of range or too long")
    if request.path.startswith("/api/"):
        return error_response(400, "bad_request", message)
    return render_template("errors/400.html", message=message), 400


def _bad_request(error: BadRequest) -> ResponseReturnValue:
    """400 as a translated page (the API keeps its JSON error)."""
    from tracker.api.errors import HTTP_MESSAGES, http_error_response

    if request.path.startswith("/api/"):
        return http_error_response(error)
    ours = error.description != BadRequest.description
    message = error.description if ours else str(HTTP_MESSAGES[400])
    return render_template("errors/400.html", message=message), 400


def init_app(app: Flask) -> None:
    app.before_request(_refuse_control)
    app.register_error_handler(BadRequest, _bad_request)
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(DataError, _out_of_range)
