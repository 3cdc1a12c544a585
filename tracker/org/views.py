"""Admin pages: the unit tree and the users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import select

from tracker.core.db import get_session
from tracker.org import service
from tracker.org.forms import (
    NO_UNIT,
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    UnitForm,
    UserForm,
    unit_choices,
)
from tracker.org.models import LeaderCharge, Unit, User
from tracker.web.auth import admin_required
from tracker.web.form_errors import commit_form

bp = Blueprint("org", __name__, url_prefix="/admin")


@bp.route("/units", methods=["GET", "POST"])
@admin_required
def units() -> ResponseReturnValue:
    session = get_session()
    all_units = list(session.exec(select(Unit).order_by(Unit.path)))
    form = UnitForm()
    form.parent.choices = [NO_UNIT, *unit_choices(all_units)]
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        unit = commit_form(
            session,
            form,
            lambda: service.create_unit(
                session, form.code.data, form.name.data, form.kind.data, form.parent.data or None
            ),
        )
        if unit is not None:
            flash(_("Unit %(name)s added.", name=unit.name), "success")
            return redirect(url_for("org.units"))
    return render_template(
        "org/units.html", units=all_units, form=form, kinds=UNIT_KIND_LABELS
    ), status


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> ResponseReturnValue:
    session = get_session()
    all_units = list(session.exec(select(Unit).order_by(Unit.path)))
    form = UserForm()
    form.unit.choices = [NO_UNIT, *unit_choices(all_units)]
    form.charges.choices = unit_choices(all_units)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        user = commit_form(
            session,
            form,
            lambda: service.create_user(
                session,
                form.username.data,
                form.role.data,
                form.password.data,
                unit_code=form.unit.data or None,
                email=form.email.data or None,
                display_name=form.display_name.data or "",
                charge_codes=form.charges.data or [],
            ),
        )
        if user is not None:
            flash(_("User %(name)s added.", name=user.username), "success")
            return redirect(url_for("org.users"))
    people = list(session.exec(select(User).order_by(User.role, User.username)))
    units_by_id = {u.id: u for u in all_units}
    charges: dict[int, list[Unit]] = {}
    for charge in session.exec(select(LeaderCharge)):
        charges.setdefault(charge.user_id, []).append(units_by_id[charge.unit_id])
    return render_template(
        "org/users.html",
        users=people,
        units=units_by_id,
        charges=charges,
        form=form,
        roles=ROLE_LABELS,
    ), status
