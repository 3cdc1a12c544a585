"""Batch-load what a page of tickets refers to (units, categories, people, co-units, indicators).

A fixed number of queries per page, whatever its size: lists never go N+1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from tracker.inspections.models import Inspection
from tracker.org.models import Unit, User
from tracker.tickets.models import Category, Indicator, Ticket, TicketCoUnit


@dataclass
class Related:
    units: dict[int, Unit] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    inspections: dict[int, Inspection] = field(default_factory=dict)
    co_units: dict[int, list[int]] = field(default_factory=dict)
    indicators: dict[int, list[Indicator]] = field(default_factory=dict)

    def unit(self, unit_id: int | None) -> Unit | None:
        return self.units.get(unit_id) if unit_id else None

    def user(self, user_id: int | None) -> User | None:
        return self.users.get(user_id) if user_id else None

    def category(self, category_id: int | None) -> Category | None:
        return self.categories.get(category_id) if category_id else None


def load_related(
    session: Session,
    tickets: Sequence[Ticket],
    *,
    details: bool = True,
    inspections: bool = True,
) -> Related:
    """Everything the tickets refer to, in one query per kind (`inspections=False` skips the
    inspections, which the API names by id only)."""
    related = Related()
    if not tickets:
        return related
    ids = [t.id for t in tickets]
    co_rows = session.exec(select(TicketCoUnit).where(TicketCoUnit.ticket_id.in_(ids))).all()
    co_units: dict[int, list[int]] = defaultdict(list)
    for row in co_rows:
        co_units[row.ticket_id].append(row.unit_id)
    related.co_units = dict(co_units)
    unit_ids = {t.responsible_unit_id for t in tickets} | {
        t.location_unit_id for t in tickets if t.location_unit_id
    }
    unit_ids |= {row.unit_id for row in co_rows}
    related.units = {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(unit_ids)))}
    category_ids = {t.category_id for t in tickets if t.category_id}
    if category_ids:
        related.categories = {
            c.id: c for c in session.exec(select(Category).where(Category.id.in_(category_ids)))
        }
    user_ids = {t.assignee_id for t in tickets if t.assignee_id} | {
        t.reporter_id for t in tickets if t.reporter_id
    }
    if user_ids:
        related.users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))}
    inspection_ids = {t.inspection_id for t in tickets if t.inspection_id}
    if inspection_ids and inspections:
        related.inspections = {
            i.id: i
            for i in session.exec(select(Inspection).where(Inspection.id.in_(inspection_ids)))
        }
    if details:
        indicators: dict[int, list[Indicator]] = defaultdict(list)
        for item in session.exec(
            select(Indicator).where(Indicator.ticket_id.in_(ids)).order_by(Indicator.position)
        ):
            indicators[item.ticket_id].append(item)
        related.indicators = dict(indicators)
    return related
