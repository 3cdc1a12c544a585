"""Rules for units and users: creating them, subtrees, and who is in charge of what."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, func, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar
from werkzeug.security import generate_password_hash

from tracker.core.errors import NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.core.modelbase import code_and_parent
from tracker.org.models import LeaderCharge, Role, Unit, UnitKind, User, new_session_nonce

MIN_PASSWORD_LENGTH = 8


def get_unit_by_code(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(_("unknown unit %(code)s", code=repr(code)), {"unit": _("unknown unit")})
    return unit


def create_unit(
    session: Session, code: str, name: str, kind: str, parent_code: str | None = None
) -> Unit:
    """Add a unit under `parent_code` (or as a root) and set its materialised path."""
    errors: dict[str, str] = {}
    code, name = code.strip(), name.strip()
    if not code or len(code) > 32:
        errors["code"] = _("the code must have 1 to %(max)s characters", max=32)
    if not name or len(name) > 100:
        errors["name"] = _("the name must have 1 to %(max)s characters", max=100)
    if kind not in {k.value for k in UnitKind}:
        errors["kind"] = _(
            "the kind must be one of %(choices)s", choices=", ".join(k.value for k in UnitKind)
        )
    free, parent = code_and_parent(session, Unit, code, parent_code)
    if not free:
        errors["code"] = _("unit code %(code)s already exists", code=repr(code))
    if parent_code and parent is None:
        errors["parent"] = _("unknown parent unit %(code)s", code=repr(parent_code))
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    session.flush()
    return unit


# scrypt is deliberately slow; tests swap in a cheap method (tests/conftest.py).
PASSWORD_HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    unit_code: str | None = None,
    email: str | None = None,
    display_name: str = "",
    charge_codes: Sequence[str] = (),
    locale: str | None = None,
) -> User:
    """Add a user. A cadre needs the unit they belong to; a leader's unit is their charge."""
    errors: dict[str, str] = {}
    username = username.strip()
    if not username or len(username) > 64:
        errors["username"] = _("the username must have 1 to %(max)s characters", max=64)
    elif session.exec(select(User.id).where(User.username == username)).first() is not None:
        errors["username"] = _("username %(name)s is taken", name=repr(username))
    if role not in {r.value for r in Role}:
        errors["role"] = _(
            "the role must be one of %(choices)s", choices=", ".join(r.value for r in Role)
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _(
            "the password must have at least %(count)s characters", count=MIN_PASSWORD_LENGTH
        )
    unit = None
    if unit_code:
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            errors["unit"] = _("unknown unit %(code)s", code=repr(unit_code))
    elif role == Role.CADRE:
        errors["unit"] = _("a cadre must belong to a unit")
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        unit_id=unit.id if unit else None,
        email=email or None,
        display_name=display_name,
        locale=locale,
    )
    session.add(user)
    session.flush()
    codes = list(charge_codes)
    if role == Role.LEADER and unit is not None and unit.code not in codes:
        codes.append(unit.code)
    for code in codes:
        set_leader_charge(session, user, get_unit_by_code(session, code))
    return user


def set_leader_charge(session: Session, user: User, unit: Unit) -> None:
    if session.get(LeaderCharge, (user.id, unit.id)) is None:
        session.add(LeaderCharge(user_id=user.id, unit_id=unit.id))
        session.flush()
        forget_charges(session, user)


def _charges_key(user: User) -> tuple[str, int | None]:
    return ("charged_units", user.id)


def _charge_ids_key(user: User) -> tuple[str, int | None]:
    return ("charge_ids", user.id)


def forget_charges(session: Session, user: User) -> None:
    """Drop what this session remembers of `user`'s charges (they were just changed)."""
    session.info.pop(_charges_key(user), None)
    session.info.pop(_charge_ids_key(user), None)


def charge_ids_column(session: Session) -> ColumnElement[Any]:
    """A user's charged unit ids as a column of a statement on `User`, to read them with the
    user (sign-in checks): an array on PostgreSQL, "1,2" on SQLite (see `note_charge_ids`)."""
    ids = select(col(LeaderCharge.unit_id)).where(col(LeaderCharge.user_id) == User.id)
    if session.get_bind().dialect.name == "postgresql":
        return func.array(ids.scalar_subquery())
    return ids.with_only_columns(func.group_concat(col(LeaderCharge.unit_id))).scalar_subquery()


def note_charge_ids(session: Session, user: User, value: Sequence[int] | str | None) -> None:
    """Remember `user`'s charged unit ids, read by `charge_ids_column` alongside the user."""
    if isinstance(value, str):
        value = [int(part) for part in value.split(",")]
    session.info[_charge_ids_key(user)] = tuple(value or ())


def charge_ids(session: Session, user: User) -> tuple[int, ...]:
    """The ids of the units whose subtrees are in a leader's charge (remembered per session, as
    `charged_units`)."""
    key = _charge_ids_key(user)
    if key not in session.info:
        session.info[key] = tuple(
            session.exec(select(LeaderCharge.unit_id).where(LeaderCharge.user_id == user.id))
        )
    return session.info[key]


def set_password(user: User, password: str) -> None:
    """Change the password and end the user's other sessions."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("the password is too short"),
            {"password": _("at least %(count)s characters", count=MIN_PASSWORD_LENGTH)},
        )
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()


def charged_units(session: Session, user: User) -> list[Unit]:
    """Units whose subtrees are in a leader's charge.

    Remembered in `session.info` (one session per request): a list page asks several times (the
    scope, then what each ticket offers the leader), and charges change only through
    `set_leader_charge`, which forgets the entry."""
    key = _charges_key(user)
    if key not in session.info:
        session.info[key] = list(
            session.exec(
                select(Unit)
                .join(LeaderCharge, col(LeaderCharge.unit_id) == col(Unit.id))
                .where(LeaderCharge.user_id == user.id)
            )
        )
    return list(session.info[key])


def scope_units(session: Session, user: User) -> list[Unit] | None:
    """Roots of the unit subtrees a user works on; None means everything."""
    if user.role in (Role.ADMIN, Role.INSPECTOR):
        return None
    if user.role == Role.LEADER:
        return charged_units(session, user)
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return [unit] if unit else []


def in_subtrees(
    path_column: ColumnElement[str] | Mapped[str], roots: Sequence[Unit]
) -> ColumnElement[bool]:
    """SQL condition: a unit path lies in any of the subtrees rooted at `roots`."""
    if not roots:
        return false()
    return or_(*(path_column.startswith(root.path, autoescape=True) for root in roots))


def subtree_ids(roots: Sequence[Unit]) -> SelectOfScalar[int]:
    """A subquery of the ids of every unit in the subtrees rooted at `roots`."""
    return select(col(Unit.id)).where(in_subtrees(col(Unit.path), roots))


def covers_every_unit(session: Session, roots: Sequence[Unit]) -> bool:
    """Whether the subtrees rooted at `roots` hold every unit (a county leader in charge of the
    county): then a scope condition on units selects everything and can be left out.

    Costs a query only when some root is a top-level unit."""
    tops = [root.id for root in roots if root.parent_id is None]
    if not tops:
        return False
    others = (
        select(func.count())
        .select_from(Unit)
        .where(
            col(Unit.parent_id).is_(None),
            col(Unit.id).not_in(tops),
        )
    )
    return session.exec(others).one() == 0


class HasPath(Protocol):
    """A unit, or a unit as the ticket directory keeps it (tracker/org/directory.py)."""

    @property
    def path(self) -> str: ...


def is_within(unit: HasPath, roots: Sequence[HasPath]) -> bool:
    return any(unit.path.startswith(root.path) for root in roots)


def visible_user(session: Session, viewer: User, username: str) -> User | None:
    """The enabled user `username` if `viewer` works on their unit (admins and inspectors see
    everyone); otherwise None, the same as for a name nobody has, so that the answer tells
    nothing about accounts outside the viewer's scope."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_enabled:
        return None
    roots = scope_units(session, viewer)
    if roots is None:
        return user
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return user if unit is not None and is_within(unit, roots) else None


def units_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(set(ids))))}
