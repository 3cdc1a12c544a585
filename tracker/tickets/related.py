"""Batch-load what a page of tickets refers to (units, categories, people, co-units, indicators).

Units, categories and people come from the worker's directory (tracker/org/directory.py); the
co-operating units and the indicators of the page's tickets from one statement: lists never go
N+1, and a page costs one round trip here, two with the inspections the HTML names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BindParameter,
    Float,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    literal,
    null,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tracker.core.db import READ_ONLY_KEY
from tracker.inspections.models import Inspection
from tracker.org.directory import CategoryRef, PersonRef, UnitRef, directory
from tracker.tickets.models import Indicator, Ticket, TicketCoUnit


@dataclass(frozen=True, slots=True)
class Figure:
    """An indicator (`Indicator`'s columns) as a page shows it: a plain row, not an ORM object
    (building 25 of those cost more than reading them)."""

    id: int
    ticket_id: int
    name: str
    unit: str
    target: float | None
    achieved: float | None
    position: int


@dataclass
class Related:
    units: dict[int, UnitRef] = field(default_factory=dict)
    categories: dict[int, CategoryRef] = field(default_factory=dict)
    users: dict[int, PersonRef] = field(default_factory=dict)
    inspections: dict[int, Inspection] = field(default_factory=dict)
    co_units: dict[int, list[int]] = field(default_factory=dict)
    indicators: dict[int, list[Figure]] = field(default_factory=dict)

    def unit(self, unit_id: int | None) -> UnitRef | None:
        return self.units.get(unit_id) if unit_id else None

    def user(self, user_id: int | None) -> PersonRef | None:
        return self.users.get(user_id) if user_id else None

    def category(self, category_id: int | None) -> CategoryRef | None:
        return self.categories.get(category_id) if category_id else None


def load_related(
    session: Session,
    tickets: Sequence[Ticket],
    *,
    details: bool = True,
    inspections: bool = True,
) -> Related:
    """Everything the tickets refer to (`details=False` skips the indicators, `inspections=False`
    the inspections, which the API names by id only)."""
    if not tickets:
        return Related()
    found = directory(session)
    related = Related(units=found.units, categories=found.categories, users=found.people)
    ids = [t.id for t in tickets]
    co_units: dict[int, list[int]] = defaultdict(list)
    indicators: dict[int, list[Figure]] = defaultdict(list)
    statement = _WITH_FIGURES if details else _CO_UNITS
    for row in session.execute(statement, {"ids": ids}):
        ticket_id, unit_id, indicator_id, name, unit, target, achieved, position, _part = row
        if unit_id is not None:
            co_units[ticket_id].append(unit_id)
        else:
            indicators[ticket_id].append(
                Figure(indicator_id, ticket_id, name, unit, target, achieved, position)
            )
    related.co_units = dict(co_units)
    related.indicators = dict(indicators)
    if session.info.get(READ_ONLY_KEY):  # nothing changes them before the request ends
        for ticket_id in ids:
            session.info[(CO_UNITS_KEY, ticket_id)] = tuple(related.co_units.get(ticket_id, ()))
    inspection_ids = {t.inspection_id for t in tickets if t.inspection_id}
    if inspection_ids and inspections:
        related.inspections = {
            i.id: i
            for i in session.exec(select(Inspection).where(col(Inspection.id).in_(inspection_ids)))
        }
    return related


# session.info key (with a ticket id) of the co-unit ids `load_related` read in a read-only
# session, which `relations.co_unit_ids` takes instead of asking again (the ticket page).
CO_UNITS_KEY = "co_units"


def _co_units_and_indicators(details: bool) -> Select[*tuple[Any, ...]]:
    """One statement: (ticket_id, co-unit id, NULL...) rows, then, with `details`, (ticket_id,
    NULL, indicator columns) rows in position order; the tickets' ids are its `ids` parameter.
    Built once: building it costs more than running it."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    co = sa_select(
        col(TicketCoUnit.ticket_id),
        col(TicketCoUnit.unit_id),
        cast(null(), Integer).label("indicator_id"),
        cast(null(), String).label("name"),
        cast(null(), String).label("unit"),
        cast(null(), Float).label("target"),
        cast(null(), Float).label("achieved"),
        cast(null(), Integer).label("position"),
        literal(0).label("part"),
    ).where(col(TicketCoUnit.ticket_id).in_(ids))
    if not details:
        return co
    figures = sa_select(
        col(Indicator.ticket_id),
        cast(null(), Integer),
        col(Indicator.id),
        col(Indicator.name),
        col(Indicator.unit),
        col(Indicator.target),
        col(Indicator.achieved),
        col(Indicator.position),
        literal(1),
    ).where(col(Indicator.ticket_id).in_(ids))
    both = union_all(co, figures).subquery()
    return sa_select(*both.c).order_by(both.c.part, both.c.position, both.c.indicator_id)


_CO_UNITS = _co_units_and_indicators(details=False)
_WITH_FIGURES = _co_units_and_indicators(details=True)
