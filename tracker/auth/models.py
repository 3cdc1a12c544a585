"""API tokens: stored as a SHA-256 hash with a short readable prefix; shown once when created."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now


class ApiToken(SQLModel, table=True):
    """A bearer token acting with exactly its user's rights until revoked."""

    __tablename__ = "api_token"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
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


class UserSession(SQLModel, table=True):
    """A signed-in browser session, kept on the server so that it can be ended.

    The session cookie carries a random id whose SHA-256 is `token_hash`; a cookie whose row is
    ended (sign-out, password change, disable, or ended from the account page) signs nobody in.
    """

    __tablename__ = "user_session"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_agent: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=created_now)
    last_seen_at: datetime = Field(default_factory=created_now)
    ended_at: datetime | None = None

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins counted under one key (an account name at an address, or an address).

    Shared by every worker and host through the database; `blocked_until` is when the next
    attempt under this key is heard again.
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=created_now)
    blocked_until: datetime | None = None

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.key} {self.failures}>"
