"""Photos attached before the evidence checks existed: read what they say about themselves,
render their upright thumbnail (and a JPEG rendition where browsers need one), fingerprint them
and find their copies, as an upload does today (`tracker evidence backfill`).

An attachment is pending while its `source_sha256` is empty (every upload since the checks sets
it), so a run can stop anywhere and the next one carries on; a file that cannot be read stays
pending and is reported again. The stored file is never rewritten: its SHA-256 is in the
keyed history (`tracker audit verify`), and the upload's own bytes (with their EXIF, when they
were stripped at upload) are gone, so its fingerprint is of the stored bytes. Flags are not
stored: they are worked out when shown, from the facts filled in here.

The slow part (`examine`: reading and decoding) runs outside any transaction; `record` is a
short write that re-checks the attachment is still pending.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from tracker.evidence import duplicates, places, storage
from tracker.evidence.images import BadImage, ProcessedImage
from tracker.evidence.models import Attachment
from tracker.evidence.service import UploadSettings, record_photo_facts
from tracker.evidence.sniff import detect
from tracker.tickets.models import Ticket


@dataclass(frozen=True)
class Pending:
    """What `examine` needs of a pending attachment (read in a short transaction)."""

    id: int
    ticket_id: int
    original_name: str
    stored_name: str
    sha256: str
    is_image: bool


class Unreadable(Exception):
    """A pending file that cannot be examined; the message says why (in English, for the
    operator's terminal and log)."""


@dataclass(frozen=True)
class Examined:
    sha256: str
    image: ProcessedImage | None


def pending(session: Session, after_id: int = 0, limit: int | None = None) -> list[Pending]:
    """Attachments not yet examined, in id order from `after_id` on."""
    query = (
        sa_select(
            col(Attachment.id),
            col(Attachment.ticket_id),
            col(Attachment.original_name),
            col(Attachment.stored_name),
            col(Attachment.sha256),
            col(Attachment.content_type),
        )
        .where(col(Attachment.source_sha256).is_(None), col(Attachment.id) > after_id)
        .order_by(col(Attachment.id))
        .limit(limit)
    )
    return [
        Pending(id_, ticket_id, name, stored, sha, content_type.startswith("image/"))
        for id_, ticket_id, name, stored, sha, content_type in session.execute(query)
    ]


def count_pending(session: Session) -> int:
    query = select(func.count()).select_from(Attachment)
    return session.exec(query.where(col(Attachment.source_sha256).is_(None))).one()


def examine(item: Pending, settings: UploadSettings) -> Examined:
    """Read the stored file, check it is the one recorded, and for a photo read its facts,
    fingerprints and renditions and write the renditions (upright, without metadata); raise
    Unreadable otherwise."""
    path = storage.file_path(settings.upload_dir, item.stored_name)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise Unreadable("the stored file is missing") from error
    except OSError as error:
        raise Unreadable(f"the stored file cannot be read ({error.strerror})") from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != item.sha256:
        raise Unreadable(
            "the stored file differs from the SHA-256 recorded at upload "
            "(replaced or damaged on disk: see `tracker audit verify`)"
        )
    if not item.is_image:
        return Examined(digest, None)
    kind = detect(data)
    if kind is None or not kind.is_image:
        raise Unreadable("the stored file is not an image of an accepted type")
    try:
        # what is stored stays as it is (see the module's note)
        image = settings.process(data, kind, strip_metadata=False)
    except BadImage as error:
        raise Unreadable(f"the image cannot be used: {error}") from error
    storage.write_atomically(
        storage.thumbnail_path(settings.upload_dir, item.stored_name), image.thumbnail
    )
    if image.display is not None:
        storage.write_atomically(
            storage.display_path(settings.upload_dir, item.stored_name), image.display
        )
    return Examined(digest, image)


@dataclass(frozen=True)
class Recorded:
    """What one examined attachment gained."""

    is_photo: bool = False
    has_time: bool = False
    has_position: bool = False
    copies: int = 0
    placed_finding: bool = False


def record(session: Session, attachment_id: int, examined: Examined, now: datetime) -> Recorded:
    """Store the facts and fingerprints, find and store copies, and give a finding without a
    place its first geotagged before-photo's; nothing if another run recorded it meanwhile."""
    attachment = session.exec(
        select(Attachment).where(Attachment.id == attachment_id).with_for_update()
    ).first()
    if attachment is None or attachment.source_sha256 is not None:
        return Recorded()
    attachment.source_sha256 = examined.sha256
    image = examined.image
    if image is None:
        session.add(attachment)
        session.flush()
        return Recorded()
    record_photo_facts(attachment, image)
    attachment.has_thumbnail = True
    session.add(attachment)
    session.flush()
    copies = duplicates.record_copies(session, attachment)
    ticket = session.get(Ticket, attachment.ticket_id)
    placed = ticket is not None and places.adopt_photo_position(session, ticket, attachment, now)
    return Recorded(
        is_photo=True,
        has_time=attachment.taken_at is not None,
        has_position=attachment.has_position,
        copies=len(copies),
        placed_finding=placed,
    )


@dataclass
class Summary:
    """A run's tally, printed at its end."""

    examined: int = 0
    photos: int = 0
    with_time: int = 0
    with_position: int = 0
    with_copies: int = 0
    findings_placed: int = 0
    unreadable: list[tuple[Pending, str]] = field(default_factory=list)

    def add(self, result: Recorded) -> None:
        self.examined += 1
        self.photos += result.is_photo
        self.with_time += result.has_time
        self.with_position += result.has_position
        self.with_copies += result.copies > 0
        self.findings_placed += result.placed_finding
