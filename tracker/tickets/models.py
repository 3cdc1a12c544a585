"""Ticket tables. History (`TicketEvent`) is append-only; tickets are never hard-deleted."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now, partial_index


class Source(StrEnum):
    """Where a finding came from (问题来源)."""

    INSPECTION = "inspection"  # 督查检查
    UNANNOUNCED = "unannounced"  # 督查暗访
    CENTRAL_INSPECTION = "central_inspection"  # 中央巡视反馈
    ASSESSMENT = "assessment"  # 成效考核反馈
    CITIZEN = "citizen"  # 群众反映
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Resolution(StrEnum):
    DONE = "done"  # rectified, verified and closed (销号)
    WITHDRAWN = "withdrawn"  # duplicate or invalid report


class Category(SQLModel, table=True):
    """A problem category (问题类别); a two-level, admin-editable taxonomy."""

    __tablename__ = "category"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    position: int = 0
    is_active: bool = True

    def label(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


_ticket_version = Column("version", Integer, nullable=False)


class Ticket(SQLModel, table=True):
    """A finding (督查发现问题) handed to a responsible unit with a deadline."""

    __tablename__ = "ticket"
    __table_args__ = (
        # State filter sorted by deadline (every role queue); `id` breaks ties as SORTS does, so
        # the index yields the page in order and keyset cursors start on it.
        Index("ix_ticket_state_deadline", "state", "deadline", "id"),
        Index("ix_ticket_responsible_state", "responsible_unit_id", "state", "deadline"),
        Index("ix_ticket_created_at", "created_at"),
        # With ix_ticket_created_at, a BitmapOr for "filed or closed since" (the dashboard's
        # weekly flow when counted from the tickets).
        Index("ix_ticket_closed_at", "closed_at"),
        # Sorting the whole visible list (leaders, admins) by deadline or by last change, and the
        # due_before/due_after filters without a state: EXPLAIN evidence in bench/RESULTS.md.
        Index("ix_ticket_deadline_id", "deadline", "id"),
        Index("ix_ticket_updated_at_id", "updated_at", "id"),
        # Work queues (tracker/tickets/queues.py) at 10^6 tickets: a state with or without a
        # report awaiting checking, by deadline (to verify, rectifying, overdue); the few
        # tickets asking for more time and those with a follow-up check (bench/RESULTS.md).
        # The pending return rides along, so the county-wide overdue count needs no heap visit.
        Index(
            "ix_ticket_state_awaiting_deadline",
            "state",
            "is_awaiting_verification",
            "deadline",
            postgresql_include=["return_requested_at"],
        ),
        partial_index(
            "ix_ticket_extension_pending",
            "state",
            "responsible_unit_id",
            where="requested_deadline IS NOT NULL",
        ),
        partial_index(
            "ix_ticket_followup_due", "followup_due_on", where="followup_due_on IS NOT NULL"
        ),
        # A unit's own queues (to accept, returned, rectifying, reported awaiting check) as
        # index-only scans that stop at the count cap; the few tickets a unit asked to return.
        Index(
            "ix_ticket_responsible_queue",
            "responsible_unit_id",
            "state",
            "is_awaiting_verification",
            "rejection_count",
            postgresql_include=["return_requested_at"],
        ),
        # A subtree's overdue tickets (the leader's 分管逾期), one scan per state that stops at
        # the count cap.
        Index(
            "ix_ticket_responsible_overdue",
            "responsible_unit_id",
            "state",
            "is_awaiting_verification",
            "deadline",
            postgresql_include=["return_requested_at"],
        ),
        partial_index(
            "ix_ticket_return_pending",
            "state",
            "responsible_unit_id",
            where="return_requested_at IS NOT NULL",
        ),
    )
    __mapper_args__ = {"version_id_col": _ticket_version}

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    code: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    source: str = Field(default=Source.INSPECTION, max_length=32, index=True)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    location_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    responsible_unit_id: int = Field(foreign_key="unit.id")
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    person_in_charge: str = Field(default="", max_length=100)
    requirement: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    severity: str = Field(default=Severity.NORMAL, max_length=16)
    tags: str = Field(default="", max_length=200)
    reporter_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)

    state: str = Field(max_length=32)
    resolution: str | None = Field(default=None, max_length=32)
    is_awaiting_verification: bool = False
    # The deadline in force, the one first given, and one asked for in a pending extension.
    deadline: date
    original_deadline: date
    requested_deadline: date | None = None
    extension_count: int = 0
    rejection_count: int = 0
    rebound_count: int = 0
    followup_due_on: date | None = None
    # Special supervision (挂牌督办): set by the workflow's supervise and lift_supervision effects;
    # the history events hold who, when and why (reminders: tracker/reminders/supervision.py).
    # A server default only: inserts that name no value (old-schema tests, raw SQL) get false.
    is_supervised: bool = Field(
        default=False,
        sa_column=Column(
            "is_supervised", Boolean, nullable=False, server_default=false(), index=True
        ),
    )
    supervision_level: str | None = Field(default=None, max_length=16)  # county | township
    supervisor: str | None = Field(default=None, max_length=100)  # the supervising leader
    supervised_at: datetime | None = None
    progress_reported_at: datetime | None = None  # the unit's last progress report under it
    # Return and reassign (退单/改派): the last local date the responsible unit may return the
    # finding (None: it may not), and when a return it asked for began to wait for the dispatcher
    # (the deadline clock stops meanwhile). The history events hold the reasons and the units.
    return_by: date | None = None
    return_requested_at: datetime | None = None

    created_at: datetime = Field(default_factory=created_now)
    updated_at: datetime = Field(default_factory=created_now)
    last_activity_at: datetime = Field(default_factory=created_now)
    completed_at: datetime | None = None  # last report of completion
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    # The local calendar dates (config TIMEZONE) of `completed_at` and `closed_at`, written with
    # them by the ticket service, so statistics compare plain dates instead of converting every
    # row's timestamp to the local zone (bench/RESULTS.md, dashboard).
    completed_on: date | None = None
    closed_on: date | None = None

    version: int = Field(default=1, sa_column=_ticket_version)
    # The history chain's head (tracker/tickets/chain.py), written by `append_event` alone: the
    # number of events, the last one's MAC, and a seal over both and state, deadline, version.
    history_count: int = 0
    history_head: str = Field(default="", max_length=64)
    history_seal: str = Field(default="", max_length=64)

    def tag_list(self) -> list[str]:
        return [t for t in (part.strip() for part in self.tags.split(",")) if t]

    def __repr__(self) -> str:
        return f"<Ticket {self.code} {self.state}>"


class TicketCoUnit(SQLModel, table=True):
    """A co-operating unit (协办单位): sees the ticket and adds progress; the lead unit answers."""

    __tablename__ = "ticket_co_unit"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class Indicator(SQLModel, table=True):
    """A rectification figure (整改指标): e.g. 清理垃圾堆, 堆, target 12, achieved 12."""

    __tablename__ = "indicator"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    name: str = Field(max_length=100)
    unit: str = Field(default="", max_length=16)
    target: float | None = None
    achieved: float | None = None
    position: int = 0

    def __repr__(self) -> str:
        return f"<Indicator {self.name} {self.achieved}/{self.target}{self.unit}>"


class EventKind(StrEnum):
    CREATED = "created"
    TRANSITION = "transition"
    COMMENT = "comment"
    UPDATE = "update"
    ATTACHMENT = "attachment"
    CHASE = "chase"


class TicketEvent(SQLModel, table=True):
    """One entry of a ticket's history: who did what, when, from which state to which.

    Each event carries the hash of the ticket's previous event and its own, so a rewritten
    history is detectable.
    """

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket_id_id", "ticket_id", "id"),)

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    ticket_id: int = Field(foreign_key="ticket.id")
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    kind: str = Field(max_length=16)
    transition: str | None = Field(default=None, max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=created_now)
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)

    def __repr__(self) -> str:
        return f"<TicketEvent {self.kind} {self.transition} {self.from_state}->{self.to_state}>"


class TicketCodeCounter(SQLModel, table=True):
    """Last number handed out per year, for readable codes such as DC-2026-000123."""

    __tablename__ = "ticket_code_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class StandardIndicator(SQLModel, table=True):
    """A standard rectification figure (标准整改指标) offered when reporting and ordering bulletins.

    One row per (name, unit). A row with `is_paired` is written right after the row of the same
    name before it, as one phrase: 拆除废弃房屋14间420平方米.
    """

    __tablename__ = "standard_indicator"
    __table_args__ = (UniqueConstraint("name", "unit"),)

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    group_name: str = Field(default="", max_length=50)
    name: str = Field(max_length=100)
    unit: str = Field(default="", max_length=16)
    is_paired: bool = False
    position: int = 0
    is_active: bool = True

    def __repr__(self) -> str:
        return f"<StandardIndicator {self.name} {self.unit}>"
