"""Managing the taxonomy: problem categories and standard indicators.

Pages and the API check `require_taxonomy_manager` first; the CLI is the operator's.

A category is never deleted: disabling it keeps it on the tickets that carry it and takes it out
of the choices for new findings.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.core.modelbase import code_and_parent
from tracker.org.models import User
from tracker.policy import Permission, may
from tracker.tickets.models import Category, StandardIndicator


def require_taxonomy_manager(user: User) -> None:
    """Only administrators change the taxonomy."""
    if not may(user, Permission.ADMINISTER):
        raise Forbidden(_("only administrators manage categories and indicators"))


def list_categories(session: Session) -> list[Category]:
    """Every category, parents before their children, each level by position."""
    rows = session.exec(select(Category).order_by(col(Category.position), col(Category.id))).all()
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[Category] = []

    def walk(parent_id: int | None) -> None:
        for row in children.get(parent_id, []):
            ordered.append(row)
            walk(row.id)

    walk(None)
    return ordered


def get_category(session: Session, code: str) -> Category:
    row = session.exec(select(Category).where(Category.code == code)).first()
    if row is None:
        raise NotFound(_("unknown category %(code)s", code=repr(code)))
    return row


def _text(value: object, field: str, limit: int, errors: dict[str, str]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > limit:
        errors[field] = _("must have 1 to %(max)s characters", max=limit)
    return text


def create_category(
    session: Session,
    code: str,
    name_zh: str,
    name_en: str | None = None,
    parent_code: str | None = None,
    position: int | None = None,
) -> Category:
    """Add a category (under `parent_code`), placed last among its siblings unless told."""
    errors: dict[str, str] = {}
    code = _text(code, "code", 32, errors)
    name_zh = _text(name_zh, "name_zh", 100, errors)
    name_en = (name_en or "").strip()[:100] or name_zh
    free, parent = code_and_parent(session, Category, code, parent_code)
    if not free:
        errors["code"] = _("category code %(code)s already exists", code=repr(code))
    if parent_code and parent is None:
        errors["parent"] = _("unknown category %(code)s", code=repr(parent_code))
    if parent is not None and parent.parent_id is not None:
        errors["parent"] = _("categories have two levels: the parent must be a top one")
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    if position is None:
        position = _next_position(session, parent)
    row = Category(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        parent_id=parent.id if parent else None,
        position=position,
    )
    session.add(row)
    session.flush()
    return row


def _next_position(session: Session, parent: Category | None) -> int:
    """After the last sibling: top categories in hundreds, children counting from their parent."""
    if parent is None:
        top = select(func.max(col(Category.position))).where(col(Category.parent_id).is_(None))
        return ((session.exec(top).one() or 0) // 100 + 1) * 100
    last = select(func.max(Category.position)).where(Category.parent_id == parent.id)
    return (session.exec(last).one() or parent.position) + 1


def update_category(session: Session, code: str, changes: dict) -> Category:
    """Rename, reorder, enable or disable a category (fields: name_zh, name_en, position,
    is_active)."""
    row = get_category(session, code)
    errors: dict[str, str] = {}
    unknown = set(changes) - {"name_zh", "name_en", "position", "is_active"}
    for key in sorted(unknown):
        errors[key] = _("unknown field")
    if "name_zh" in changes:
        row.name_zh = _text(changes["name_zh"], "name_zh", 100, errors)
    if "name_en" in changes:
        row.name_en = _text(changes["name_en"], "name_en", 100, errors)
    if "position" in changes:
        position = changes["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            errors["position"] = _("must be a whole number, 0 or more")
        else:
            row.position = min(position, 2**31 - 1)
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            errors["is_active"] = _("must be true or false")
        else:
            row.is_active = changes["is_active"]
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    session.flush()
    return row


def set_category_active(session: Session, code: str, active: bool) -> Category:
    return update_category(session, code, {"is_active": active})


def create_indicator(
    session: Session, name: str, unit: str, group_name: str = ""
) -> StandardIndicator:
    """Add a standard indicator, last in the catalogue."""
    errors: dict[str, str] = {}
    name = _text(name, "name", 100, errors)
    unit = _text(unit, "unit", 16, errors)
    group_name = (group_name or "").strip()[:50]
    if (
        name
        and unit
        and session.exec(
            select(StandardIndicator.id).where(
                StandardIndicator.name == name, StandardIndicator.unit == unit
            )
        ).first()
    ):
        errors["name"] = _("indicator %(name)s already exists", name=f"{name} ({unit})")
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    last = session.exec(select(func.max(StandardIndicator.position))).one() or 0
    row = StandardIndicator(group_name=group_name, name=name, unit=unit, position=last + 10)
    session.add(row)
    session.flush()
    return row


def list_indicators(session: Session) -> list[StandardIndicator]:
    """Every standard indicator, disabled ones too, in catalogue order."""
    order = (col(StandardIndicator.position), col(StandardIndicator.id))
    return list(session.exec(select(StandardIndicator).order_by(*order)))


def set_indicator_active(session: Session, indicator_id: int, active: bool) -> StandardIndicator:
    row = session.get(StandardIndicator, indicator_id)
    if row is None:
        raise NotFound(_("unknown indicator"))
    row.is_active = active
    session.flush()
    return row
