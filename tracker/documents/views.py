"""Downloads of the documents printed from findings: the 督办通知单 (one finding from its page,
or a selection from the list) and the 整改销号审批表 of one finding."""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from tracker.clock import utcnow
from tracker.db import get_session
from tracker.documents.chase_notice import issue_notices
from tracker.documents.closing_sheet import closing_sheet_docx
from tracker.errors import ServiceError, ValidationFailed
from tracker.tickets.scope import get_visible_ticket
from tracker.workflow.registry import active_workflow

bp = Blueprint("documents", __name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _back_to_list() -> str:
    """Where the list's form came from: a /tickets URL, never another site."""
    target = request.form.get("next", "")
    if target.startswith("/tickets") and not target.startswith("//"):
        return target
    return url_for("tickets.index", queue="all")


def send_notices(files: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    """One .docx for one unit's findings; a .zip of one .docx per unit for several units."""
    if len(files) == 1:
        name, data = files[0]
        return send_file(
            io.BytesIO(data), mimetype=DOCX_MIME, as_attachment=True, download_name=name
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    buffer.seek(0)
    return send_file(
        buffer, mimetype="application/zip", as_attachment=True, download_name="notices.zip"
    )


def _notices(ids: list[int]):  # type: ignore[no-untyped-def]
    session = get_session()
    files = issue_notices(
        session, current_user, ids, active_workflow(), current_app.config, utcnow()
    )
    session.commit()  # the 文号 issued stay issued
    return send_notices(files)


@bp.route("/tickets/<int:ticket_id>/notice.docx")
@login_required
def notice(ticket_id: int):  # type: ignore[no-untyped-def]
    """The 督办通知单 of one finding."""
    try:
        return _notices([ticket_id])
    except ServiceError as error:
        get_session().rollback()
        abort(error.status)


@bp.post("/tickets/notice")
@login_required
def notice_selection():  # type: ignore[no-untyped-def]
    """The 督办通知单 of the findings ticked on the list (one per responsible unit)."""
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    try:
        return _notices(ids)
    except ValidationFailed as error:
        get_session().rollback()
        flash(error.message, "danger")
        return redirect(_back_to_list())
    except ServiceError as error:
        get_session().rollback()
        abort(error.status)


@bp.route("/tickets/<int:ticket_id>/closing-sheet.docx")
@login_required
def closing_sheet(ticket_id: int):  # type: ignore[no-untyped-def]
    """The 整改销号审批表 of a verified or closed finding."""
    session = get_session()
    try:
        ticket = get_visible_ticket(session, current_user, ticket_id)
        data = closing_sheet_docx(session, ticket, active_workflow(), current_app.config)
    except ServiceError as error:
        if error.status != 409:
            abort(error.status)
        flash(error.message, "warning")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    return send_file(
        io.BytesIO(data),
        mimetype=DOCX_MIME,
        as_attachment=True,
        download_name=f"closing-sheet-{ticket.code}.docx",
    )
