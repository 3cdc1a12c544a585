"""Downloads of the documents printed from findings: the 督办通知单 (one finding from its page,
or a selection from the list) and the 整改销号审批表 of one finding."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from tracker.core.clock import utcnow
from tracker.core.db import get_session, writes_on_get
from tracker.core.errors import ServiceError, ValidationFailed
from tracker.documents.chase_notice import NoticeContent, notice_file, prepare_notices
from tracker.documents.closing_sheet import closing_sheet_docx
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


def send_notices(files: list[tuple[str, bytes]]) -> Response:
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


def _issued(ids: list[int]) -> list[NoticeContent]:
    """The notices of the findings `ids`; the 文号 issued stay issued (committed)."""
    session = get_session()
    notices = prepare_notices(
        session, current_user, ids, active_workflow(), current_app.config, utcnow()
    )
    session.commit()
    return notices


def _notices(ids: list[int]) -> Response:
    return send_notices([notice_file(content) for content in _issued(ids)])


def _printable(ids: list[int]) -> str:
    return render_template("documents/notice.html", notices=_issued(ids))


def _selected_ids() -> list[int]:
    return [int(i) for i in request.form.getlist("ids") if i.isdigit()]


def _one(answer: Callable[[list[int]], ResponseReturnValue], ticket_id: int) -> ResponseReturnValue:
    """`answer` for one finding from its page: a refusal is its status (404, 403)."""
    try:
        return answer([ticket_id])
    except ServiceError as error:
        get_session().rollback()
        abort(error.status)


def _selection(answer: Callable[[list[int]], ResponseReturnValue]) -> ResponseReturnValue:
    """`answer` for the findings ticked on the list: an empty selection goes back to it."""
    try:
        return answer(_selected_ids())
    except ValidationFailed as error:
        get_session().rollback()
        flash(error.message, "danger")
        return redirect(_back_to_list())
    except ServiceError as error:
        get_session().rollback()
        abort(error.status)


@bp.route("/tickets/<int:ticket_id>/notice.docx")
@login_required
@writes_on_get
def notice(ticket_id: int) -> ResponseReturnValue:
    """The 督办通知单 of one finding."""
    return _one(_notices, ticket_id)


@bp.route("/tickets/<int:ticket_id>/notice")
@login_required
@writes_on_get
def notice_page(ticket_id: int) -> ResponseReturnValue:
    """The 督办通知单 of one finding as a page to print (same content and 文号 as the .docx)."""
    return _one(_printable, ticket_id)


@bp.post("/tickets/notice")
@login_required
def notice_selection() -> ResponseReturnValue:
    """The 督办通知单 of the findings ticked on the list (one per responsible unit)."""
    return _selection(_notices)


@bp.post("/tickets/notice/print")
@login_required
def notice_selection_page() -> ResponseReturnValue:
    """The 督办通知单 of the findings ticked on the list, as one page to print (one sheet per
    responsible unit)."""
    return _selection(_printable)


@bp.route("/tickets/<int:ticket_id>/closing-sheet.docx")
@login_required
def closing_sheet(ticket_id: int) -> ResponseReturnValue:
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
