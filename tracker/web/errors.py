"""The error pages: 404 (a JSON error under /api/), a record one may not see (the same 404 page
as one that does not exist), 403. The API's own errors are `tracker/api/errors.py`."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from tracker.core.errors import NotFound as ServiceNotFound


def not_found(error: HTTPException) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        from tracker.api.errors import http_error_response

        return http_error_response(error)
    return render_template("errors/404.html"), 404


def not_visible(_error: ServiceNotFound) -> ResponseReturnValue:
    """A record that does not exist or that the user may not see: the same 404 page."""
    return render_template("errors/404.html"), 404


def forbidden(_error: HTTPException) -> ResponseReturnValue:
    return render_template("errors/403.html"), 403


def init_app(app: Flask) -> None:
    app.register_error_handler(404, not_found)
    app.register_error_handler(ServiceNotFound, not_visible)
    app.register_error_handler(403, forbidden)
