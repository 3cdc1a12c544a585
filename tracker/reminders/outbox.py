"""Writing planned mails into the outbox: insert under a unique key, never twice.

Set-based: the keys already in the outbox are looked up once per chunk (one indexed `IN` query),
only the new rows are inserted, with one `INSERT ... ON CONFLICT (key) DO NOTHING` executemany per
chunk (a concurrent planner that inserted the same key first simply wins). Values are converted to
their database form once per distinct value (every row of a sweep shares its timestamps, and
payloads and deadlines repeat), not once per row by the ORM. Rows are `OutboxRow`s: named tuples,
as cheap to build in a sweep as plain ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import Session

from tracker.core.modelbase import table_of
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
    """Dialect-specific statements, compiled once per call, and cached value conversion.

    Not `conn.execute(insert(OUTBOX), rows)`: tried in issue 13 and measured, SQLAlchemy converts
    every value of every row (twice the CPU per row on SQLite); with RETURNING its batches of
    1,000 add statements to a large import, and without it psycopg's executemany rowcount is -1,
    so the rows added could not be counted."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        compiled = _compiled_insert(conn.dialect)
        self.sql = compiled.sql
        self.positional = compiled.positional
        self.order = compiled.order
        self.reorder = self.order != list(range(len(COLUMNS)))
        self.convert = compiled.convert
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

    def insert(self, rows: Iterable[OutboxRow]) -> int:
        """Insert `rows` whose key is not taken yet; return how many were added."""
        params: list[tuple[Any, ...] | dict[str, Any]] = []
        for row in rows:
            # items wait `held` for a bundle; messages and channel rows are sendable
            is_item = row.rule in ITEM_RULES and row.channel == "email"
            values = (
                row.key,
                str(row.rule),  # a plain str: drivers may adapt enums by name
                row.recipient_id,
                row.ticket_id,
                row.ticket_version,
                self._value("deadline", row.deadline),
                self._payload(row.payload),
                self.held if is_item else self.pending,
                0,
                self._value("next_attempt_at", row.next_attempt_at),
                "",
                "",
                self.now,
                "",
                None,
                row.channel,
            )
            if self.positional:
                params.append(tuple(values[i] for i in self.order) if self.reorder else values)
            else:
                params.append(dict(zip(COLUMNS, values, strict=True)))
        if not params:
            return 0
        result = self.conn.exec_driver_sql(self.sql, params)
        return max(result.rowcount, 0)

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


class _CompiledInsert(NamedTuple):
    sql: str
    positional: bool
    order: list[int]  # COLUMNS' indexes in the statement's parameter order
    convert: dict[str, Callable[[Any], Any]]  # the driver's conversion of the typed columns


@lru_cache(maxsize=8)
def _compiled_insert(dialect: Dialect) -> _CompiledInsert:
    """The outbox insert for one engine's dialect, compiled once (2 ms a compile: the planner
    writes every sweep, every 15 minutes, and a test's 30-day simulation 1,800 times)."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(OUTBOX).inline().on_conflict_do_nothing(index_elements=["key"])
    compiled = statement.compile(dialect=dialect, column_keys=list(COLUMNS))
    positional = bool(compiled.positional)
    order = list(compiled.positiontup or ()) if positional else list(COLUMNS)
    return _CompiledInsert(
        compiled.string,
        positional,
        [COLUMNS.index(name) for name in order],
        {
            name: _processor(OUTBOX.c[name].type, dialect)
            for name in ("deadline", "payload", "next_attempt_at", "created_at")
        },
    )


def _processor(type_: Any, dialect: Any) -> Callable[[Any], Any]:
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)
