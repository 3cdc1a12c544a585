"""JSON errors for the API: `{"error": {"code", "message", "fields"?}}` with a 4xx status.

Service errors keep their stable `code`; HTTP errors (bad JSON, too large, wrong method) get one
too; a concurrent change caught by the ORM (`StaleDataError`) is a 409 like a stale `version`.
Codes never change; messages are in the client's language (Accept-Language, else English).
"""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tracker.core.config import get_settings
from tracker.core.db import get_session
from tracker.core.errors import ServiceError

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}
# Werkzeug's stock descriptions are English sentences written for browsers; these replace them.
HTTP_MESSAGES = {
    400: _l("the request could not be understood"),
    401: _l("authentication is required"),
    403: _l("you may not do this"),
    404: _l("not found"),
    405: _l("this method is not allowed here"),
    409: _l("the request conflicts with the current state"),
    412: _l("a precondition of the request failed"),
    413: _l("the request is too large"),
    415: _l("this content type is not supported"),
    422: _l("the input could not be processed"),
    429: _l("too many requests; try again later"),
}


class ApiError(ServiceError):
    """An error raised by the API layer itself, with any code and status."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, fields)
        self.status, self.code = status, code


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> tuple[Response, int]:
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response, status


def _rollback() -> None:
    with suppress(Exception):  # the session may be unusable; the request is failing anyway
        get_session().rollback()


def _service_error(error: ServiceError) -> ResponseReturnValue:
    _rollback()
    response, status = error_response(error.status, error.code, error.message, error.fields)
    if status == 503:  # storage that cannot be written: an outage, like a database one
        response.headers["Retry-After"] = str(get_settings().retry_after_seconds)
    return response, status


def _stale(_error: StaleDataError) -> ResponseReturnValue:
    _rollback()
    return error_response(
        409,
        "conflict",
        _("the ticket was changed by someone else meanwhile; reload it and try again"),
        {"version": "stale"},
    )


def init_blueprint(bp: Blueprint) -> None:
    bp.register_error_handler(ServiceError, _service_error)
    bp.register_error_handler(StaleDataError, _stale)


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    """An HTTP error as the API's JSON error (also used by the evidence module's 413 handler,
    the only handler for 413, so that an API request too large gets `payload_too_large`)."""
    status = error.code or 500
    code = HTTP_CODES.get(status, "error")
    message = str(HTTP_MESSAGES.get(status, error.description or code))
    if error.description != type(error).description:  # given where it was raised: ours
        message = error.description or message
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if status == 413 and limit:
        message = _("the request is larger than the limit of %(limit)s bytes", limit=limit)
    response, status = error_response(status, code, message)
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response, status


def init_app(app: Flask) -> None:
    """HTTP errors under /api/ (raised before or outside a view: routing, body size) as JSON."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        if not request.path.startswith("/api/"):
            return error
        return http_error_response(error)

    @app.errorhandler(500)
    def _server_error(_error: HTTPException) -> ResponseReturnValue:
        from tracker.ops.outage import server_error_page

        _rollback()
        if not request.path.startswith("/api/"):
            return server_error_page()
        return error_response(500, "internal_error", _("internal server error"))
