"""A ticket's history read a page at a time, by event id (keyset: no OFFSET, no full read).

A ticket can gather thousands of events (comments, 催办); its page shows the latest ones with a
link to earlier pages, and the API hands the history out in pages with a cursor. Both walk the
index on (ticket_id, id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, func, select

from tracker.tickets.models import TicketEvent

Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class EventPage:
    items: list[TicketEvent]  # in the order asked for
    has_more: bool  # more events lie beyond the last item, in the same order


def events_page(
    session: Session, ticket_id: int, limit: int, *, after: int | None = None, order: Order = "asc"
) -> EventPage:
    """Up to `limit` events of a ticket, oldest first (`asc`) or newest first (`desc`),
    continuing past event id `after` in that order."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if after is not None:
        beyond = col(TicketEvent.id) > after if order == "asc" else col(TicketEvent.id) < after
        stmt = stmt.where(beyond)
    key = col(TicketEvent.id).asc() if order == "asc" else col(TicketEvent.id).desc()
    rows = list(session.exec(stmt.order_by(key).limit(limit + 1)).all())
    return EventPage(rows[:limit], len(rows) > limit)


def latest_events(
    session: Session, ticket_id: int, limit: int, *, before: int | None = None
) -> tuple[list[TicketEvent], int]:
    """The latest `limit` events (before event id `before`), oldest first as a timeline reads,
    and how many events come earlier than them."""
    page = events_page(session, ticket_id, limit, after=before, order="desc")
    items = list(reversed(page.items))
    if not page.has_more:
        return items, 0
    earlier = session.exec(
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, col(TicketEvent.id) < items[0].id)
    ).one()
    return items, int(earlier)
