"""Accounts through the API (administrators): list, edit, disable, reset passwords, tokens."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from sqlmodel import select

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, respond
from tracker.api.inputs import json_object
from tracker.api.present import from_row, local_moment
from tracker.api.schemas import (
    TemporaryPassword,
    TokenList,
    TokenOut,
    UserList,
    UserOut,
    UserPatch,
)
from tracker.auth import tokens
from tracker.auth.models import ApiToken
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.org import accounts
from tracker.org.models import Unit, User
from tracker.tickets.schemas import validate


def _out(user: User) -> UserOut:
    session = get_session()
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return from_row(
        UserOut,
        user,
        unit=unit.code if unit else None,
        charges=accounts.charge_codes(session, user),
        last_login_at=local_moment(user.last_login_at),
    )


def _target(username: str) -> User:
    accounts.require_user_manager(api_user())
    return accounts.get_user(get_session(), username)


@bp.get("/users")
def list_users() -> ResponseReturnValue:
    accounts.require_user_manager(api_user())
    rows = get_session().exec(select(User).order_by(User.username)).all()
    return respond(UserList(items=[_out(u) for u in rows]))


@bp.get("/users/<username>")
def get_user(username: str) -> ResponseReturnValue:
    return respond(_out(_target(username)))


@bp.patch("/users/<username>")
def update_user(username: str) -> ResponseReturnValue:
    user = _target(username)
    raw = json_object()
    changes = validate(UserPatch, raw).model_dump(include=set(raw))
    changes.update({key: raw[key] for key in set(raw) - set(changes)})  # refused by name
    session = get_session()
    accounts.edit_user(session, api_user(), user, changes, utcnow())
    session.commit()
    return respond(_out(user))


@bp.post("/users/<username>/reset-password")
def reset_password(username: str) -> ResponseReturnValue:
    user = _target(username)
    session = get_session()
    temporary = accounts.reset_password(session, api_user(), user, utcnow())
    session.commit()
    return respond(TemporaryPassword(username=user.username, temporary_password=temporary))


def _token_out(token: ApiToken) -> TokenOut:
    return from_row(
        TokenOut,
        token,
        created_at=local_moment(token.created_at),
        last_used_at=local_moment(token.last_used_at),
        revoked_at=local_moment(token.revoked_at),
    )


@bp.get("/users/<username>/tokens")
def list_user_tokens(username: str) -> ResponseReturnValue:
    user = _target(username)
    return respond(
        TokenList(items=[_token_out(t) for t in tokens.list_tokens(get_session(), user)])
    )


@bp.post("/users/<username>/tokens/<int:token_id>/revoke")
def revoke_user_token(username: str, token_id: int) -> ResponseReturnValue:
    user = _target(username)
    session = get_session()
    token = tokens.revoke_token(session, user, token_id, utcnow())
    session.commit()
    return respond(_token_out(token))
