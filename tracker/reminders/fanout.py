"""One outbox row per (recipient, channel, message): the channel rows of new messages.

A message's first row is its e-mail row (the one its items name in `bundle_id`). Beside it:
- a **personal channel** (SMS, webhook) the deployment has, if the person chose it; SMS (it needs
  a mobile) also carries every essential message (`ESSENTIAL_RULES`: escalations, chases,
  special supervision cannot be turned off);
- the **group robots** of a cadre's unit, and the robots *for leaders* of the units a leader is
  in charge of (a county office's leaders' work group). Every cadre of a unit (every leader in
  charge of it) gets much the same message, so a robot gets one row per message *kind and
  moment* (`robot_key`): one daily message a day, one notices message per gathering, one per
  chase.
Called inside the gatherer's transaction (`bundles.gather`), so a message and its channel rows
are written together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tracker.core.modelbase import table_of
from tracker.org.models import LeaderCharge, Role, User
from tracker.reminders.channels import ROBOT_PREFIX, SMS, ChannelSettings
from tracker.reminders.keys import channel_key, event_of, outbox_key
from tracker.reminders.models import BUNDLE_RULES, Robot, Rule
from tracker.reminders.outbox import OutboxRow, OutboxWriter

USERS = table_of(User)
ROBOTS = table_of(Robot)
CHARGES = table_of(LeaderCharge)


@dataclass(frozen=True)
class Message:
    """A new message's e-mail row, as its channel rows copy it."""

    id: int
    key: str
    rule: str
    recipient_id: int
    ticket_id: int | None
    ticket_version: int | None
    deadline: Any
    payload: dict[str, Any]
    send_at: datetime
    is_essential: bool


def robot_key(robot_id: int, message: Message, today: str, now: datetime) -> str:
    """The one row a robot gets for this kind of message at this moment."""
    robot = f"{ROBOT_PREFIX}{robot_id}"
    if message.rule == Rule.DAILY:
        return outbox_key(robot, Rule.DAILY, today)
    if message.rule == Rule.NOTICES:
        return outbox_key(robot, Rule.NOTICES, now.isoformat(timespec="minutes"))
    event = message.payload.get("event_id") or event_of(message.key)
    return outbox_key(robot, message.rule, message.ticket_id, event)


def fan_out(
    conn: Connection,
    writer: OutboxWriter,
    messages: Sequence[Message],
    settings: ChannelSettings,
    today: str,
    now: datetime,
) -> int:
    """Write the channel rows of `messages`; return how many were added."""
    if not messages:
        return 0
    people = {
        row.id: row
        for row in conn.execute(
            select(
                USERS.c.id, USERS.c.role, USERS.c.unit_id, USERS.c.mobile, USERS.c.notify_channels
            ).where(USERS.c.id.in_({m.recipient_id for m in messages}))
        )
    }
    robots = _robots_of(conn, people)
    enabled = settings.enabled()
    rows: list[OutboxRow] = []
    for message in messages:
        person = people.get(message.recipient_id)
        if person is None:
            continue
        payload = {"message": message.id} if message.rule in BUNDLE_RULES else dict(message.payload)

        chosen = set(person.notify_channels or ())
        for channel in enabled:
            if channel == SMS and not person.mobile:
                continue
            # SMS reaches the person: essential messages go by it, chosen or not
            if channel in chosen or (message.is_essential and channel == SMS):
                rows.append(_row(message, payload, channel_key(message.key, channel), channel))
        for robot_id in robots.get(person.id, ()):
            key = robot_key(robot_id, message, today, now)
            rows.append(_row(message, payload, key, f"{ROBOT_PREFIX}{robot_id}"))
    return writer.insert(rows) if rows else 0


def _robots_of(conn: Connection, people: dict[int, Any]) -> dict[int, list[int]]:
    """Person id -> the enabled robots their messages go to: a cadre's unit's robots (not
    those for leaders), a leader's robots for leaders of the units in their charge."""
    units = {p.id: p.unit_id for p in people.values() if p.role == Role.CADRE and p.unit_id}
    charges: dict[int, set[int]] = defaultdict(set)
    leaders = [p.id for p in people.values() if p.role == Role.LEADER]
    if leaders:
        for user_id, unit_id in conn.execute(
            select(CHARGES.c.user_id, CHARGES.c.unit_id).where(CHARGES.c.user_id.in_(leaders))
        ):
            charges[user_id].add(unit_id)
    wanted = set(units.values()).union(*charges.values())
    if not wanted:
        return {}
    by_unit: dict[tuple[int, bool], list[int]] = defaultdict(list)
    for robot_id, unit_id, for_leaders in conn.execute(
        select(ROBOTS.c.id, ROBOTS.c.unit_id, ROBOTS.c.is_for_leaders)
        .where(ROBOTS.c.unit_id.in_(wanted), ROBOTS.c.is_enabled.is_(True))
        .order_by(ROBOTS.c.id)
    ):
        by_unit[unit_id, bool(for_leaders)].append(robot_id)
    found = {uid: by_unit.get((unit_id, False), []) for uid, unit_id in units.items()}
    for uid, unit_ids in charges.items():
        found[uid] = [r for unit_id in sorted(unit_ids) for r in by_unit.get((unit_id, True), [])]
    return found


def _row(message: Message, payload: dict[str, Any], key: str, channel: str) -> OutboxRow:
    return OutboxRow(
        key,
        message.rule,
        message.recipient_id,
        message.ticket_id,
        message.ticket_version,
        message.deadline,
        payload,
        message.send_at,
        channel,
    )
