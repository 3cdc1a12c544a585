"""Append events to a ticket's history, each chained to its predecessor by a SHA-256 hash."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from tracker.clock import as_utc
from tracker.tickets.models import EventKind, TicketEvent


def event_digest(event: TicketEvent) -> str:
    """The hash of an event's content together with its predecessor's hash."""
    payload = {
        "ticket_id": event.ticket_id,
        "actor_id": event.actor_id,
        "kind": event.kind,
        "transition": event.transition,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "comment": event.comment,
        "data": event.data,
        "created_at": as_utc(event.created_at).isoformat(),
        "prev_hash": event.prev_hash,
    }
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
    """Add one history entry (never updated afterwards) and flush it.

    A `created` event opens a ticket's chain, so it has no predecessor to look up.
    """
    prev_hash = None
    if kind != EventKind.CREATED:
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
