"""Gathering held items into one message per person: the daily message and the notice window.

The planner and the event notices write items `held` (see `models.HELD_RULES`). Before each
dispatch, inside the sending window, `gather` turns each person's held items into one outbox row:

- a **daily** message (key `daily:<user>:<local date>`) when the person has scheduled items
  (reminders, escalations, digests) and has not had today's yet; it takes the held notices too,
  so the morning brings one message, not a digest plus the night's notices;
- otherwise a **notices** message once their oldest held notice is `notice_window_minutes` old,
  so an import of 30 findings is one message.

Scheduled items planned after today's daily message wait for tomorrow's. Gathering runs under
a lock (PostgreSQL advisory lock; SQLite `BEGIN IMMEDIATE`), so two dispatchers never put one
item into two messages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine

from tracker.clock import as_utc, local_date
from tracker.reminders.models import (
    HELD_SQL,
    SCHEDULED_RULES,
    OutboxMessage,
    OutboxStatus,
    Rule,
)
from tracker.reminders.outbox import OutboxWriter
from tracker.reminders.policy import Policy

OUTBOX = OutboxMessage.__table__
LOCK_ID = 1_700_017  # pg_advisory_xact_lock key of the gatherer


def gather(engine: Engine, now: datetime, policy: Policy) -> int:
    """Bundle what is ready at `now`; return how many messages were made."""
    if not policy.in_window(now):
        return 0
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
            return _gather(conn, now, policy)


def _gather(conn: Connection, now: datetime, policy: Policy) -> int:
    held = conn.execute(
        select(OUTBOX.c.id, OUTBOX.c.rule, OUTBOX.c.recipient_id, OUTBOX.c.created_at)
        .where(text(HELD_SQL))  # literal: see ix_outbox_message_held
        .order_by(OUTBOX.c.recipient_id, OUTBOX.c.id)
    ).all()
    if not held:
        return 0
    today = local_date(now, policy.timezone).isoformat()
    scheduled: dict[int, list[int]] = defaultdict(list)
    notices: dict[int, list[int]] = defaultdict(list)
    oldest_notice: dict[int, datetime] = {}
    for row_id, rule, recipient_id, created_at in held:
        if rule in SCHEDULED_RULES:
            scheduled[recipient_id].append(row_id)
        else:
            notices[recipient_id].append(row_id)
            created = as_utc(created_at)
            oldest_notice[recipient_id] = min(created, oldest_notice.get(recipient_id, created))
    daily_keys = {uid: f"daily:{uid}:{today}" for uid in scheduled}
    writer = OutboxWriter(conn, now)
    had_daily = set(writer.existing(list(daily_keys.values()))) if daily_keys else set()
    notice_ready = now - timedelta(minutes=policy.notice_window_minutes)
    bundles: dict[str, list[int]] = {}
    rows = []
    for uid in sorted(set(scheduled) | set(notices)):
        if uid in scheduled and daily_keys[uid] not in had_daily:
            key, rule, items = daily_keys[uid], Rule.DAILY, scheduled[uid] + notices[uid]
        elif uid in notices and oldest_notice[uid] <= notice_ready:
            key, rule, items = f"notices:{uid}:{notices[uid][0]}", Rule.NOTICES, notices[uid]
        else:
            continue
        bundles[key] = items
        rows.append((key, rule, uid, None, None, None, {"items": len(items)}, now))
    if not rows:
        return 0
    writer.insert(rows)
    ids = {key: row_id for key, row_id in _ids(conn, list(bundles))}
    for key, items in bundles.items():
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(items), OUTBOX.c.status == OutboxStatus.HELD.value)
            .values(status=OutboxStatus.BUNDLED.value, bundle_id=ids[key])
        )
    return len(rows)


def _ids(conn: Connection, keys: list[str]):  # type: ignore[no-untyped-def]
    return conn.execute(select(OUTBOX.c.key, OUTBOX.c.id).where(OUTBOX.c.key.in_(keys))).all()
