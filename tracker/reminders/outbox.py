"""Writing planned mails into the outbox: insert under a unique key, never twice.

Set-based: the keys already in the outbox are looked up once per chunk (one indexed `IN` query),
only the new rows are inserted, with one `INSERT ... ON CONFLICT (key) DO NOTHING` executemany per
chunk (a concurrent planner that inserted the same key first simply wins). Rows are `OutboxRow`s:
named tuples, as cheap to build in a sweep as plain ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from tracker.modelbase import table_of
from tracker.reminders.models import DIRECT_RULES, HELD_RULES, OutboxMessage, OutboxStatus

CHUNK = 5000  # rows per INSERT executemany and keys per lookup (under SQLite's variable limit)
OUTBOX = table_of(OutboxMessage)  # Core table: no ORM objects for bulk rows


class OutboxRow(NamedTuple):
    """One outbox row to write, as the planner, the gatherer and the fan-out build them."""

    key: str
    rule: str
    recipient_id: int
    ticket_id: int | None
    ticket_version: int | None
    deadline: date | None
    payload: dict[str, Any]
    next_attempt_at: datetime
    channel: str = "email"


ITEM_RULES = HELD_RULES | DIRECT_RULES


def enqueue_rows(session: Session, rows: Sequence[OutboxRow], now: datetime) -> int:
    """Insert the new rows of `rows` (see `OutboxRow`) under their unique key; return how many.

    Items (`HELD_RULES`, `DIRECT_RULES`) are written `held`, for `bundles.gather` to bundle
    them or give them their channel rows; messages (bundles, channel rows) are sendable. A row
    cancelled because its ticket changed is planned again when the ticket, at its new version,
    still calls for the same mail (the key stays the same, so it is revived in place).
    """
    if not rows:
        return 0
    conn = session.connection()
    writer = OutboxWriter(conn, now)
    added = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        existing = writer.existing([r.key for r in chunk])
        new = [r for r in chunk if r.key not in existing]
        added += writer.insert(new)
        revive = [
            r
            for r in chunk
            if r.ticket_version is not None
            and (found := existing.get(r.key)) is not None
            and found[0] == OutboxStatus.CANCELLED
            and found[1] != r.ticket_version
        ]
        added += writer.revive(revive)
    session.flush()
    return added


class OutboxWriter:
    """The outbox's writes for one transaction at `now`: key lookup, insert, revival."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        # RETURNING counts the rows added: a driver's executemany rowcount may be -1 (psycopg)
        self.statement = (
            insert(OUTBOX).on_conflict_do_nothing(index_elements=["key"]).returning(OUTBOX.c.id)
        )

    def existing(self, keys: list[str]) -> dict[str, tuple[str, int | None]]:
        result = self.conn.execute(
            select(OUTBOX.c.key, OUTBOX.c.status, OUTBOX.c.ticket_version).where(
                OUTBOX.c.key.in_(keys)
            )
        )
        return {key: (status, version) for key, status, version in result}

    def insert(self, rows: Iterable[OutboxRow]) -> int:
        """Insert `rows` whose key is not taken yet; return how many were added."""
        params = [
            {
                "key": row.key,
                "rule": str(row.rule),  # a plain str: drivers may adapt enums by name
                "recipient_id": row.recipient_id,
                "ticket_id": row.ticket_id,
                "ticket_version": row.ticket_version,
                "deadline": row.deadline,
                "payload": row.payload,
                # items wait `held` for a bundle; messages and channel rows are sendable
                "status": (
                    OutboxStatus.HELD.value
                    if row.rule in ITEM_RULES and row.channel == "email"
                    else OutboxStatus.PENDING.value
                ),
                "attempts": 0,
                "next_attempt_at": row.next_attempt_at,
                "last_error": "",
                "subject": "",
                "created_at": self.now,
                "claim_token": "",
                "bundle_id": None,
                "channel": row.channel,
            }
            for row in rows
        ]
        if not params:
            return 0
        return len(self.conn.execute(self.statement, params).all())

    def revive(self, rows: Sequence[OutboxRow]) -> int:
        groups: dict[tuple[int | None, datetime], list[str]] = defaultdict(list)
        for row in rows:
            groups[(row.ticket_version, row.next_attempt_at)].append(row.key)
        revived = 0
        for (version, send_at), keys in groups.items():
            result = self.conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.key.in_(keys), OUTBOX.c.status == OutboxStatus.CANCELLED.value)
                .values(
                    status=OutboxStatus.HELD.value,  # deadline rules: items of a daily message
                    ticket_version=version,
                    next_attempt_at=send_at,
                    attempts=0,
                    last_error="",
                )
            )
            revived += result.rowcount
        return revived
