"""API tokens: stored as a SHA-256 hash with a short readable prefix; shown once when created."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tracker.modelbase import created_now


class ApiToken(SQLModel, table=True):
    """A bearer token acting with exactly its user's rights until revoked."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters of the token, to recognise it in the list (not enough to use it).
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=created_now)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… user={self.user_id}>"
