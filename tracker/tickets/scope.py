"""Who sees which tickets: one place, used by every list, detail, download, export and count.

- admin, inspector: every ticket;
- cadre: tickets whose responsible unit or a co-operating unit lies in their unit's subtree;
- leader: the same for the unit subtrees in their charge.
"""

from __future__ import annotations

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, false, func, or_, true
from sqlmodel import Session, select

from tracker.errors import NotFound
from tracker.org.models import User
from tracker.org.service import covers_every_unit, scope_units, subtree_ids
from tracker.i18n import service_gettext as _
from tracker.tickets.models import Ticket, TicketCoUnit


def visibility_condition(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE condition on `Ticket` selecting what `user` may see.

    The unit ids are read first (one small query) and inlined, so that the planner sees real
    values: `responsible_unit_id IN (2, 3, ...)` is an index condition on
    `ix_ticket_responsible_state` together with a state filter. On PostgreSQL the co-operating
    side is `id = ANY(ARRAY(SELECT ticket_id ...))`, evaluated once, so both sides of the OR are
    index scans joined by a BitmapOr instead of a filter over every row of the state (EXPLAIN in
    bench/RESULTS.md).
    """
    roots = scope_units(session, user)
    if roots is None or covers_every_unit(session, roots):
        return true()
    units = list(session.exec(subtree_ids(roots)).all())
    if not units:
        return false()
    co_tickets = select(TicketCoUnit.ticket_id).where(TicketCoUnit.unit_id.in_(units))
    if session.get_bind().dialect.name == "postgresql":
        as_array = func.array(co_tickets.scalar_subquery(), type_=ARRAY(Integer))
        co_operating = Ticket.id == any_(as_array)
    else:
        co_operating = Ticket.id.in_(co_tickets)
    return or_(Ticket.responsible_unit_id.in_(units), co_operating)


def visible_tickets(session: Session, user: User):
    """A `select(Ticket)` limited to what `user` may see; add filters and ordering to it."""
    return select(Ticket).where(visibility_condition(session, user))


def get_visible_ticket(session: Session, user: User, ticket_id: int) -> Ticket:
    """The ticket if `user` may see it; otherwise NotFound, whether or not it exists."""
    ticket = session.exec(visible_tickets(session, user).where(Ticket.id == ticket_id)).first()
    if ticket is None:
        raise NotFound(_("ticket not found"))
    return ticket
