"""Append events to a ticket's history, each chained to its predecessor by a SHA-256 hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from tracker.clock import as_utc
from tracker.tickets.models import EventKind, Ticket, TicketEvent

# The fields an event's hash covers (all but its id and its own hash).
DIGESTED = (
    "ticket_id",
    "actor_id",
    "kind",
    "transition",
    "from_state",
    "to_state",
    "comment",
    "data",
    "created_at",
    "prev_hash",
)


def event_digest(event: TicketEvent) -> str:
    """The hash of an event's content together with its predecessor's hash."""
    return row_digest({name: getattr(event, name) for name in DIGESTED})


def row_digest(row: Mapping[str, Any]) -> str:
    """`event_digest` of an event given as a row of its columns (bulk inserts)."""
    payload = {name: row[name] for name in DIGESTED}
    payload["created_at"] = as_utc(row["created_at"]).isoformat()
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def append_event(
    session: Session,
    ticket_id: int,
    *,
    kind: str,
    actor_id: int | None,
    now: datetime,
    transition: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Add one history entry (never updated afterwards), chained to the ticket's last, and flush."""
    prev_hash = session.exec(
        select(TicketEvent.hash)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    ).first()
    event = TicketEvent(
        ticket_id=ticket_id,
        actor_id=actor_id,
        kind=kind,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
        created_at=now,
        prev_hash=prev_hash or "",
    )
    event.hash = event_digest(event)
    session.add(event)
    session.flush()
    return event


def open_histories(
    session: Session,
    tickets: Sequence[Ticket],
    datas: Sequence[dict[str, Any]],
    *,
    actor_id: int | None,
    now: datetime,
) -> list[int]:
    """Write the `created` event of each new ticket, in one statement; return their ids in order.

    A `created` event opens its ticket's chain: it has no predecessor to look up, so the
    hashes of a whole batch are computed here and the rows inserted with one executemany.
    """
    rows = []
    for ticket, data in zip(tickets, datas, strict=True):
        row = {
            "ticket_id": ticket.id,
            "actor_id": actor_id,
            "kind": EventKind.CREATED.value,
            "transition": None,
            "from_state": None,
            "to_state": ticket.state,
            "comment": "",
            "data": data,
            "created_at": now,
            "prev_hash": "",
        }
        row["hash"] = row_digest(row)
        rows.append(row)
    if not rows:
        return []
    table = TicketEvent.__table__  # type: ignore[attr-defined]
    # Matched by ticket (one event each) rather than `sort_by_parameter_order`, which SQLite
    # can only honour one row per statement.
    statement = insert(table).returning(table.c.ticket_id, table.c.id)
    ids = dict(session.execute(statement, rows).all())
    return [ids[ticket.id] for ticket in tickets]
