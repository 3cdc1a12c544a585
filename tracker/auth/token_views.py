"""The user's API tokens page: create (the token is shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.tokens import create_token, list_tokens, revoke_token
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError

bp = Blueprint("tokens", __name__)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    session = get_session()
    new_token = None
    status = 200
    if request.method == "POST":
        try:
            _row, new_token = create_token(
                session, current_user, request.form.get("name", ""), utcnow()
            )
            session.commit()
        except ServiceError as error:
            session.rollback()
            flash(error.message, "danger")
            status = 422
        else:
            flash(_("Token created. Copy it now: it will not be shown again."), "success")
    return (
        render_template(
            "auth/tokens.html", tokens=list_tokens(session, current_user), new_token=new_token
        ),
        status,
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    session = get_session()
    revoke_token(session, current_user, token_id, utcnow())
    session.commit()
    flash(_("Token revoked."), "info")
    return redirect(url_for("tokens.index"))
