"""Who sees which tickets: one place, used by every list, detail, download, export and count.

- admin, inspector: every ticket;
- cadre: tickets whose responsible unit or a co-operating unit lies in their unit's subtree;
- leader: the same for the unit subtrees in their charge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ARRAY, ColumnElement, Integer, and_, any_, false, func, or_, true
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.core.errors import NotFound
from tracker.core.i18n import service_gettext as _
from tracker.org.directory import UnitRef, directory, roots_by_ids
from tracker.org.models import Role, User
from tracker.org.service import charge_ids, is_within
from tracker.tickets.models import Ticket, TicketCoUnit


@dataclass(frozen=True)
class Visibility:
    """What a user may see: one condition for pages, disjoint branches for counting.

    The branches select the same tickets as `condition` with no ticket in two of them, so a
    count is the sum of the branches' counts. Each branch is a plain index condition (the
    responsible unit's; the co-operating side minus those), which PostgreSQL counts with an
    index-only scan that stops at the count cap, where the OR needs a bitmap of every
    matching row first (bench/RESULTS.md: 32 ms against 3 ms for a township at 10^6 tickets).
    """

    condition: ColumnElement[bool]
    branches: tuple[ColumnElement[bool], ...]


def scope_roots(session: Session, user: User) -> tuple[UnitRef, ...] | None:
    """Roots of the unit subtrees `user` works on, from the directory; None means everything
    (as `org.service.scope_units`, without a query once the directory is in memory)."""
    if user.role in (Role.ADMIN, Role.INSPECTOR):
        return None
    found = directory(session)
    if user.role == Role.LEADER:
        return roots_by_ids(found, charge_ids(session, user))
    return roots_by_ids(found, [user.unit_id] if user.unit_id else [])


def units_in_scope(session: Session, user: User) -> list[UnitRef]:
    """Active units in `user`'s scope, in tree order (every unit for admins and inspectors):
    what a list's unit filter offers, so a township cadre is not handed a province's units."""
    roots = scope_roots(session, user)
    units = directory(session).active_units()
    return [u for u in units if roots is None or is_within(u, roots)]


def co_operating(session: Session, units: Sequence[int]) -> ColumnElement[bool]:
    """Tickets with a co-operating unit among `units`.

    On PostgreSQL `id = ANY(ARRAY(SELECT ticket_id ...))`, evaluated once, so that beside a
    condition on the responsible unit both sides are index scans joined by a BitmapOr instead of
    a filter over every row of the state (EXPLAIN in bench/RESULTS.md)."""
    co_tickets = select(col(TicketCoUnit.ticket_id)).where(col(TicketCoUnit.unit_id).in_(units))
    if session.get_bind().dialect.name == "postgresql":
        return col(Ticket.id) == any_(
            func.array(co_tickets.scalar_subquery(), type_=ARRAY(Integer))
        )
    return col(Ticket.id).in_(co_tickets)


def visibility(session: Session, user: User) -> Visibility:
    """Which tickets `user` may see (see `Visibility`).

    The unit ids come from the directory and are inlined, so that the planner sees real
    values: `responsible_unit_id IN (2, 3, ...)` is an index condition on
    `ix_ticket_responsible_state` together with a state filter.
    """
    roots = scope_roots(session, user)
    found = directory(session)
    if roots is None or found.covers_every_unit(roots):
        return Visibility(true(), (true(),))
    units = found.subtree_ids(roots)
    if not units:
        return Visibility(false(), (false(),))
    co_side = co_operating(session, units)
    responsible = col(Ticket.responsible_unit_id).in_(units)
    return Visibility(
        or_(responsible, co_side),
        (responsible, and_(co_side, col(Ticket.responsible_unit_id).not_in(units))),
    )


def visibility_condition(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE condition on `Ticket` selecting what `user` may see."""
    return visibility(session, user).condition


def visible_tickets(session: Session, user: User) -> SelectOfScalar[Ticket]:
    """A `select(Ticket)` limited to what `user` may see; add filters and ordering to it."""
    return select(Ticket).where(visibility_condition(session, user))


def get_visible_ticket(session: Session, user: User, ticket_id: int) -> Ticket:
    """The ticket if `user` may see it; otherwise NotFound, whether or not it exists."""
    ticket = session.exec(visible_tickets(session, user).where(Ticket.id == ticket_id)).first()
    if ticket is None:
        raise NotFound(_("ticket not found"))
    return ticket
