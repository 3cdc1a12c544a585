"""Managing accounts after they exist: edit, disable, enable, reset and change passwords.

Disabling a user or resetting their password ends all their sessions and revokes their API
tokens in the same transaction; a user changing their own password keeps the session they did
it from and ends the others. The caller commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash

from tracker.auth import sessions
from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.org.models import LeaderCharge, Role, Unit, User
from tracker.org.service import forget_charges, get_unit_by_code, set_leader_charge, set_password
from tracker.policy import Permission, may

EDITABLE = ("role", "unit", "charges", "email", "display_name", "is_enabled")


def require_user_manager(user: User | None) -> None:
    """Only administrators manage other people's accounts (None: the server's shell, the CLI)."""
    if user is not None and not may(user, Permission.ADMINISTER):
        raise Forbidden(_("only administrators manage users"))


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(_("unknown user %(name)s", name=repr(username)))
    return user


def charge_codes(session: Session, user: User) -> list[str]:
    return list(
        session.exec(
            select(Unit.code)
            .join(LeaderCharge, col(LeaderCharge.unit_id) == col(Unit.id))
            .where(LeaderCharge.user_id == user.id)
            .order_by(Unit.path)
        )
    )


def _set_charges(session: Session, user: User, codes: Sequence[str]) -> None:
    units = [get_unit_by_code(session, code) for code in codes]
    session.execute(delete(LeaderCharge).where(col(LeaderCharge.user_id) == user.id))
    forget_charges(session, user)
    for unit in units:
        set_leader_charge(session, user, unit)


def edit_user(
    session: Session, actor: User | None, user: User, changes: dict[str, Any], now: datetime
) -> User:
    """Change a user's role, unit, charges, e-mail, name or enabled flag (admins only).

    `changes` holds only the fields to change; unknown ones are refused with the rest.
    """
    require_user_manager(actor)
    errors: dict[str, str] = {}
    for key in sorted(set(changes) - set(EDITABLE)):
        errors[key] = _("unknown field")
    role = changes.get("role", user.role)
    if role not in {r.value for r in Role}:
        errors["role"] = _(
            "the role must be one of %(choices)s", choices=", ".join(r.value for r in Role)
        )
    unit_id = user.unit_id
    if "unit" in changes:
        code = changes["unit"]
        if code:
            unit = session.exec(select(Unit).where(Unit.code == code)).first()
            if unit is None:
                errors["unit"] = _("unknown unit %(code)s", code=repr(code))
            else:
                unit_id = unit.id
        else:
            unit_id = None
    if role == Role.CADRE and unit_id is None and "unit" not in errors:
        errors["unit"] = _("a cadre must belong to a unit")
    codes = changes.get("charges")
    if codes is not None:
        known = set(session.exec(select(col(Unit.code)).where(col(Unit.code).in_(codes))))
        unknown = [code for code in codes if code not in known]
        if unknown:
            errors["charges"] = _("unknown unit %(code)s", code=repr(unknown[0]))
    if "email" in changes and changes["email"] and "@" not in str(changes["email"]):
        errors["email"] = _("not an e-mail address")
    is_self = actor is not None and user.id == actor.id
    if is_self and (changes.get("is_enabled") is False or not may(role, Permission.ADMINISTER)):
        errors["role"] = _("you cannot disable yourself or give up your own administrator role")
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    user.role, user.unit_id = role, unit_id
    if "email" in changes:
        user.email = (changes["email"] or "").strip()[:254] or None
    if "display_name" in changes:
        user.display_name = (changes["display_name"] or "").strip()[:100]
    if codes is not None:
        _set_charges(session, user, codes)
    session.add(user)
    if changes.get("is_enabled") is False:
        disable_user(session, actor, user, now)
    elif changes.get("is_enabled") is True:
        user.is_enabled = True
    session.flush()
    return user


def disable_user(session: Session, actor: User | None, user: User, now: datetime) -> None:
    """Refuse the user's sign-ins and end their sessions and tokens at once."""
    require_user_manager(actor)
    if actor is not None and user.id == actor.id:
        raise ValidationFailed(
            _("you cannot disable yourself"), {"is_enabled": _("you cannot disable yourself")}
        )
    user.is_enabled = False
    session.add(user)
    sessions.end_sessions(session, user, now)
    sessions.revoke_tokens(session, user, now)
    session.flush()


def enable_user(session: Session, actor: User | None, user: User) -> None:
    require_user_manager(actor)
    user.is_enabled = True
    session.add(user)
    session.flush()


def reset_password(session: Session, actor: User | None, user: User, now: datetime) -> str:
    """Give the user a one-time temporary password (returned, never stored in clear) that must
    be changed at the next sign-in; their sessions and tokens end."""
    require_user_manager(actor)
    temporary = secrets.token_urlsafe(9)
    set_password(user, temporary)
    user.must_change_password = True
    session.add(user)
    sessions.end_sessions(session, user, now)
    sessions.revoke_tokens(session, user, now)
    session.flush()
    return temporary


def change_own_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    now: datetime,
    keep_session: str | None,
) -> None:
    """Change one's own password, knowing the current one; other sessions end."""
    if not check_password_hash(user.password_hash, current):
        raise ValidationFailed(
            _("the current password is wrong"), {"current": _("the current password is wrong")}
        )
    if new == current:
        raise ValidationFailed(
            _("choose a password other than the current one"),
            {"password": _("choose a password other than the current one")},
        )
    set_password(user, new)
    user.must_change_password = False
    session.add(user)
    sessions.end_sessions(session, user, now, keep=keep_session)
    session.flush()
