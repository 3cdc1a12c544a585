"""Writing filed findings in bulk: the storage half of filing (the rules are in service.py).

Filing n findings costs a fixed number of statements per chunk of `CHUNK` tickets instead of ~12
per ticket: one counter upsert reserves all n codes, then per chunk one `INSERT ... RETURNING`
of the tickets (an executemany that SQLAlchemy sends as multi-row "insertmanyvalues" batches),
one executemany each for co-units, indicators and the `created` events, and the filing notices
(one recipient query per chunk). One ticket filed from the web form takes the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from tracker.core.modelbase import table_of
from tracker.org.models import User
from tracker.tickets import events
from tracker.tickets.history import open_histories
from tracker.tickets.models import Indicator, Ticket, TicketCodeCounter, TicketCoUnit

CHUNK = 1000  # tickets per INSERT executemany (and per progress step)


@dataclass(frozen=True)
class NewTicket:
    """A checked finding, ready to write."""

    columns: dict[str, Any]  # every `Ticket` column to set but `id` and `code`
    co_unit_ids: tuple[int, ...]
    indicators: tuple[dict[str, Any], ...]  # `Indicator` columns but ids and position
    event_data: dict[str, Any]  # the `created` event's data


def reserve_codes(session: Session, prefix: str, year: int, count: int) -> list[str]:
    """Hand out `count` consecutive readable codes for `year` with one statement.

    The upsert adds `count` to the year's counter and returns the new last number. On
    PostgreSQL it keeps the counter row locked, as `SELECT ... FOR UPDATE` would, until the
    transaction ends: a concurrent filing waits, then continues after this range. On SQLite the
    write holds the database's only write lock until commit. So two transactions never get
    overlapping ranges, and a rolled-back one hands its range out again.
    """
    counter = table_of(TicketCodeCounter)
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(counter)
    statement = (
        upsert.values(year=year, last=count)
        .on_conflict_do_update(
            index_elements=[counter.c.year], set_={"last": counter.c.last + count}
        )
        .returning(counter.c.last)
    )
    last = session.execute(statement).scalar_one()
    return [f"{prefix}-{year}-{number:06d}" for number in range(last - count + 1, last + 1)]


def write_tickets(
    session: Session,
    reporter: User,
    new: Sequence[NewTicket],
    codes: Sequence[str],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    *,
    announce: bool = True,
) -> list[Ticket]:
    """Insert the tickets with their co-units, indicators, `created` events and notices.

    Returns the tickets as persistent ORM objects (loaded from `RETURNING`, in `new`'s order),
    usable like any loaded ticket. `progress(n)` is called after each chunk of n tickets.
    `announce=False` (history entered afterwards) sends no `tickets_filed`: no notices.
    """
    filed: list[Ticket] = []
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        rows = [
            {**item.columns, "code": code}
            for item, code in zip(chunk, codes[start : start + CHUNK], strict=True)
        ]
        tickets = _insert_tickets(session, rows)
        pairs = list(zip(tickets, chunk, strict=True))
        co_units = [
            {"ticket_id": ticket.id, "unit_id": unit_id}
            for ticket, item in pairs
            for unit_id in item.co_unit_ids
        ]
        if co_units:
            session.execute(insert(table_of(TicketCoUnit)), co_units)
        indicators = [
            {**indicator, "ticket_id": ticket.id, "position": position}
            for ticket, item in pairs
            for position, indicator in enumerate(item.indicators)
        ]
        if indicators:
            session.execute(insert(table_of(Indicator)), indicators)
        event_ids = open_histories(
            session,
            tickets,
            [item.event_data for item in chunk],
            actor_id=reporter.id,
            now=now,
        )
        if announce:
            events.tickets_filed.send(
                session,
                filed=[
                    events.Filed(ticket, event_id, item.co_unit_ids)
                    for (ticket, item), event_id in zip(pairs, event_ids, strict=True)
                ],
                reporter=reporter,
                now=now,
            )
        filed += tickets
        if progress:
            progress(len(chunk))
    return filed


def _insert_tickets(session: Session, rows: list[dict[str, Any]]) -> list[Ticket]:
    """Insert ticket rows with one executemany; return them as ORM objects in `rows`' order.

    RETURNING's order is matched through the unique codes rather than asked for with
    `sort_by_parameter_order`, which SQLite can only honour one row per statement. NULLs are
    rendered so that every row has the same columns and the whole chunk goes as one batch.
    """
    statement = insert(Ticket).returning(Ticket).execution_options(render_nulls=True)
    by_code = {ticket.code: ticket for ticket in session.scalars(statement, rows)}
    return [by_code[row["code"]] for row in rows]
