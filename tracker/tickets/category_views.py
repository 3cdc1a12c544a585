"""/admin/categories: the taxonomy page (categories and standard indicators), admins only."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from tracker.core.db import get_session
from tracker.tickets import categories
from tracker.tickets.category_forms import CategoryForm, IndicatorForm
from tracker.tickets.indicator_catalog import IndicatorCatalog
from tracker.tickets.models import StandardIndicator
from tracker.web.auth import admin_required
from tracker.web.form_errors import commit_form

bp = Blueprint("categories", __name__, url_prefix="/admin/categories")


@bp.app_template_global()
def standard_indicator_names() -> list[str]:
    """The active standard indicators' names, in order: suggestions when reporting figures."""
    catalog = IndicatorCatalog.load(get_session())
    return list(dict.fromkeys(row.name for row in catalog.active))


def _category_form() -> CategoryForm:
    form = CategoryForm(prefix="category")
    tops = [c for c in categories.list_categories(get_session()) if c.parent_id is None]
    form.parent.choices = [("", "—"), *((c.code, c.label(g.locale)) for c in tops)]
    return form


def _render(
    category_form: CategoryForm, indicator_form: IndicatorForm, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "tickets/categories.html",
        categories=categories.list_categories(session),
        indicators=categories.list_indicators(session),
        category_form=category_form,
        indicator_form=indicator_form,
    ), status


@bp.get("")
@admin_required
def index() -> ResponseReturnValue:
    return _render(_category_form(), IndicatorForm(prefix="indicator"))


@bp.post("")
@admin_required
def create() -> ResponseReturnValue:
    form, session = _category_form(), get_session()
    if form.validate_on_submit():
        row = commit_form(
            session,
            form,
            lambda: categories.create_category(
                session, form.code.data, form.name_zh.data, form.name_en.data, form.parent.data
            ),
        )
        if row is not None:
            flash(_("Category %(name)s added.", name=row.name_zh), "success")
            return redirect(url_for("categories.index"))
    return _render(form, IndicatorForm(prefix="indicator"), 422)


@bp.post("/<code>/<any(enable, disable):action>")
@admin_required
def toggle(code: str, action: str) -> ResponseReturnValue:
    session = get_session()
    row = categories.set_category_active(session, code, action == "enable")
    session.commit()
    if row.is_active:
        flash(_("Category %(name)s enabled.", name=row.name_zh), "success")
    else:
        flash(_("Category %(name)s disabled.", name=row.name_zh), "success")
    return redirect(url_for("categories.index"))


@bp.post("/indicators")
@admin_required
def create_indicator() -> ResponseReturnValue:
    form, session = IndicatorForm(prefix="indicator"), get_session()
    if form.validate_on_submit():
        indicator = commit_form(
            session,
            form,
            lambda: categories.create_indicator(
                session, form.name.data, form.unit.data, form.group_name.data or ""
            ),
        )
        if indicator is not None:
            name = f"{indicator.name} ({indicator.unit})"
            flash(_("Indicator %(name)s added.", name=name), "success")
            return redirect(url_for("categories.index"))
    return _render(_category_form(), form, 422)


@bp.post("/indicators/<int:indicator_id>/<any(enable, disable):action>")
@admin_required
def toggle_indicator(indicator_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    row: StandardIndicator = categories.set_indicator_active(
        session, indicator_id, action == "enable"
    )
    session.commit()
    return redirect(url_for("categories.index", _anchor=f"indicator-{row.id}"))
