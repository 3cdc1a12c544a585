"""Attachments: photos and documents given as evidence on a ticket or with a transition."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now


class Purpose(StrEnum):
    """What an attachment shows (整改前 / 整改后 photos, other evidence, documents)."""

    BEFORE = "before"
    AFTER = "after"
    EVIDENCE = "evidence"
    DOCUMENT = "document"


class Attachment(SQLModel, table=True):
    """A stored file. `stored_name` is generated (never from the user's file name); the file
    lives under UPLOAD_DIR, outside the web root, and is served only after a scope check."""

    __tablename__ = "attachment"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    # The transition event that cited this file as evidence (None until one does).
    event_id: int | None = Field(default=None, foreign_key="ticket_event.id", index=True)
    uploader_id: int | None = Field(default=None, foreign_key="user_account.id")
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=128)
    size: int
    sha256: str = Field(max_length=64, index=True)
    purpose: str = Field(default=Purpose.EVIDENCE, max_length=16)
    has_thumbnail: bool = False
    created_at: datetime = Field(default_factory=created_now)
    # What the photo said about itself (EXIF), read once at upload; the stored copy, thumbnail
    # and display rendition carry no metadata (HEIC originals are kept as sent).
    taken_at: datetime | None = None
    camera: str = Field(default="", max_length=100)
    latitude: float | None = None
    longitude: float | None = None
    # A JPEG rendition for browsers (HEIC photos), under UPLOAD_DIR/display/.
    has_display: bool = False
    # Fingerprints (evidence/fingerprint.py): the upload's SHA-256 (`sha256` is of the stored
    # file, which differs once metadata is dropped) and two perceptual hashes.
    source_sha256: str | None = Field(default=None, max_length=64, index=True)
    phash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    dhash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.content_type} {self.size}B>"


class MatchKind(StrEnum):
    EXACT = "exact"  # the same bytes
    NEAR = "near"  # the same picture resized, recompressed or lightly cropped


class AttachmentMatch(SQLModel, table=True):
    """Two attachments judged the same picture, stored in both directions (a row per
    `attachment_id`), found once when the later one was uploaded (evidence/duplicates.py)."""

    __tablename__ = "attachment_match"
    __table_args__ = (UniqueConstraint("attachment_id", "other_id"),)

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    attachment_id: int = Field(foreign_key="attachment.id")
    other_id: int = Field(foreign_key="attachment.id", index=True)
    kind: str = Field(max_length=8)
    distance: int = 0  # perceptual hash distance (0 for exact copies)
    created_at: datetime = Field(default_factory=created_now)

    def __repr__(self) -> str:
        return f"<AttachmentMatch {self.attachment_id}~{self.other_id} {self.kind}>"


class PhotoHashBlock(SQLModel, table=True):
    """Perceptual hashes of up to BLOCK_SIZE photos packed as (id, phash, dhash) little-endian
    int64 triples, appended in the transaction that stores each photo: the near-copy look-up
    reads a few blobs instead of a row per photo (evidence/duplicates.py)."""

    __tablename__ = "photo_hash_block"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    count: int = 0
    data: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))


class PlaceSource(StrEnum):
    ENTERED = "entered"  # typed in (tracker unit locate, the ticket page)
    PHOTO = "photo"  # from the first geotagged photo


class UnitPosition(SQLModel, table=True):
    """Where a unit is (a village's centre), for judging how far a photo was taken from it."""

    __tablename__ = "unit_position"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    latitude: float
    longitude: float
    updated_at: datetime = Field(default_factory=created_now)


class TicketPosition(SQLModel, table=True):
    """Where a finding is; when absent, its location unit's position stands in."""

    __tablename__ = "ticket_position"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    latitude: float
    longitude: float
    source: str = Field(default=PlaceSource.ENTERED, max_length=16)
    updated_at: datetime = Field(default_factory=created_now)
