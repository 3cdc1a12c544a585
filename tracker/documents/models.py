"""The register of issued documents (发文登记): one 文号 per document, numbered within a year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now


class IssuedDocument(SQLModel, table=True):
    """A document that was given a 文号; `key` names what it is (e.g. `bulletin:inspection:3`),
    so downloading it again prints the same number."""

    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("year", "serial"),)

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    key: str = Field(max_length=200, unique=True)
    year: int
    serial: int
    number: str = Field(max_length=100)  # the 文号 as printed
    title: str = Field(default="", max_length=300)
    issued_at: datetime = Field(default_factory=created_now)
    issued_by_id: int | None = Field(default=None, foreign_key="user_account.id")

    def __repr__(self) -> str:
        return f"<IssuedDocument {self.number} {self.key}>"
