"""What the factory (`tracker/web/factory.py`) wires in: the blueprints, /healthz, the security
headers, the request's language; and `go_to`, where a form sends the browser next."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, g, jsonify, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import text
from werkzeug.wrappers import Response as WerkzeugResponse

from tracker.core.db import get_session

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


def blueprints() -> list[Blueprint]:
    """Every blueprint the app registers (the evidence review pages come with evidence)."""
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


def security_headers(response: Response) -> Response:
    """Headers every answer carries, and no-store on answers that belong to one user."""
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


def remember_locale() -> None:
    """The request's language, looked up once, for templates and services."""
    g.locale = str(get_locale())
