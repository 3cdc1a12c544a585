"""Create, check and revoke API tokens. Only the token's SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from tracker.auth.models import ApiToken
from tracker.clock import as_utc
from tracker.db import keep_loaded
from tracker.errors import NotFound, ValidationFailed
from tracker.i18n import service_gettext as _
from tracker.org.models import Unit, User

TOKEN_PREFIX = "trk_"
PREFIX_LENGTH = 12
# last_used_at is written at most this often per token, so busy clients do not write on each call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the plain token (shown once, never stored)."""
    name = name.strip()
    if len(name) > 100:
        raise ValidationFailed(
            _("the token name is too long"),
            {"name": _("at most %(count)s characters", count=100)},
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name or "api",
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, plain


def authenticate_token(session: Session, plain: str, now: datetime) -> User | None:
    """The enabled user of a valid, unrevoked token, recording its use; otherwise None."""
    if not plain or len(plain) > 200:
        return None
    # One statement for the token, its user and the user's unit: the unit lands in the identity
    # map, so working out the user's scope later in the request needs no query of its own.
    row = session.exec(
        select(ApiToken, User, Unit)
        .join(User, User.id == ApiToken.user_id)  # type: ignore[arg-type]
        .outerjoin(Unit, Unit.id == User.unit_id)  # type: ignore[arg-type]
        .where(ApiToken.token_hash == hash_token(plain))
    ).first()
    if row is None:
        return None
    token, user, unit = row
    keep_loaded(session, unit)
    if token.revoked_at is not None or not user.is_enabled:
        return None
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        session.commit()
    return user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of `user`'s own tokens (another user's token id is simply not found)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("token not found"))
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        session.flush()
    return token
