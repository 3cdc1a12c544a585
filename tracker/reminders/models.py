"""The outbox: one row per mail to send, under a unique key, so planning twice plans nothing new."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    ScalarSelect,
    String,
    Text,
    false,
    func,
    select,
    text,
)
from sqlmodel import Field, SQLModel, col

from tracker.core.modelbase import created_now, partial_index
from tracker.org.models import User


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its moment (next_attempt_at) or claimed by a dispatcher
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; retried at next_attempt_at
    GIVEN_UP = "given_up"  # failed max_attempts times; an admin can resend
    CANCELLED = "cancelled"  # no longer true at dispatch time (clock stopped, ticket changed)
    HELD = "held"  # an item waiting to be gathered into its recipient's next message (bundles)
    BUNDLED = "bundled"  # an item gathered into the message `bundle_id`, sent with it


SENDABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED)
# The same condition as literal SQL, for the partial index that serves the dispatcher's claim
# and for the claim itself: both databases use a partial index only when the query's condition
# visibly implies the index's, and bound parameters hide it.
SENDABLE_SQL = "status IN (" + ", ".join(f"'{status.value}'" for status in SENDABLE) + ")"
HELD_SQL = f"status = '{OutboxStatus.HELD.value}'"


class Rule(StrEnum):
    BEFORE = "before"  # N days before the deadline
    DUE = "due"  # on the deadline day
    OVERDUE = "overdue"  # every N days while overdue
    ESCALATE = "escalate"  # to the leaders in charge, once overdue long enough
    RED = "red"  # red level of the ladder: to the county leaders
    STALE = "stale"  # no activity for a while
    CADRE_DIGEST = "cadre_digest"
    LEADER_DIGEST = "leader_digest"
    NOTICE = "notice"  # immediate: a ticket filed or moved
    CHASE = "chase"  # 催办: a leader or inspector asks for action now
    DAILY = "daily"  # a person's one scheduled message of the day: the held items, in sections
    NOTICES = "notices"  # a person's event notices gathered over the notice window
    SUPERVISION = "supervision"  # 挂牌督办: every working day while supervised and open
    SUPERVISION_REPORT = "supervision_report"  # 挂牌督办: the weekly progress report is due


# Rules whose rows are only true for the ticket version and deadline they were planned for.
DEADLINE_RULES = frozenset(
    {Rule.BEFORE, Rule.DUE, Rule.OVERDUE, Rule.ESCALATE, Rule.RED, Rule.STALE}
)
# Items sent only inside a person's daily message (one scheduled message per person per day).
SCHEDULED_RULES = DEADLINE_RULES | {Rule.CADRE_DIGEST, Rule.LEADER_DIGEST}
# Items held for a bundle rather than sent alone; chases go out alone and at once.
HELD_RULES = SCHEDULED_RULES | {Rule.NOTICE}
BUNDLE_RULES = frozenset({Rule.DAILY, Rule.NOTICES})
# Items that are messages of their own: held only until `bundles.gather` gives them their
# channel rows, at once and outside the sending window too (their send time still holds).
DIRECT_RULES = frozenset({Rule.CHASE, Rule.SUPERVISION, Rule.SUPERVISION_REPORT})
# Items whose message goes by every channel a person can be reached by, chosen or not:
# escalations to leaders, chases and special supervision cannot be turned off.
ESSENTIAL_RULES = frozenset({Rule.ESCALATE, Rule.RED}) | DIRECT_RULES
# Mail a user may turn off; escalations, chases and notices always go out.
OPTIONAL_RULES = frozenset(
    {Rule.BEFORE, Rule.DUE, Rule.OVERDUE, Rule.STALE, Rule.CADRE_DIGEST, Rule.LEADER_DIGEST}
)
# The in-app notices are the items (every row but the gathered messages), read or not; literal
# SQL for the partial index that serves the bell's count on every page.
NOTICE_SQL = "rule NOT IN (" + ", ".join(f"'{rule.value}'" for rule in sorted(BUNDLE_RULES)) + ")"
UNREAD_SQL = f"read_at IS NULL AND {NOTICE_SQL}"


class OutboxMessage(SQLModel, table=True):
    """A mail planned for one recipient, rule, ticket (or digest) and period."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
        # The claim: the earliest sendable rows, in order, without reading the whole backlog
        # (a sort of 10^6 pending rows took 0.54 s per batch of 100: bench/RESULTS.md).
        partial_index("ix_outbox_message_sendable", "next_attempt_at", "id", where=SENDABLE_SQL),
        Index("ix_outbox_message_ticket_id", "ticket_id"),
        Index("ix_outbox_message_bundle_id", "bundle_id"),
        # The bundler reads the held items, a small set, without scanning the sent history.
        partial_index("ix_outbox_message_held", "recipient_id", "id", where=HELD_SQL),
        # A person's notices, newest first, and the unread ones for the bell.
        Index("ix_outbox_message_recipient_list", "recipient_id", "id"),
        # Pacing: what a channel's target (a robot, the gateway) was sent in the last minute.
        Index("ix_outbox_message_channel_sent", "channel", "sent_at"),
        partial_index("ix_outbox_message_unread", "recipient_id", "id", where=UNREAD_SQL),
    )

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    key: str = Field(max_length=200, unique=True)
    rule: str = Field(max_length=32)
    # How it goes out: "email", "sms", "webhook" or "robot:<id>" (see reminders/channels.py);
    # a message has one row per (recipient, channel). Items (held, bundled) keep "email".
    channel: str = Field(
        default="email",
        sa_column=Column(String(32), nullable=False, default="email", server_default="email"),
    )
    recipient_id: int = Field(foreign_key="user_account.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    ticket_version: int | None = None  # the ticket's version when planned (deadline rules)
    deadline: date | None = None  # the deadline the reminder is about
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime  # also the end of a dispatcher's lease while claimed
    claim_token: str = Field(default="", max_length=32)  # the claiming dispatcher's batch
    bundle_id: int | None = None  # the daily or notices message this item went out in
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subject: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=created_now)
    sent_at: datetime | None = None
    read_at: datetime | None = None  # the recipient read it in the app (items only)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.key} {self.status}>"


class Robot(SQLModel, table=True):
    """A unit's group robot (WeCom or DingTalk webhook): gets the unit's messages, @-ing its
    cadres by mobile; one `is_for_leaders` (a county office's leaders' work group) gets the
    messages of the leaders in charge of its unit instead, @-ing nobody. `webhook_url` holds the
    robot's key and `secret` DingTalk's signing secret: neither is ever shown back whole."""

    __tablename__ = "robot"

    id: int = Field(default=None, primary_key=True)  # see modelbase: None only until the flush
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(max_length=16)  # channels.RobotKind
    name: str = Field(max_length=100)
    webhook_url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    is_enabled: bool = True
    is_for_leaders: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    created_at: datetime = Field(default_factory=created_now)

    def __repr__(self) -> str:
        return f"<Robot {self.kind} {self.name}>"


# session.info key: the bell's figure read with the signed-in user (`unread_column`), as
# (user id, count); `inbox.unread_count` takes it instead of asking again.
UNREAD_KEY = "tracker.unread_notices"


def unread_column() -> ScalarSelect[int]:
    """The bell's figure as a column of a statement on `User`: the sign-in check reads it with
    the user (tracker/auth/sessions.py), so a page does not ask for it on its own."""
    return (
        select(func.count())
        .select_from(OutboxMessage)
        .where(col(OutboxMessage.recipient_id) == col(User.id), text(UNREAD_SQL))
        .scalar_subquery()
    )
