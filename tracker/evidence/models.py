"""Attachments: photos and documents given as evidence on a ticket or with a transition."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from tracker.modelbase import created_now


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

    id: int | None = Field(default=None, primary_key=True)
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

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.content_type} {self.size}B>"
