"""Who sees which tickets: one place, used by every list, detail, download, export and count.

- admin, inspector: every ticket;
- cadre: tickets whose responsible unit or a co-operating unit lies in their unit's subtree;
- leader: the same for the unit subtrees in their charge.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true
from sqlmodel import Session, select

from tracker.errors import NotFound
from tracker.org.models import User
from tracker.org.service import scope_units, subtree_ids
from tracker.tickets.models import Ticket, TicketCoUnit


def visibility_condition(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE condition on `Ticket` selecting what `user` may see."""
    roots = scope_units(session, user)
    if roots is None:
        return true()
    units = subtree_ids(roots)
    co_operating = exists().where(
        TicketCoUnit.ticket_id == Ticket.id, TicketCoUnit.unit_id.in_(units)
    )
    return or_(Ticket.responsible_unit_id.in_(units), co_operating)


def visible_tickets(session: Session, user: User):
    """A `select(Ticket)` limited to what `user` may see; add filters and ordering to it."""
    return select(Ticket).where(visibility_condition(session, user))


def get_visible_ticket(session: Session, user: User, ticket_id: int) -> Ticket:
    """The ticket if `user` may see it; otherwise NotFound, whether or not it exists."""
    ticket = session.exec(visible_tickets(session, user).where(Ticket.id == ticket_id)).first()
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket
