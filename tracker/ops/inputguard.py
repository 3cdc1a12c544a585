"""Refuse NUL characters in any request input with 400, before a view sees them.

PostgreSQL text cannot hold U+0000 (psycopg raises DataError, which would surface as a 500), and
no legitimate form field, query parameter or file name contains one.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _

_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _has_nul() -> bool:
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        return True
    if request.method not in _BODY_METHODS:
        return False
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
            return True
        return any("\x00" in (f.filename or "") for f in request.files.values())
    # JSON bodies are the API's: its input models refuse NUL with a 422 of their own.
    return False


def _refuse_nul() -> None:
    if _has_nul():
        abort(400, description=_("input contains a NUL character"))


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
