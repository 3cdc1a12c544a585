"""Evidence pages: upload from the ticket page, download and thumbnails behind the scope check."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from tracker.core.clock import utcnow
from tracker.core.config import get_settings
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.evidence import service, storage
from tracker.evidence.forms import UploadForm
from tracker.evidence.models import Attachment
from tracker.tickets.scope import get_visible_ticket
from tracker.web.wiring import go_to
from tracker.workflow.registry import active_workflow

bp = Blueprint("evidence", __name__)

# Downloads are never rendered as pages: nothing in them may run or frame anything.
_DOWNLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.post("/tickets/<int:ticket_id>/attachments")
@login_required
def upload(ticket_id: int) -> ResponseReturnValue:
    session = get_session()
    ticket = get_visible_ticket(session, current_user, ticket_id)  # 404 if not visible
    back = url_for("tickets.detail", ticket_id=ticket_id) + "#evidence"
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("The upload form was incomplete; please try again."), "danger")
        return go_to(back)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash(_("Choose a file to upload."), "danger")
        return go_to(back)
    now = utcnow()
    try:
        uploads = service.store_many(
            session,
            ticket,
            current_user,
            files,
            form.purpose.data,
            now,
            current_app.config,
            active_workflow(),
        )
        if uploads.added:
            service.record_uploads(session, ticket, current_user, uploads.added, now)
        session.commit()
    except ServiceError as error:  # the rollback deletes the files already staged
        session.rollback()
        if error.status == 403:
            abort(403)
        flash(error.message, "danger")
        return go_to(back)
    tell_uploads(uploads)
    return go_to(back)


def tell_uploads(uploads: service.Uploads) -> None:
    """Flash what was stored, and which files the finding had already (not stored twice)."""
    if uploads.added:
        count = len(uploads.added)
        flash(ngettext("%(num)d file added.", "%(num)d files added.", count), "success")
    for attachment in uploads.repeated:
        flash(
            _(
                "%(name)s is already attached to this finding; it was not stored again.",
                name=attachment.original_name,
            ),
            "info",
        )


def _visible_attachment(attachment_id: int) -> Attachment:
    """The attachment if its ticket is visible; NotFound (the 404 page) otherwise."""
    attachment, _ticket = service.get_visible_attachment(get_session(), current_user, attachment_id)
    return attachment


def _send(path: Path, mimetype: str, *, as_attachment: bool, name: str) -> Response:
    """A stored file with headers that stop browsers from sniffing, running or framing it."""
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=name,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = _DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def attachment_response(attachment: Attachment, *, download: bool = False) -> Response:
    """The stored file of an attachment the caller may see (scope checked by the caller, with
    `service.get_visible_attachment`); its checked content type; images inline unless
    `download` (HEIC photos inline as their JPEG rendition), documents always as downloads.
    Used by the page and the API."""
    upload_dir = current_app.config["UPLOAD_DIR"]
    if attachment.has_display and not download:
        path = storage.display_path(upload_dir, attachment.stored_name)
        return _send(path, "image/jpeg", as_attachment=False, name=f"photo-{attachment.id}.jpg")
    path = storage.file_path(upload_dir, attachment.stored_name)
    return _send(
        path,
        attachment.content_type,
        as_attachment=not attachment.is_image or download,
        name=service.download_name(attachment),
    )


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> ResponseReturnValue:
    attachment = _visible_attachment(attachment_id)
    return attachment_response(attachment, download=request.args.get("download") == "1")


@bp.get("/attachments/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(attachment_id: int) -> ResponseReturnValue:
    attachment = _visible_attachment(attachment_id)
    if not attachment.has_thumbnail:
        abort(404)
    path = storage.thumbnail_path(current_app.config["UPLOAD_DIR"], attachment.stored_name)
    return _send(path, "image/jpeg", as_attachment=False, name=f"thumbnail-{attachment.id}.jpg")


def too_large(error: HTTPException) -> ResponseReturnValue:
    """The one 413 handler (the request exceeded MAX_CONTENT_LENGTH): a readable page, or under
    /api/ the API's JSON error (`payload_too_large`)."""
    if request.path.startswith("/api/"):
        from tracker.api.errors import http_error_response

        return http_error_response(error)
    limit = get_settings().upload_max_bytes
    return render_template("evidence/too_large.html", limit=limit), 413
