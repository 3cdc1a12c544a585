"""JSON errors for the API: `{"error": {"code", "message", "fields"?}}` with a 4xx status.

Service errors keep their stable `code`; HTTP errors (bad JSON, too large, wrong method) get one
too; a concurrent change caught by the ORM (`StaleDataError`) is a 409 like a stale `version`.
"""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tracker.db import get_session
from tracker.errors import ServiceError

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


def _service_error(error: ServiceError):  # type: ignore[no-untyped-def]
    _rollback()
    return error_response(error.status, error.code, error.message, error.fields)


def _stale(_error: StaleDataError):  # type: ignore[no-untyped-def]
    _rollback()
    return error_response(
        409,
        "conflict",
        "the ticket was changed by someone else meanwhile; reload it and try again",
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
    message = error.description or code
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if status == 413 and limit:
        message = f"the request is larger than the limit of {limit} bytes"
    response, status = error_response(status, code, message)
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response, status


def init_app(app: Flask) -> None:
    """HTTP errors under /api/ (raised before or outside a view: routing, body size) as JSON."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if not request.path.startswith("/api/"):
            return error
        return http_error_response(error)

    @app.errorhandler(500)
    def _server_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if not request.path.startswith("/api/"):
            return error
        _rollback()
        return error_response(500, "internal_error", "internal server error")
