"""Wire blueprints, the user loader, template helpers and security headers into the app."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Flask,
    Response,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from tracker.core.db import get_session
from tracker.core.errors import NotFound as ServiceNotFound
from tracker.web.extensions import login_manager

if TYPE_CHECKING:
    from tracker.org.models import User

log = logging.getLogger(__name__)

# Sent by static/app.js when it sends a form with files itself, to show the upload's progress.
UPLOAD_SCRIPT_HEADER = "X-Upload-Progress"


def go_to(url: str) -> WerkzeugResponse:
    """Where a form sends the browser next: a redirect, or, to the upload script, the address as
    JSON (a redirect would be followed inside the script and eat the flashed messages, which
    must wait for the page the script then opens)."""
    if request.headers.get(UPLOAD_SCRIPT_HEADER):
        return jsonify(location=url)
    return redirect(url)


def _blueprints() -> list[Blueprint]:
    from tracker.api.views import bp as api_bp
    from tracker.auth.account_views import bp as account_bp
    from tracker.auth.token_views import bp as tokens_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.calendar.views import bp as calendar_bp
    from tracker.documents.views import bp as documents_bp
    from tracker.evidence.views import bp as evidence_bp
    from tracker.inspections.views import bp as inspections_bp
    from tracker.org.user_admin_views import bp as user_admin_bp
    from tracker.org.views import bp as org_bp
    from tracker.reminders.views import bp as reminders_bp
    from tracker.reports.views import bp as reports_bp
    from tracker.tickets.category_views import bp as categories_bp
    from tracker.tickets.ledger_views import bp as ledger_bp
    from tracker.tickets.views import bp as tickets_bp
    from tracker.workflow.views import bp as workflow_bp

    return [
        auth_bp,
        org_bp,
        documents_bp,
        tickets_bp,
        workflow_bp,
        api_bp,
        tokens_bp,
        ledger_bp,
        calendar_bp,
        reminders_bp,
        reports_bp,
        inspections_bp,
        evidence_bp,
        categories_bp,
        account_bp,
        user_admin_bp,
    ]


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    from tracker.auth.guard import load_signed_in_user

    return load_signed_in_user(user_id)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if _is_private(response) and "private" not in response.headers.get("Cache-Control", ""):
        # A signed-in page or an API answer must not stay in a shared or back-button cache
        # (evidence files say `private` themselves: the browser may keep those).
        response.headers["Cache-Control"] = "no-store"
    return response


def _is_private(response: Response) -> bool:
    """Whether the answer belongs to one user: the API, or a page with a signed-in session."""
    if request.endpoint == "static" or response.status_code in (301, 302, 303, 304, 307, 308):
        return False
    return request.path.startswith("/api/") or "_user_id" in session


def healthz() -> ResponseReturnValue:
    """200 when the database answers; otherwise the outage answer (503, Retry-After)."""
    from tracker.ops.outage import unavailable_response

    try:
        get_session().execute(text("SELECT 1"))
    except Exception:  # any database failure means unhealthy
        log.warning("health check: the database does not answer", exc_info=True)
        return unavailable_response()
    return jsonify({"status": "ok", "database": "ok"})


def init_app(app: Flask) -> None:
    from tracker.calendar import views as calendar_views
    from tracker.web import template_helpers

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.after_request(_security_headers)
    from tracker.ops import inputguard, outage, proxies

    outage.init_app(app)
    proxies.init_app(app)

    from tracker.auth import guard, throttle

    throttle.init_app(app)
    guard.init_app(app)
    inputguard.init_app(app)
    template_helpers.init_app(app)
    calendar_views.init_app(app)
    from tracker import reminders

    reminders.init_app(app)
    from tracker import reports

    reports.init_app(app)
    from tracker import api

    api.init_app(app)
    from tracker import evidence, inspections

    inspections.init_app(app)
    evidence.init_app(app)

    @app.errorhandler(404)
    def _not_found(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            from tracker.api.errors import http_error_response

            return http_error_response(error)
        return render_template("errors/404.html"), 404

    @app.errorhandler(ServiceNotFound)
    def _not_visible(_error: ServiceNotFound) -> ResponseReturnValue:
        """A record that does not exist or that the user may not see: the same 404 page."""
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def _forbidden(_error: HTTPException) -> ResponseReturnValue:
        return render_template("errors/403.html"), 403

    @app.before_request
    def _remember_locale() -> None:
        g.locale = str(get_locale())
