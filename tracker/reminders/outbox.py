"""Writing planned mails into the outbox: insert under a unique key, never twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from tracker.reminders.models import OutboxMessage, OutboxStatus

CHUNK = 500
OUTBOX = OutboxMessage.__table__  # Core table: executemany with RETURNING on every backend


@dataclass
class Planned:
    """One mail to plan; `key` names (recipient, rule, ticket or digest, period)."""

    key: str
    rule: str
    recipient_id: int
    next_attempt_at: datetime
    ticket_id: int | None = None
    ticket_version: int | None = None
    deadline: date | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "key": self.key,
            "rule": self.rule,
            "recipient_id": self.recipient_id,
            "ticket_id": self.ticket_id,
            "ticket_version": self.ticket_version,
            "deadline": self.deadline,
            "payload": self.payload,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": self.next_attempt_at,
            "last_error": "",
            "subject": "",
            "created_at": now,
        }


def enqueue(session: Session, planned: Sequence[Planned], now: datetime) -> int:
    """Insert the rows whose key is new (INSERT ... ON CONFLICT DO NOTHING); return how many.

    A row cancelled because its ticket changed is planned again when the ticket, at its new
    version, still calls for the same mail (the key stays the same, so it is revived in place).
    """
    if not planned:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        # executemany (SQLAlchemy's "insertmanyvalues"): compiled once, batched on the wire.
        statement = (
            insert(OUTBOX).on_conflict_do_nothing(index_elements=["key"]).returning(OUTBOX.c.id)
        )
        result = session.connection().execute(statement, [p.row(now) for p in chunk])
        added += len(result.all())
        versioned = {p.key: p for p in chunk if p.ticket_version is not None}
        if versioned:
            added += _revive(session, versioned, now)
    session.flush()
    return added


def _revive(session: Session, planned: dict[str, Planned], now: datetime) -> int:
    stale = session.exec(
        select(OutboxMessage.key, OutboxMessage.ticket_version).where(
            col(OutboxMessage.key).in_(planned),
            OutboxMessage.status == OutboxStatus.CANCELLED,
        )
    ).all()
    revived = 0
    for key, version in stale:
        wanted = planned[key]
        if version == wanted.ticket_version:
            continue
        session.exec(
            update(OutboxMessage)
            .where(OutboxMessage.key == key, OutboxMessage.status == OutboxStatus.CANCELLED)
            .values(
                status=OutboxStatus.PENDING,
                ticket_version=wanted.ticket_version,
                next_attempt_at=wanted.next_attempt_at,
                attempts=0,
                last_error="",
            )
        )
        revived += 1
    return revived
