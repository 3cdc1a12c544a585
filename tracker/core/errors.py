"""Errors raised by services; views turn them into flashes or JSON error bodies."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request. `code` is stable (the API's error code); `status` the HTTP status."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(ServiceError):
    code, status = "not_found", 404


class Forbidden(ServiceError):
    code, status = "forbidden", 403


class Conflict(ServiceError):
    """The record changed since the client read it (stale `version`)."""

    code, status = "conflict", 409


class ValidationFailed(ServiceError):
    code, status = "validation_error", 422


class TransitionRefused(ServiceError):
    code, status = "transition_not_allowed", 422


class StorageFull(ServiceError):
    """The disk (or quota) holding uploads is full: nothing was stored, the request may be
    repeated once space is freed."""

    code, status = "insufficient_storage", 507


class StorageUnavailable(ServiceError):
    """The disk holding uploads cannot be written (mounted read-only, failing): an outage."""

    code, status = "unavailable", 503
