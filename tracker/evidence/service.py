"""Evidence rules: who may add files, checking and storing them, and finding them again.

Every lookup of an attachment goes through the ticket's scope (`get_visible_ticket`), so another
unit's attachment id is "not found", exactly like another unit's ticket id.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.evidence import duplicates, places, storage
from tracker.evidence.models import Attachment, Purpose
from tracker.evidence.sniff import ACCEPTED, EXTENSIONS, FileType, detect
from tracker.org.models import User
from tracker.policy import Permission, may, offers
from tracker.tickets.models import EventKind, Ticket, TicketEvent
from tracker.tickets.relations import relations_of
from tracker.tickets.scope import get_visible_ticket
from tracker.tickets.service import record_activity
from tracker.workflow.definition import WorkflowDefinition

if TYPE_CHECKING:
    from tracker.evidence.images import ProcessedImage

TYPES_BY_CONTENT_TYPE = {t.content_type: t for t in ACCEPTED}


@dataclass(frozen=True)
class UploadSettings:
    """The settings an upload needs (read from app.config by the caller; their defaults are
    config/default.toml's)."""

    upload_dir: str
    max_bytes: int
    max_pixels: int
    thumbnail_box: int
    strip_metadata: bool
    # The zone of EXIF capture times written without an offset (the deployment's TIMEZONE).
    timezone: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UploadSettings:
        return cls(
            upload_dir=str(config["UPLOAD_DIR"]),
            max_bytes=int(config["UPLOAD_MAX_BYTES"]),
            max_pixels=int(config["UPLOAD_MAX_PIXELS"]),
            thumbnail_box=int(config["THUMBNAIL_SIZE"]),
            strip_metadata=bool(config["UPLOAD_STRIP_METADATA"]),
            timezone=str(config["TIMEZONE"]),
        )

    def process(self, data: bytes, kind: FileType, *, strip_metadata: bool) -> ProcessedImage:
        """A photo processed under these settings (pixel limit, thumbnail, the zone of its
        capture time); raises `BadImage`. Pillow is imported here, on the first photo, not
        with the app: a worker serving pages never needs it."""
        from tracker.evidence.images import process_image

        return process_image(
            data,
            kind,
            max_pixels=self.max_pixels,
            thumbnail_box=self.thumbnail_box,
            strip_metadata=strip_metadata,
            zone=ZoneInfo(self.timezone),
        )


def _settings(config: Mapping[str, Any] | UploadSettings) -> UploadSettings:
    return config if isinstance(config, UploadSettings) else UploadSettings.from_config(config)


# --- permission ----------------------------------------------------------------------------


def _is_terminal(ticket: Ticket, workflow: WorkflowDefinition) -> bool:
    state = workflow.state(ticket.state)
    return bool(state and state.terminal)


def can_upload(session: Session, user: User, ticket: Ticket, workflow: WorkflowDefinition) -> bool:
    """Inspectors and admins; cadres of the lead or a co-operating unit (协办 units add their own
    evidence); leaders in charge. Units stop adding files once the ticket is closed (a terminal
    state of `workflow`); inspectors still can (follow-up checks, 回头看)."""
    if may(user, Permission.ADD_EVIDENCE_WHEN_CLOSED):
        return True
    if not offers(user, Permission.ADD_EVIDENCE) or _is_terminal(ticket, workflow):
        return False
    return may(user, Permission.ADD_EVIDENCE, relations_of(session, user, ticket))


# --- names ---------------------------------------------------------------------------------


def safe_original_name(name: str | None) -> str:
    """The user's file name reduced to a harmless label: no folders, no control characters."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if unicodedata.category(ch) == "Zs" else ch
        for ch in text
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp")
    )
    text = text.strip().lstrip(".").strip()
    return text[:200] or "file"


def download_name(attachment: Attachment) -> str:
    """The name to offer on download, its extension matching the content actually stored."""
    kind = TYPES_BY_CONTENT_TYPE.get(attachment.content_type)
    name = attachment.original_name or "file"
    if kind is None:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and f".{ext.lower()}" in EXTENSIONS[kind.key]:
        return name
    return (stem if dot and stem else name) + kind.extension


# --- storing -------------------------------------------------------------------------------


class FileTooLarge(ValidationFailed):
    """A file over UPLOAD_MAX_BYTES: a field error on the page, 413 `payload_too_large` in the
    API (like a request over MAX_CONTENT_LENGTH)."""


def _read_limited(file_storage: Any, max_bytes: int) -> bytes:
    stream = getattr(file_storage, "stream", file_storage)
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        megabytes = f"{max_bytes / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
        raise FileTooLarge(
            _("The file is too large: at most %(size)s MB.", size=megabytes),
            {"file": "too large"},
        )
    if not data:
        raise ValidationFailed(_("The file is empty."), {"file": "empty"})
    return data


def _refuse_type() -> ValidationFailed:
    return ValidationFailed(
        _(
            "This kind of file is not accepted. Upload photos (JPEG, PNG, WebP, HEIC) or documents "
            "(PDF, Word .docx, Excel .xlsx)."
        ),
        {"file": "type not accepted"},
    )


@dataclass(frozen=True)
class Upload:
    """A file handed in: the attachment that holds it, and whether this finding had it already."""

    attachment: Attachment
    is_repeat: bool = False


def _same_file(session: Session, ticket: Ticket, source_sha256: str) -> Attachment | None:
    """This finding's attachment made from exactly these bytes, if any."""
    query = (
        select(Attachment)
        .where(Attachment.ticket_id == ticket.id, Attachment.source_sha256 == source_sha256)
        .order_by(col(Attachment.id))
    )
    return session.exec(query).first()


# long: checks, image processing, staging and the row: one upload's order of refusal and effect
def store_upload(
    session: Session,
    ticket: Ticket,
    user: User,
    file_storage: Any,
    purpose: str,
    now: datetime,
    config: Mapping[str, Any] | UploadSettings,
    workflow: WorkflowDefinition,
) -> Upload:
    """Check a file by its content and size, store it under a generated name, record it.

    The same bytes given to the same finding again (a second tap, a retried upload on a slow
    link) are stored once: the earlier attachment is answered as a repeat. The file takes its
    name when the caller commits `session` and is deleted if the transaction ends otherwise
    (`storage.stage`): a refused or failed request leaves neither file nor row.
    """
    settings = _settings(config)
    if not can_upload(session, user, ticket, workflow):
        raise Forbidden(_("You may not add evidence to this finding."))
    if purpose not in {p.value for p in Purpose}:
        raise ValidationFailed(_("Unknown purpose."), {"purpose": "unknown"})
    if file_storage is None or not getattr(file_storage, "filename", "x"):
        raise ValidationFailed(_("Choose a file to upload."), {"file": "required"})
    data = _read_limited(file_storage, settings.max_bytes)
    kind: FileType | None = detect(data)
    if kind is None:
        raise _refuse_type()
    source_sha256 = hashlib.sha256(data).hexdigest()
    earlier = _same_file(session, ticket, source_sha256)
    if earlier is not None:
        return Upload(earlier, is_repeat=True)
    image: ProcessedImage | None = None
    if kind.is_image:
        from tracker.evidence.images import BadImage  # with Pillow, on the first photo

        try:
            image = settings.process(data, kind, strip_metadata=settings.strip_metadata)
        except BadImage as exc:
            raise ValidationFailed(
                _("The image was refused: %(reason)s.", reason=str(exc)), {"file": str(exc)}
            ) from exc
        data = image.data
    stored_name = storage.new_stored_name(kind.extension)
    # Written under temporary names; renamed when the caller commits, deleted otherwise.
    storage.stage(session, storage.file_path(settings.upload_dir, stored_name), data)
    if image is not None:
        storage.stage(
            session, storage.thumbnail_path(settings.upload_dir, stored_name), image.thumbnail
        )
        if image.display is not None:
            storage.stage(
                session, storage.display_path(settings.upload_dir, stored_name), image.display
            )
    attachment = Attachment(
        ticket_id=ticket.id,
        uploader_id=user.id,
        original_name=safe_original_name(getattr(file_storage, "filename", None)),
        stored_name=stored_name,
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        purpose=purpose,
        has_thumbnail=image is not None,
        created_at=now,
        source_sha256=source_sha256,
    )
    if image is not None:
        record_photo_facts(attachment, image)
    session.add(attachment)
    session.flush()
    if image is not None:
        duplicates.record_copies(session, attachment)
        places.adopt_photo_position(session, ticket, attachment, now)
    return Upload(attachment)


def record_photo_facts(attachment: Attachment, image: ProcessedImage) -> None:
    """Copy what a processed photo said about itself and its fingerprints onto the attachment."""
    facts = image.facts
    attachment.taken_at = facts.taken_at
    attachment.camera = facts.camera
    if facts.position is not None:
        attachment.latitude, attachment.longitude = facts.position.lat, facts.position.lon
    if image.hashes is not None:
        attachment.phash, attachment.dhash = image.hashes
    attachment.has_display = image.display is not None


@dataclass
class Uploads:
    """The files of one form: the attachments stored now and those the finding had already."""

    added: list[Attachment] = field(default_factory=list)
    repeated: list[Attachment] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        """Every attachment the form's files stand for, each once, in the order given."""
        return list(dict.fromkeys(a.id for a in [*self.added, *self.repeated]))


def store_many(
    session: Session,
    ticket: Ticket,
    user: User,
    files: Iterable[Any],
    purpose: str,
    now: datetime,
    config: Mapping[str, Any] | UploadSettings,
    workflow: WorkflowDefinition,
) -> Uploads:
    """Store every non-empty file field (all kept or, when the transaction fails, none)."""
    uploads = Uploads()
    for item in files:
        if item is not None and getattr(item, "filename", None):
            upload = store_upload(session, ticket, user, item, purpose, now, config, workflow)
            if not upload.is_repeat:
                uploads.added.append(upload.attachment)
            elif upload.attachment.id not in uploads.ids:  # not the same file twice here
                uploads.repeated.append(upload.attachment)
    return uploads


def record_uploads(
    session: Session, ticket: Ticket, user: User, attachments: Sequence[Attachment], now: datetime
) -> TicketEvent:
    """One history entry for files added from the evidence card (not part of a transition)."""
    return record_activity(
        session,
        ticket,
        user,
        EventKind.ATTACHMENT,
        now,
        data={
            "attachments": [
                {"id": a.id, "name": a.original_name, "purpose": a.purpose} for a in attachments
            ],
            "files": [{"id": a.id, "sha256": a.sha256} for a in attachments],
        },
    )


def file_records(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """`{"id", "sha256"}` of each attachment, for the event that adds or cites them: the
    history's MAC then covers the files' content (`tracker audit verify` reads them back)."""
    if not ids:
        return []
    query = select(col(Attachment.id), col(Attachment.sha256)).where(col(Attachment.id).in_(ids))
    found = dict(session.exec(query).all())
    return [{"id": attachment_id, "sha256": found[attachment_id]} for attachment_id in ids]


# --- transitions ---------------------------------------------------------------------------


def check_ticket_attachments(session: Session, ticket: Ticket, ids: Iterable[int]) -> list[int]:
    """The ids given with a transition, each of which must be a file of this ticket."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(
        session.exec(
            select(Attachment.id).where(
                col(Attachment.id).in_(wanted), col(Attachment.ticket_id) == ticket.id
            )
        )
    )
    if len(found) != len(wanted):
        raise ValidationFailed(
            _("An attached file does not belong to this finding."), {"attachments": "unknown"}
        )
    return wanted


def link_to_event(session: Session, ids: Sequence[int], event: TicketEvent) -> None:
    """Mark attachments as the evidence a transition event cited."""
    if not ids:
        return
    for attachment in session.exec(select(Attachment).where(col(Attachment.id).in_(ids))):
        attachment.event_id = event.id
        session.add(attachment)
    session.flush()


# --- reading -------------------------------------------------------------------------------


def attachments_of(session: Session, ticket: Ticket) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment)
            .where(col(Attachment.ticket_id) == ticket.id)
            .order_by(col(Attachment.id))
        )
    )


def get_visible_attachment(
    session: Session, user: User, attachment_id: int
) -> tuple[Attachment, Ticket]:
    """The attachment and its ticket if `user` may see the ticket; otherwise NotFound."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(_("attachment not found"))
    ticket = get_visible_ticket(session, user, attachment.ticket_id)
    return attachment, ticket
