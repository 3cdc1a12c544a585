"""The taxonomy through the API: categories (read by all, changed by admins) and indicators."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, respond
from tracker.api.inputs import body, json_object
from tracker.api.present import from_row
from tracker.api.schemas import (
    CategoryCreate,
    CategoryList,
    CategoryOut,
    CategoryPatch,
    StandardIndicatorList,
    StandardIndicatorOut,
)
from tracker.core.db import get_session
from tracker.tickets import categories
from tracker.tickets.indicator_catalog import IndicatorCatalog
from tracker.tickets.models import Category, StandardIndicator
from tracker.tickets.schemas import validate


def _out(row: Category, codes: dict[int, str]) -> CategoryOut:
    return from_row(CategoryOut, row, parent=codes.get(row.parent_id) if row.parent_id else None)


def _codes() -> dict[int, str]:
    return {row.id: row.code for row in categories.list_categories(get_session())}


@bp.get("/categories")
def list_categories() -> ResponseReturnValue:
    """Every category, disabled ones included (old tickets carry them), parents first."""
    rows = categories.list_categories(get_session())
    codes = {row.id: row.code for row in rows}
    return respond(CategoryList(items=[_out(row, codes) for row in rows]))


@bp.post("/categories")
def create_category() -> ResponseReturnValue:
    categories.require_taxonomy_manager(api_user())
    data = body(CategoryCreate)
    session = get_session()
    row = categories.create_category(
        session, data.code, data.name_zh, data.name_en, data.parent, data.position
    )
    session.commit()
    return respond(_out(row, _codes()), 201)


@bp.patch("/categories/<code>")
def update_category(code: str) -> ResponseReturnValue:
    categories.require_taxonomy_manager(api_user())
    raw = json_object()
    changes = validate(CategoryPatch, raw).model_dump(include=set(raw))
    session = get_session()
    row = categories.update_category(session, code, changes)
    session.commit()
    return respond(_out(row, _codes()))


def _indicator_out(row: StandardIndicator) -> StandardIndicatorOut:
    return from_row(StandardIndicatorOut, row, group=row.group_name)


@bp.get("/indicators")
def list_indicators() -> ResponseReturnValue:
    """The standard indicators in the bulletin's order (offered when reporting figures)."""
    catalog = IndicatorCatalog.load(get_session())
    return respond(StandardIndicatorList(items=[_indicator_out(r) for r in catalog.active]))
