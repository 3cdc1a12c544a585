"""Evidence through the API: upload (multipart), list a ticket's files, download one.

The rules are the evidence module's: `store_upload` checks the file by its content and who may
add it, `get_visible_attachment` scopes a download by its ticket (another unit's id is 404), and
the file is sent by the same response helper as the page's download.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, respond
from tracker.api.errors import ApiError
from tracker.api.present import from_row, local_moment
from tracker.api.schemas import ID_MAX, AttachmentList, AttachmentOut, PositionOut
from tracker.api.tickets import visible_ticket
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import NotFound
from tracker.evidence import service
from tracker.evidence.flags import EvidenceFlags, FlagRules, flags_for_tickets
from tracker.evidence.models import Attachment, Purpose
from tracker.evidence.views import attachment_response
from tracker.tickets.models import Ticket
from tracker.workflow.registry import active_workflow


def _flags(ticket: Ticket, attachments: list[Attachment]) -> EvidenceFlags:
    """The flags and copies of a ticket's files as the caller may see them."""
    rules = FlagRules.of(active_workflow(), current_app.config)
    return flags_for_tickets(get_session(), api_user(), [ticket], attachments, rules)


def attachment_out(attachment: Attachment, found: EvidenceFlags) -> AttachmentOut:
    position = None
    if attachment.latitude is not None and attachment.longitude is not None:
        position = PositionOut(lat=attachment.latitude, lon=attachment.longitude)
    return from_row(
        AttachmentOut,
        attachment,
        filename=attachment.original_name,
        created_at=local_moment(attachment.created_at),
        download_url=url_for("api.download_attachment", attachment_id=attachment.id),
        taken_at=local_moment(attachment.taken_at),
        position=position,
        flags=[str(f) for f in found.flags.get(attachment.id, [])],
        similar=[s.other_id for s in found.similar.get(attachment.id, [])],
    )


@bp.post("/tickets/<int:ticket_id>/attachments")
def upload_attachment(ticket_id: int) -> ResponseReturnValue:
    """Store one file (field `file`, optional `purpose`) and record the upload in the history.

    The same bytes sent again to this ticket (a retry on a slow link) are not stored twice: the
    answer is the earlier attachment, with 200 instead of 201."""
    session = get_session()
    ticket = visible_ticket(ticket_id)
    now = utcnow()
    try:
        upload = service.store_upload(
            session,
            ticket,
            api_user(),
            request.files.get("file"),
            request.form.get("purpose") or Purpose.EVIDENCE,
            now,
            current_app.config,
            active_workflow(),
        )
        if not upload.is_repeat:
            service.record_uploads(session, ticket, api_user(), [upload.attachment], now)
        session.commit()  # the file takes its name now; a failure before deletes it
    except service.FileTooLarge as error:
        raise ApiError(413, "payload_too_large", error.message, error.fields) from error
    attachment = upload.attachment
    response = respond(
        attachment_out(attachment, _flags(ticket, [attachment])), 200 if upload.is_repeat else 201
    )
    response.headers["Location"] = url_for("api.download_attachment", attachment_id=attachment.id)
    return response


@bp.get("/tickets/<int:ticket_id>/attachments")
def list_attachments(ticket_id: int) -> ResponseReturnValue:
    ticket = visible_ticket(ticket_id)
    rows = service.attachments_of(get_session(), ticket)
    found = _flags(ticket, rows)
    return respond(AttachmentList(items=[attachment_out(a, found) for a in rows]))


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int) -> ResponseReturnValue:
    """The file itself, scoped by its ticket (another unit's attachment id is 404)."""
    if not 1 <= attachment_id <= ID_MAX:
        raise NotFound(_("attachment not found"))
    attachment, _ticket = service.get_visible_attachment(get_session(), api_user(), attachment_id)
    return attachment_response(attachment, download=request.args.get("download") == "1")
