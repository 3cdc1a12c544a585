"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth.forms import LoginForm
from tracker.auth.service import LoginFailed, authenticate
from tracker.auth.sessions import end_session, start_session
from tracker.auth.throttle import ThrottlePolicy, store_for
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.i18n import LANGUAGES

bp = Blueprint("auth", __name__)
# The key in the signed cookie session that holds the server-side session id.
SESSION_KEY = "sid"


def safe_next(target: str | None) -> str | None:
    """Accept only a local path as `next` (no scheme, no host): no open redirects."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("tickets.home"))
    form = LoginForm()
    if form.validate_on_submit():
        db, now = get_session(), utcnow()
        try:
            user = authenticate(
                db,
                form.username.data,
                form.password.data,
                now,
                address=request.remote_addr or "-",
                policy=ThrottlePolicy.from_config(current_app.config),
                store=store_for(db),
            )
        except LoginFailed:
            flash(_("Wrong username or password."), "danger")
            return render_template("auth/login.html", form=form), 401
        locale = session.get("locale")
        session.clear()  # a fresh session on sign-in: no fixation
        if locale:
            session["locale"] = locale
        agent = request.user_agent.string or ""
        session[SESSION_KEY] = start_session(db, user, now, agent, request.remote_addr or "")
        db.commit()
        login_user(user)
        if user.must_change_password:
            flash(_("Choose a new password to go on."), "warning")
            return redirect(url_for("account.index"))
        return redirect(safe_next(request.args.get("next")) or url_for("tickets.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    db = get_session()
    end_session(db, session.get(SESSION_KEY), utcnow())
    db.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    code = request.form.get("locale", "")
    if code in LANGUAGES:
        session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("tickets.home"))
