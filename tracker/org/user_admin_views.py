"""/admin/users/<name>: an administrator edits a user, disables or enables them, resets their
password and revokes their API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from tracker.auth import tokens
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.org import accounts
from tracker.org.forms import NO_UNIT, ROLE_LABELS, UserEditForm, unit_choices
from tracker.org.models import Unit, User
from tracker.web.auth import admin_required
from tracker.web.form_errors import commit_form

bp = Blueprint("user_admin", __name__, url_prefix="/admin/users")


def _form(user: User) -> UserEditForm:
    session = get_session()
    units = list(session.exec(select(Unit).order_by(Unit.path)))
    choices = unit_choices(units)
    form = UserEditForm(
        data={
            "display_name": user.display_name,
            "email": user.email or "",
            "role": user.role,
            "unit": next((u.code for u in units if u.id == user.unit_id), ""),
            "charges": accounts.charge_codes(session, user),
        }
    )
    form.unit.choices = [NO_UNIT, *choices]
    form.charges.choices = choices
    return form


def _render(
    user: User, form: UserEditForm, status: int = 200, temporary: str | None = None
) -> ResponseReturnValue:
    return render_template(
        "org/user_edit.html",
        person=user,
        form=form,
        roles=ROLE_LABELS,
        tokens=tokens.list_tokens(get_session(), user),
        temporary=temporary,
    ), status


@bp.route("/<username>", methods=["GET", "POST"])
@admin_required
def edit(username: str) -> ResponseReturnValue:
    session = get_session()
    user = accounts.get_user(session, username)
    form = _form(user)
    if not form.validate_on_submit():
        return _render(user, form, 422 if form.is_submitted() else 200)
    changes = {
        "display_name": form.display_name.data or "",
        "email": form.email.data or None,
        "role": form.role.data,
        "unit": form.unit.data or None,
        "charges": form.charges.data or [],
    }
    saved = commit_form(
        session, form, lambda: accounts.edit_user(session, current_user, user, changes, utcnow())
    )
    if saved is None:
        return _render(user, form, 422)
    flash(_("User %(name)s saved.", name=user.username), "success")
    return redirect(url_for("user_admin.edit", username=user.username))


@bp.post("/<username>/<any(disable, enable):action>")
@admin_required
def set_enabled(username: str, action: str) -> ResponseReturnValue:
    session = get_session()
    user = accounts.get_user(session, username)
    try:
        if action == "disable":
            accounts.disable_user(session, current_user, user, utcnow())
        else:
            accounts.enable_user(session, current_user, user)
        session.commit()
    except ServiceError as error:
        session.rollback()
        flash(error.message, "danger")
    else:
        if user.is_enabled:
            flash(_("User %(name)s enabled.", name=user.username), "success")
        else:
            message = _("User %(name)s disabled: their sessions and tokens have ended.")
            flash(message % {"name": user.username}, "success")
    return redirect(url_for("user_admin.edit", username=username))


@bp.post("/<username>/reset-password")
@admin_required
def reset_password(username: str) -> ResponseReturnValue:
    session = get_session()
    user = accounts.get_user(session, username)
    temporary = accounts.reset_password(session, current_user, user, utcnow())
    session.commit()
    return _render(user, _form(user), temporary=temporary)


@bp.post("/<username>/tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(username: str, token_id: int) -> ResponseReturnValue:
    session = get_session()
    user = accounts.get_user(session, username)
    tokens.revoke_token(session, user, token_id, utcnow())
    session.commit()
    flash(_("Token revoked."), "info")
    return redirect(url_for("user_admin.edit", username=username))
