"""Units (a tree stored with a materialised path) and users with one role each."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from tracker.modelbase import created_now


class UnitKind(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    DEPARTMENT = "department"
    ASSISTANCE = "assistance"
    TEAM = "team"


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    CADRE = "cadre"
    LEADER = "leader"


class Unit(SQLModel, table=True):
    """An org unit. `path` is `/<id>/<id>/.../` from the root, so a subtree is a prefix match."""

    __tablename__ = "unit"
    __table_args__ = (
        Index("ix_unit_path_pattern", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    path: str = Field(default="", max_length=255)
    depth: int = 0
    is_active: bool = True
    created_at: datetime = Field(default_factory=created_now)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


def new_session_nonce() -> str:
    return secrets.token_hex(16)


# JSONB on PostgreSQL: plain json has no equality, and queries that compare whole user rows
# (DISTINCT, UNION) would fail.
CHANNELS_JSON = JSON().with_variant(JSONB(), "postgresql")


class User(UserMixin, SQLModel, table=True):
    """A person who signs in. A cadre belongs to `unit_id`; a leader's charge is `LeaderCharge`."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(max_length=16, index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    password_hash: str = Field(max_length=255)
    is_enabled: bool = True
    locale: str | None = Field(default=None, max_length=8)
    # Changes with the password: Flask-Login's id embeds it, so other sessions end.
    session_nonce: str = Field(default_factory=new_session_nonce, max_length=32)
    # Set by an administrator's password reset: the next sign-in must choose a new password.
    must_change_password: bool = False
    last_login_at: datetime | None = None
    # Non-essential mail (reminders, digests) can be turned off; escalations cannot.
    is_mail_opted_out: bool = False
    # For group-robot @-mentions and SMS; the personal channels chosen besides e-mail
    # (reminders/channels.PERSONAL) for messages that are not escalations.
    mobile: str | None = Field(default=None, max_length=20)
    notify_channels: list[str] = Field(
        default_factory=list,
        sa_column=Column(CHANNELS_JSON, nullable=False, default=list, server_default="[]"),
    )
    created_at: datetime = Field(default_factory=created_now)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled users cannot sign in
        return self.is_enabled

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LeaderCharge(SQLModel, table=True):
    """A unit subtree in a leader's charge (包乡领导: the leader in charge of a township)."""

    __tablename__ = "leader_charge"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
