"""Sending one claimed row by its channel (SMS, webhook, a group robot), paced per target.

Each target (a robot, the SMS gateway, the webhook) takes at most `per_minute` messages a
minute, counted from the outbox's own `sent_at` so that several dispatchers share the pace: a row
over the pace waits (pending, the attempt not counted) until the minute of the last
`per_minute` sends has passed, and the scheduler dispatches again then (`next_due`,
`jobs.drain`), so a backlog drains at the target's rate instead of `per_minute` per sweep. A robot's
rate-limit answer (WeCom 45009, DingTalk 130101, HTTP 429) pauses the target (DingTalk throttles
for `robot_throttle_minutes`) and the row waits; a permanent refusal (bad key, bad signature,
another 4xx) gives the row up at once; anything else backs off as a failed mail does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_mail import Message
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from tracker.core.clock import as_utc
from tracker.core.modelbase import table_of
from tracker.org.models import User
from tracker.reminders.channels import (
    SMS,
    WEBHOOK,
    ChannelSettings,
    Outcome,
    Request,
    RobotKind,
    Text,
    dingtalk_request,
    sms_request,
    webhook_request,
    wecom_requests,
)
from tracker.reminders.http_send import post_all
from tracker.reminders.marks import DispatchResult, mark, mark_failed
from tracker.reminders.models import SENDABLE_SQL, OutboxMessage, OutboxStatus
from tracker.reminders.policy import Policy

OUTBOX = table_of(OutboxMessage)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Target:
    """Where a channel row goes: its kind (sms, webhook, wecom, dingtalk) and address."""

    kind: str
    user: User
    url: str = ""
    secret: str = ""
    mobiles: tuple[str, ...] = ()


@dataclass
class Pacer:
    """Targets paused for the rest of this dispatcher's run (rate limit answered or reached)."""

    paused: dict[str, datetime] = field(default_factory=dict)


def requests_for(
    row: OutboxMessage,
    message: Message,
    target: Target,
    settings: ChannelSettings,
    link: str,
    wall_clock: float,
) -> list[Request]:
    """The requests of one row. Signatures carry `wall_clock` (seconds since the epoch): the
    receiver checks them against its own clock (DingTalk: within an hour), not ours."""
    text = Text(message.subject, message.body or "", link)
    if target.kind == RobotKind.WECOM:
        return wecom_requests(target.url, text, target.mobiles, settings.robot_max_bytes)
    if target.kind == RobotKind.DINGTALK:
        stamp = int(wall_clock * 1000)
        limit = settings.robot_max_bytes
        return [dingtalk_request(target.url, target.secret, text, target.mobiles, limit, stamp)]
    if target.kind == SMS:
        return [sms_request(settings, target.user.mobile or "", text)]
    document = {
        "key": row.key,
        "channel": WEBHOOK,
        "rule": row.rule,
        "recipient": {
            "username": target.user.username,
            "name": target.user.name,
            "email": target.user.email,
            "mobile": target.user.mobile,
        },
        "ticket_id": row.ticket_id,
        "subject": message.subject,
        "text": message.body,
        "link": link,
    }
    return [webhook_request(settings, document, int(wall_clock))]


def next_slot(engine: Engine, channel: str, per_minute: int, now: datetime) -> datetime | None:
    """When the target may take messages again, or None if it may now.

    A full minute's window frees at once a minute after its newest send, not one slot a
    minute after its oldest: the backlog then goes `per_minute` at a time, one dispatch a
    minute, rather than one message per dispatch, and still never more than `per_minute` in
    any 60 seconds."""
    if per_minute <= 0:
        return None
    with engine.connect() as conn:
        recent = (
            conn.execute(
                select(OUTBOX.c.sent_at)
                .where(OUTBOX.c.channel == channel, OUTBOX.c.sent_at > now - MINUTE)
                .order_by(OUTBOX.c.sent_at.desc())
                .limit(per_minute)
            )
            .scalars()
            .all()
        )
    if len(recent) < per_minute:
        return None
    return as_utc(recent[0]) + MINUTE


def next_due(engine: Engine, now: datetime) -> datetime | None:
    """The first moment after `now` a row waits for (a paced target's window, a back-off), if
    any: when the scheduler should dispatch again (over the partial index of sendable rows)."""
    with engine.connect() as conn:
        found = conn.execute(
            select(func.min(OUTBOX.c.next_attempt_at)).where(
                text(SENDABLE_SQL), OUTBOX.c.next_attempt_at > now
            )
        ).scalar()
    return as_utc(found) if found is not None else None


def _wait(engine: Engine, row: OutboxMessage, until: datetime, status: str, error: str) -> None:
    """Put the row back until `until` without counting the attempt."""
    mark(
        engine,
        [row.id],
        status=status,
        next_attempt_at=until,
        attempts=max(row.attempts - 1, 0),
        last_error=error[:1000],
    )


def send(
    engine: Engine,
    row: OutboxMessage,
    message: Message,
    target: Target,
    settings: ChannelSettings,
    policy: Policy,
    now: datetime,
    pacer: Pacer,
    result: DispatchResult,
) -> bool:
    """Send one row by its channel and record the outcome; True if it was sent."""
    until = pacer.paused.get(row.channel)
    if until is None or until <= now:
        until = next_slot(engine, row.channel, settings.per_minute(row.channel), now)
    if until is not None and until > now:
        pacer.paused[row.channel] = until
        _wait(engine, row, until, OutboxStatus.PENDING, "")
        result.paced += 1
        return False
    link = f"{policy.base_url}/notifications"
    requests = requests_for(row, message, target, settings, link, time.time())
    answer = post_all(requests, target.kind, settings)
    error = f"{row.channel}: {answer.detail}"
    if answer.outcome == Outcome.SENT:
        mark(
            engine,
            [row.id],
            status=OutboxStatus.SENT,
            sent_at=now,
            subject=message.subject[:300],
            last_error="",
        )
        result.sent += 1
        return True
    if answer.outcome == Outcome.RATE_LIMITED:
        pause = settings.robot_throttle_minutes if target.kind == RobotKind.DINGTALK else 1
        pacer.paused[row.channel] = now + timedelta(minutes=pause)
        _wait(engine, row, pacer.paused[row.channel], OutboxStatus.FAILED, error)
        result.failed += 1
    elif answer.outcome == Outcome.PERMANENT:
        mark(engine, [row.id], status=OutboxStatus.GIVEN_UP, last_error=error[:1000])
        result.given_up += 1
    else:
        mark_failed(engine, [row], error, now, policy, result)
    return False
