"""Units (a tree stored with a materialised path) and users with one role each."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import DDL, JSON, BigInteger, Column, Index, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now


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

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
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

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
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


class DirectoryVersion(SQLModel, table=True):
    """One row: a number that database triggers raise on every change to units, categories and
    people's names, so each worker can keep those in memory and reload them only when it moved
    (tracker/org/directory.py). Migration `directory_version` holds the same DDL."""

    __tablename__ = "directory_version"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=1, sa_type=BigInteger)


# The tables the directory mirrors, with the UPDATE columns that matter (None: any column).
DIRECTORY_TABLES: dict[str, tuple[str, ...] | None] = {
    "unit": None,
    "category": None,
    "user_account": ("username", "display_name"),
}
# An upsert: after a TRUNCATE (tests) the row comes back with the next change.
_BUMP = (
    "INSERT INTO directory_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = directory_version.version + 1"
)


def directory_ddl(dialect: str) -> list[str]:
    """The triggers that raise `DirectoryVersion.version`, for `create_all`."""
    if dialect == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION directory_version_bump() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {_BUMP}; RETURN NULL; END $$"
        ]
        for table, columns in DIRECTORY_TABLES.items():
            update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
            statements.append(
                f"CREATE OR REPLACE TRIGGER {table}_directory_version "
                f"AFTER INSERT OR DELETE OR {update} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION directory_version_bump()"
            )
        return statements
    statements = []
    for table, columns in DIRECTORY_TABLES.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        for name, operation in (("insert", "INSERT"), ("delete", "DELETE"), ("update", update)):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_directory_{name} "
                f"AFTER {operation} ON {table} BEGIN {_BUMP}; END"
            )
    return statements


def _install_directory_triggers() -> None:
    """After `create_all` made every table: the first row and the triggers (idempotent)."""
    for dialect in ("postgresql", "sqlite"):
        for statement in [
            "INSERT INTO directory_version (id, version) VALUES (1, 1) ON CONFLICT DO NOTHING",
            *directory_ddl(dialect),
        ]:
            ddl = DDL(statement.replace("%", "%%")).execute_if(dialect=dialect)
            event.listen(SQLModel.metadata, "after_create", ddl)


_install_directory_triggers()
