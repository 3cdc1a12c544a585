"""Gathering held items into one message per person: the daily message and the notice window.

The planner and the event notices write items `held` (see `models.HELD_RULES`). Before each
dispatch, inside the sending window, `gather` turns each person's held items into one outbox row:

- a **daily** message (key `daily:<user>:<local date>`) when the person has scheduled items
  (reminders, escalations, digests) and has not had today's yet; it takes the held notices too,
  so the morning brings one message, not a digest plus the night's notices;
- otherwise a **notices** message once their oldest held notice is `notice_window_minutes` old,
  so an import of 30 findings is one message.

Direct items (chases, special supervision) are messages of their own: gathering releases them
at once. Every new message gets its channel rows (`fanout.fan_out`).

Scheduled items planned after today's daily message wait for tomorrow's. Gathering runs under
a lock (PostgreSQL advisory lock; SQLite `BEGIN IMMEDIATE`), so two dispatchers never put one
item into two messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection, Engine, Row

from tracker.core.clock import as_utc, local_date
from tracker.core.modelbase import table_of
from tracker.reminders.channels import ChannelSettings
from tracker.reminders.fanout import Message, fan_out
from tracker.reminders.keys import outbox_key
from tracker.reminders.models import (
    DIRECT_RULES,
    ESSENTIAL_RULES,
    HELD_SQL,
    SCHEDULED_RULES,
    OutboxMessage,
    OutboxStatus,
    Rule,
)
from tracker.reminders.outbox import OutboxRow, OutboxWriter
from tracker.reminders.policy import Policy

OUTBOX = table_of(OutboxMessage)
LOCK_ID = 1_700_017  # pg_advisory_xact_lock key of the gatherer


def gather(
    engine: Engine, now: datetime, policy: Policy, channels: ChannelSettings | None = None
) -> int:
    """Make the messages that are ready at `now`, with their channel rows; return how many.

    Direct items (chases, special supervision) become messages at any hour (their own send
    time keeps them in the window); bundles are made only inside the sending window."""
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
            return _gather(conn, now, policy, channels or ChannelSettings())


def _gather(conn: Connection, now: datetime, policy: Policy, channels: ChannelSettings) -> int:
    held = conn.execute(
        select(
            OUTBOX.c.id,
            OUTBOX.c.rule,
            OUTBOX.c.recipient_id,
            OUTBOX.c.created_at,
            OUTBOX.c.key,
            OUTBOX.c.ticket_id,
            OUTBOX.c.ticket_version,
            OUTBOX.c.deadline,
            OUTBOX.c.payload,
            OUTBOX.c.next_attempt_at,
        )
        .where(text(HELD_SQL))  # literal: see ix_outbox_message_held
        .order_by(OUTBOX.c.recipient_id, OUTBOX.c.id)
    ).all()
    if not held:
        return 0
    today = local_date(now, policy.timezone).isoformat()
    writer = OutboxWriter(conn, now)
    direct = [row for row in held if row.rule in DIRECT_RULES]
    messages = [
        Message(
            row.id,
            row.key,
            row.rule,
            row.recipient_id,
            row.ticket_id,
            row.ticket_version,
            row.deadline,
            row.payload,
            as_utc(row.next_attempt_at),
            True,
        )
        for row in direct
    ]
    if direct:
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([row.id for row in direct]))
            .values(status=OutboxStatus.PENDING.value)
        )
    made = len(direct)
    if policy.in_window(now):
        bundled = _bundle(
            conn, writer, [r for r in held if r.rule not in DIRECT_RULES], now, policy
        )
        messages += bundled
        made += len(bundled)
    fan_out(conn, writer, messages, channels, today, now)
    return made


def _bundle(
    conn: Connection,
    writer: OutboxWriter,
    held: Sequence[Row[*tuple[Any, ...]]],
    now: datetime,
    policy: Policy,
) -> list[Message]:
    """The daily and notices messages that are ready, their items marked bundled."""
    today = local_date(now, policy.timezone).isoformat()
    scheduled: dict[int, list[int]] = defaultdict(list)
    notices: dict[int, list[int]] = defaultdict(list)
    oldest_notice: dict[int, datetime] = {}
    rules: dict[int, str] = {}
    for row in held:
        rules[row.id] = row.rule
        if row.rule in SCHEDULED_RULES:
            scheduled[row.recipient_id].append(row.id)
        else:
            notices[row.recipient_id].append(row.id)
            created = as_utc(row.created_at)
            oldest = oldest_notice.get(row.recipient_id, created)
            oldest_notice[row.recipient_id] = min(created, oldest)
    daily_keys = {uid: outbox_key(Rule.DAILY, uid, today) for uid in scheduled}
    had_daily = set(writer.existing(list(daily_keys.values()))) if daily_keys else set()
    notice_ready = now - timedelta(minutes=policy.notice_window_minutes)
    bundles: dict[str, tuple[str, int, list[int]]] = {}
    rule: str
    rows = []
    for uid in sorted(set(scheduled) | set(notices)):
        if uid in scheduled and daily_keys[uid] not in had_daily:
            key, rule, items = daily_keys[uid], Rule.DAILY, scheduled[uid] + notices[uid]
        elif uid in notices and oldest_notice[uid] <= notice_ready:
            key = outbox_key(Rule.NOTICES, uid, notices[uid][0])
            rule, items = Rule.NOTICES, notices[uid]
        else:
            continue
        bundles[key] = (rule, uid, items)
        rows.append(OutboxRow(key, rule, uid, None, None, None, {"items": len(items)}, now))
    if not rows:
        return []
    writer.insert(rows)
    ids = {key: row_id for key, row_id in _ids(conn, list(bundles))}
    # One statement for every item (executemany: pipelined by psycopg), not one per message.
    conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == bindparam("item"), OUTBOX.c.status == OutboxStatus.HELD.value)
        .values(status=OutboxStatus.BUNDLED.value, bundle_id=bindparam("bundle")),
        [
            {"item": item, "bundle": ids[key]}
            for key, (_, _, items) in bundles.items()
            for item in items
        ],
    )
    made = []
    for key, (rule, uid, items) in bundles.items():
        essential = any(rules[item] in ESSENTIAL_RULES for item in items)
        made.append(Message(ids[key], key, rule, uid, None, None, None, {}, now, essential))
    return made


def _ids(conn: Connection, keys: list[str]) -> Sequence[Row[Any, Any]]:
    return conn.execute(select(OUTBOX.c.key, OUTBOX.c.id).where(OUTBOX.c.key.in_(keys))).all()
