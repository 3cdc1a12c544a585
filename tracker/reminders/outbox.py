"""Writing planned mails into the outbox: insert under a unique key, never twice.

Set-based: the keys already in the outbox are looked up once per chunk (one indexed `IN` query),
only the new rows are inserted, with one `INSERT ... ON CONFLICT (key) DO NOTHING` executemany per
chunk (a concurrent planner that inserted the same key first simply wins). Values are converted to
their database form once per distinct value (every row of a sweep shares its timestamps, and
payloads and deadlines repeat), not once per row by the ORM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from tracker.modelbase import table_of
from tracker.reminders.models import DIRECT_RULES, HELD_RULES, OutboxMessage, OutboxStatus

CHUNK = 5000  # rows per INSERT executemany and keys per lookup (under SQLite's variable limit)
OUTBOX = table_of(OutboxMessage)  # Core table: no ORM objects for bulk rows
COLUMNS = (
    "key",
    "rule",
    "recipient_id",
    "ticket_id",
    "ticket_version",
    "deadline",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "subject",
    "created_at",
    "claim_token",
    "bundle_id",
    "channel",
)


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


# A planned row in the planner's compact form:
# (key, rule, recipient_id, ticket_id, ticket_version, deadline, payload, next_attempt_at),
# optionally followed by its channel (default "email").
Row = tuple[str, str, int, int | None, int | None, date | None, dict[str, Any], datetime]
ITEM_RULES = HELD_RULES | DIRECT_RULES


def as_row(p: Planned) -> Row:
    return (
        p.key,
        p.rule,
        p.recipient_id,
        p.ticket_id,
        p.ticket_version,
        p.deadline,
        p.payload,
        p.next_attempt_at,
    )


def enqueue(session: Session, planned: Sequence[Planned], now: datetime) -> int:
    """Insert the rows whose key is new; return how many were added (or revived)."""
    return enqueue_rows(session, [as_row(p) for p in planned], now)


def enqueue_rows(session: Session, rows: Sequence[Row], now: datetime) -> int:
    """Insert the new rows of `rows` (see `Row`) under their unique key; return how many.

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
        existing = writer.existing([r[0] for r in chunk])
        new = [r for r in chunk if r[0] not in existing]
        added += writer.insert(new)
        revive = [
            r
            for r in chunk
            if r[4] is not None
            and (found := existing.get(r[0])) is not None
            and found[0] == OutboxStatus.CANCELLED
            and found[1] != r[4]
        ]
        added += writer.revive(revive)
    session.flush()
    return added


class OutboxWriter:
    """Dialect-specific statements, compiled once per call, and cached value conversion."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        dialect = conn.dialect
        insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        statement = insert(OUTBOX).inline().on_conflict_do_nothing(index_elements=["key"])
        compiled = statement.compile(dialect=dialect, column_keys=list(COLUMNS))
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        order = list(compiled.positiontup or ()) if self.positional else list(COLUMNS)
        self.order = [COLUMNS.index(name) for name in order]
        self.reorder = self.order != list(range(len(COLUMNS)))
        self.convert = {
            name: _processor(OUTBOX.c[name].type, dialect)
            for name in ("deadline", "payload", "next_attempt_at", "created_at")
        }
        self._cache: dict[tuple[str, Any], Any] = {}
        self.now = self._value("created_at", now)
        self.pending = OutboxStatus.PENDING.value
        self.held = OutboxStatus.HELD.value

    def _value(self, column: str, value: Any, cache_key: Any = None) -> Any:
        if value is None:
            return None
        key = (column, value if cache_key is None else cache_key)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.convert[column](value)
        return found

    def _payload(self, payload: dict[str, Any]) -> Any:
        try:
            cache_key = tuple(payload.items())
            hash(cache_key)
        except TypeError:  # lists inside (digests): few rows, converted each time
            return self.convert["payload"](payload)
        return self._value("payload", payload, cache_key)

    def existing(self, keys: list[str]) -> dict[str, tuple[str, int | None]]:
        result = self.conn.execute(
            select(OUTBOX.c.key, OUTBOX.c.status, OUTBOX.c.ticket_version).where(
                OUTBOX.c.key.in_(keys)
            )
        )
        return {key: (status, version) for key, status, version in result}

    def insert(self, rows: Iterable[tuple]) -> int:
        """Insert `Row`s, each optionally followed by its channel."""
        params: list[tuple[Any, ...] | dict[str, Any]] = []
        for row in rows:
            key, rule, recipient, ticket, version, deadline, payload, send_at = row[:8]
            channel = row[8] if len(row) > 8 else "email"
            is_item = rule in ITEM_RULES and channel == "email"
            values = (
                key,
                str(rule),  # a plain str: drivers may adapt enums by name
                recipient,
                ticket,
                version,
                self._value("deadline", deadline),
                self._payload(payload),
                self.held if is_item else self.pending,
                0,
                self._value("next_attempt_at", send_at),
                "",
                "",
                self.now,
                "",
                None,
                channel,
            )
            if self.positional:
                params.append(tuple(values[i] for i in self.order) if self.reorder else values)
            else:
                params.append(dict(zip(COLUMNS, values, strict=True)))
        if not params:
            return 0
        result = self.conn.exec_driver_sql(self.sql, params)
        return max(result.rowcount, 0)

    def revive(self, rows: Sequence[Row]) -> int:
        groups: dict[tuple[int | None, datetime], list[str]] = defaultdict(list)
        for row in rows:
            groups[(row[4], row[7])].append(row[0])
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


def _processor(type_: Any, dialect: Any) -> Callable[[Any], Any]:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)
