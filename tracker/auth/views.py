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
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth.forms import LoginForm
from tracker.auth.service import LoginFailed, authenticate
from tracker.clock import utcnow
from tracker.db import get_session
from tracker.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Accept only a local path as `next` (no scheme, no host): no open redirects."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tickets.home"))
    form = LoginForm()
    if form.validate_on_submit():
        settings = current_app.config["LOGIN"]
        try:
            user = authenticate(
                get_session(),
                form.username.data,
                form.password.data,
                utcnow(),
                max_failures=settings["MAX_FAILURES"],
                lockout_minutes=settings["LOCKOUT_MINUTES"],
            )
        except LoginFailed as failure:
            if failure.locked_until:
                flash(
                    _(
                        "Too many failed sign-ins. Try again after %(time)s.",
                        time=format_datetime(failure.locked_until, "short"),
                    ),
                    "danger",
                )
            else:
                flash(_("Wrong username or password."), "danger")
            return render_template("auth/login.html", form=form), 401
        locale = session.get("locale")
        session.clear()  # a fresh session on sign-in: no fixation
        if locale:
            session["locale"] = locale
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or url_for("tickets.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():  # type: ignore[no-untyped-def]
    code = request.form.get("locale", "")
    if code in LANGUAGES:
        session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("tickets.home"))
