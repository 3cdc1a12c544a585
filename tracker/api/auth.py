"""Bearer-token authentication for the API: `g.api_user` is the token's user, with their rights."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from tracker.api.errors import ApiError
from tracker.auth.tokens import authenticate_token, record_use, use_is_due
from tracker.core.clock import utcnow
from tracker.core.db import after_session_close, get_engine, get_session
from tracker.org.models import User

# Endpoints readable without a token: the description of the API itself.
PUBLIC_ENDPOINTS = {"api.openapi", "api.docs"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate_request() -> None:
    """`before_request` of the API blueprint: refuse (401) without a valid, unrevoked token."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return
    token = bearer_token()
    if token is None:
        raise ApiError(
            401, "unauthorized", _("an 'Authorization: Bearer <token>' header is required")
        )
    found = authenticate_token(get_session(), token)
    if found is None:
        raise ApiError(401, "unauthorized", _("the token is invalid or revoked"))
    g.api_user, used = found
    now = utcnow()
    if use_is_due(used, now):
        engine, token_id = get_engine(), used.id
        after_session_close(lambda: record_use(engine, token_id, now))


def api_user() -> User:
    return g.api_user
