"""/account: everyone changes their own password and sees and ends their own sessions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from tracker.auth import sessions
from tracker.auth.forms import PasswordChangeForm
from tracker.auth.views import SESSION_KEY
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.org import accounts
from tracker.web.form_errors import show_service_errors

bp = Blueprint("account", __name__, url_prefix="/account")


def _render(form: PasswordChangeForm, status: int = 200) -> ResponseReturnValue:
    live = sessions.live_sessions(get_session(), current_user)
    current = session.get(SESSION_KEY)
    return render_template(
        "auth/account.html",
        form=form,
        sessions=live,
        current_ids={row.id for row in live if sessions.is_current(row, current)},
    ), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _render(form, 422 if form.is_submitted() else 200)
    db = get_session()
    try:
        accounts.change_own_password(
            db,
            current_user,
            form.current.data,
            form.password.data,
            utcnow(),
            keep_session=session.get(SESSION_KEY),
        )
        db.commit()
    except ServiceError as error:
        db.rollback()
        show_service_errors(form, error)
        return _render(form, 422)
    login_user(current_user)  # the new password changed the id in the cookie
    flash(_("Password changed. Your other sessions have ended."), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end(session_id: int) -> ResponseReturnValue:
    db = get_session()
    sessions.end_session_by_id(db, current_user, session_id, utcnow())
    db.commit()
    flash(_("Session ended."), "info")
    return redirect(url_for("account.index"))
