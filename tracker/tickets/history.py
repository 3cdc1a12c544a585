"""Append events to a ticket's history, each chained to its predecessor by a keyed MAC.

Every append locks the ticket's row first (`SELECT ... FOR UPDATE`; on SQLite the write lock
taken at BEGIN) and reads the chain's head from it, so two events racing on one ticket (a 催办
and a comment, a double click) are written one after the other, never both on one predecessor.
The ticket's head and seal are then advanced with a plain UPDATE that leaves its `version`
alone: a comment or a chase must not make the forms of others stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from tracker.core.modelbase import table_of
from tracker.tickets.chain import current_keys, event_fields, event_mac, head_seal
from tracker.tickets.models import EventKind, Ticket, TicketEvent

_TICKET = table_of(Ticket)


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
    """Add one history entry (never updated afterwards), chained to the ticket's last, and flush.

    Call it after the ticket's own changes are made: the seal covers the row as it is now.
    """
    key = current_keys().current
    row = session.execute(
        select(
            _TICKET.c.history_count,
            _TICKET.c.history_head,
            _TICKET.c.state,
            _TICKET.c.deadline,
            _TICKET.c.version,
        )
        .where(_TICKET.c.id == ticket_id)
        .with_for_update()
    ).one()
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
        prev_hash=row.history_head,
    )
    event.hash = event_mac(key, event_fields(event))
    session.add(event)
    session.flush()
    count = row.history_count + 1
    session.execute(
        update(_TICKET)
        .where(_TICKET.c.id == ticket_id)
        .values(
            history_count=count,
            history_head=event.hash,
            history_seal=head_seal(
                key, ticket_id, count, event.hash, row.state, row.deadline, row.version
            ),
        )
    )
    _forget_head(session, ticket_id)
    return event


def _forget_head(session: Session, ticket_id: int) -> None:
    """Expire the head columns of a loaded ticket: the UPDATE above went around the ORM."""
    ticket = session.identity_map.get((Ticket, (ticket_id,), None))
    if ticket is not None:
        session.expire(ticket, ["history_count", "history_head", "history_seal"])


def open_histories(
    session: Session,
    tickets: Sequence[Ticket],
    datas: Sequence[dict[str, Any]],
    *,
    actor_id: int | None,
    now: datetime,
) -> list[int]:
    """Write the `created` event of each new ticket, in one statement; return their ids in order.

    A `created` event opens its ticket's chain: it has no predecessor to look up, so the MACs
    of a whole batch are computed here, the rows inserted with one executemany and the new
    tickets' heads set with another.
    """
    key = current_keys().current
    rows = []
    for ticket, data in zip(tickets, datas, strict=True):
        row: dict[str, Any] = {
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
        row["hash"] = event_mac(key, row)
        rows.append(row)
    if not rows:
        return []
    table = table_of(TicketEvent)
    # Matched by ticket (one event each) rather than `sort_by_parameter_order`, which SQLite
    # can only honour one row per statement.
    statement = insert(table).returning(table.c.ticket_id, table.c.id)
    ids = dict(session.execute(statement, rows).all())
    heads = [
        {
            "tid": ticket.id,
            "head": row["hash"],
            "seal": head_seal(
                key, ticket.id, 1, row["hash"], ticket.state, ticket.deadline, ticket.version
            ),
        }
        for ticket, row in zip(tickets, rows, strict=True)
    ]
    session.connection().execute(
        update(_TICKET)
        .where(_TICKET.c.id == bindparam("tid"))
        .values(history_count=1, history_head=bindparam("head"), history_seal=bindparam("seal")),
        heads,
    )
    for ticket in tickets:
        _forget_head(session, ticket.id)
    return [ids[ticket.id] for ticket in tickets]
