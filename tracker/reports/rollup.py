"""Dashboard figures read from the rollups, and the operator's rebuild and check of them.

The rollups group tickets by responsible unit and round (tracker/reports/rollup_ddl.py), so
they answer a dashboard whose filter is at most an inspection round and a unit: the viewer's
scope and the unit filter both become a set of responsible units. Tickets seen only because a
unit of that set co-operates (协办) on them, while another unit is responsible, are not in those
groups: they are counted from `ticket` (few: a look-up of the co-operated tickets, not a scan
of the scope). Any other filter is counted from `ticket` as before
(tracker/reports/queries.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tracker.org.models import Unit, User
from tracker.org.service import covers_every_unit, scope_units, subtree_ids
from tracker.reports import rollup_ddl
from tracker.reports.counters import conditions, counter_columns, rollup_source, sum_where
from tracker.reports.models import TicketFlowRollup, TicketRollup
from tracker.tickets.models import Ticket, TicketCoUnit
from tracker.tickets.queries import TicketFilter

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])

if TYPE_CHECKING:
    from tracker.reports.queries import Context


@dataclass(frozen=True)
class RollupScope:
    """What a dashboard counts: tickets reaching every unit set in `subtrees` (as responsible or
    co-operating unit), of the round `inspection` if set."""

    subtrees: tuple[tuple[int, ...], ...]  # the viewer's scope, the unit filter; none: all
    inspection: int | None

    @property
    def units(self) -> tuple[int, ...] | None:
        """The responsible units whose rollup groups count; None: every unit."""
        if not self.subtrees:
            return None
        return tuple(sorted(set.intersection(*(set(s) for s in self.subtrees))))


def rollup_scope(session: Session, user: User, flt: TicketFilter) -> RollupScope | None:
    """What the rollup can answer of `user`'s dashboard filtered by `flt`; None if nothing.

    `flt.unit` exists (tracker.tickets.queries.filter_conditions has checked it). A subtree that
    holds every unit (a county leader's) limits nothing and is left out.
    """
    if not replace(flt, unit=None, inspection=None).is_empty():
        return None
    roots: list[Sequence[Unit] | None] = [scope_units(session, user)]
    if flt.unit:
        roots.append(session.exec(select(Unit).where(col(Unit.code) == flt.unit)).all())
    subtrees = tuple(
        tuple(sorted(session.exec(subtree_ids(r)).all()))
        for r in roots
        if r is not None and not covers_every_unit(session, r)
    )
    return RollupScope(subtrees, flt.inspection)


def _co_operated_by(units: Sequence[int]) -> ColumnElement[bool]:
    return col(Ticket.id).in_(
        select(col(TicketCoUnit.ticket_id)).where(col(TicketCoUnit.unit_id).in_(units))
    )


def co_operated_only(session: Session, scope: RollupScope) -> list[ColumnElement[bool]] | None:
    """WHERE of the tickets the scope counts whose responsible unit is outside `scope.units`
    (so they are in no group it reads): they reach its subtrees only as co-operated tickets.

    None when there can be none. The co-operated tickets drive (a semi-join on the co-unit
    index, few rows); the responsible units are listed, not excluded, so that when they are few
    (a scope over most units) their index can drive instead.
    """
    units = scope.units
    if units is None:
        return None
    outside = session.exec(select(col(Unit.id)).where(col(Unit.id).not_in(units))).all()
    if not outside:
        return None
    reach = [
        or_(col(Ticket.responsible_unit_id).in_(s), _co_operated_by(s)) for s in scope.subtrees
    ]
    conditions = [
        _co_operated_by(sorted(set().union(*scope.subtrees))),
        col(Ticket.responsible_unit_id).in_(sorted(outside)),
        *(reach if len(reach) > 1 else []),  # with one subtree, the first condition says it
    ]
    if scope.inspection is not None:
        conditions.append(col(Ticket.inspection_id) == scope.inspection)
    return conditions


def _in_scope(
    stmt: _S, model: type[TicketRollup] | type[TicketFlowRollup], scope: RollupScope
) -> _S:
    """`stmt` over a rollup `model` limited to the scope's units and round."""
    if scope.units is not None:
        stmt = stmt.where(col(model.responsible_unit_id).in_(scope.units))
    if scope.inspection is not None:
        stmt = stmt.where(col(model.inspection_id) == scope.inspection)
    return stmt


def figure_rows_from_rollup(
    session: Session, ctx: Context, co_operated: Callable[[], list[tuple]]
) -> list[tuple] | None:
    """The rows of `figure_rows` (unit, round, COUNTERS, days to close) for `ctx.rollup`.

    `co_operated()` gives the rows of the tickets seen only as a co-operating unit (counted
    from `ticket`, see `co_operated_only`). None when the rollup cannot answer: a ticket whose
    clock runs has `closed_at` set (a custom workflow may do that), so its deadline is not in
    the group key.
    """
    if ctx.rollup is None:
        return None
    r = TicketRollup
    source = rollup_source(ctx.dialect)
    undated = source.count(
        and_(conditions(source, ctx.workflow).running, col(r.deadline) == rollup_ddl.NO_DEADLINE)
    )
    stmt = sa_select(
        col(r.responsible_unit_id),
        func.nullif(col(r.inspection_id), rollup_ddl.NO_INSPECTION),
        *counter_columns(source, ctx.workflow, ctx.today, ctx.amber_days),
        undated,
    ).group_by(col(r.responsible_unit_id), col(r.inspection_id))
    rows = [tuple(row) for row in session.execute(_in_scope(stmt, r, ctx.rollup))]
    if any(row[-1] for row in rows):
        return None
    return [row[:-1] for row in rows] + co_operated()


def weekly_row_from_rollup(
    session: Session,
    ctx: Context,
    edges: Sequence[datetime],
    co_operated: Callable[[], Sequence[int]],
) -> tuple | None:
    """Tickets opened and closed between consecutive `edges` (UTC), as `weekly_flow`'s row.

    `co_operated()` gives the same counts for the tickets seen only as a co-operating unit.
    None when an edge falls inside a rollup slot (a zone off the quarter hours).
    """
    seconds = [edge.timestamp() for edge in edges]
    if ctx.rollup is None or any(s % rollup_ddl.SLOT_SECONDS for s in seconds):
        return None
    slots = [int(s) // rollup_ddl.SLOT_SECONDS for s in seconds]
    f = TicketFlowRollup
    columns = []
    for low, high in pairwise(slots):
        in_week = and_(col(f.slot) >= low, col(f.slot) < high)
        columns += [sum_where(col(f.opened), in_week), sum_where(col(f.closed), in_week)]
    stmt = sa_select(*columns).where(col(f.slot) >= slots[0], col(f.slot) < slots[-1])
    total = session.execute(_in_scope(stmt, f, ctx.rollup)).one()
    return tuple(int(a) + int(b) for a, b in zip(total, co_operated(), strict=True))


# --- operators: rebuild and check ------------------------------------------------------------


def rebuild(session: Session) -> list[tuple[str, int, int]]:
    """Recompute every rollup from the tickets; per table (name, rows, tickets counted).

    The caller commits. PostgreSQL: ticket writers wait until the commit (SHARE lock), so no
    trigger runs between the DELETE and the fill; readers carry on. SQLite: the first DELETE
    takes the write lock.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("LOCK TABLE ticket IN SHARE MODE"))
    connection = session.connection()
    made = []
    for rollup in rollup_ddl.ROLLUPS:
        connection.exec_driver_sql(f"DELETE FROM {rollup.table}")
        connection.exec_driver_sql(rollup_ddl.fill(rollup, dialect))
        first = rollup.counter_columns[0]
        rows, tickets = connection.exec_driver_sql(
            f"SELECT count(*), coalesce(sum({first}), 0) FROM {rollup.table}"
        ).one()
        made.append((rollup.table, int(rows), int(tickets)))
    return made


@dataclass(frozen=True)
class Difference:
    """A rollup row that differs from what the tickets give (None: no such row)."""

    rollup: rollup_ddl.Rollup
    key: tuple
    stored: tuple | None
    fresh: tuple | None

    def describe(self) -> str:
        pairs = zip(self.rollup.key_columns, self.key, strict=True)
        key = ", ".join(f"{name}={value!r}" for name, value in pairs)

        def counters(values: tuple | None) -> str:
            if values is None:
                return "no row"
            pairs = zip(self.rollup.counter_columns, values, strict=True)
            return ", ".join(f"{name}={value}" for name, value in pairs)

        stored, fresh = counters(self.stored), counters(self.fresh)
        return f"{self.rollup.table} ({key}): rollup has {stored}; tickets give {fresh}"


def differences(session: Session) -> tuple[int, list[Difference]]:
    """Compare every rollup with a fresh aggregate of the tickets, in one snapshot.

    Returns how many rows the tickets give and the differing rows, in key order per table.
    """
    dialect = session.get_bind().dialect.name
    options = {"isolation_level": "REPEATABLE READ"} if dialect == "postgresql" else {}
    connection = session.connection(execution_options=options)

    def by_key(sql: str, width: int) -> dict[tuple, tuple]:
        result = connection.exec_driver_sql(sql)
        return {tuple(row[:width]): tuple(int(v) for v in row[width:]) for row in result}

    rows, found = 0, []
    for rollup in rollup_ddl.ROLLUPS:
        width = len(rollup.key_columns)
        columns = ", ".join([*rollup.key_columns, *rollup.counter_columns])
        stored = by_key(f"SELECT {columns} FROM {rollup.table}", width)
        fresh = by_key(rollup_ddl.fresh_aggregate(rollup, dialect), width)
        rows += len(fresh)
        found += [
            Difference(rollup, key, stored.get(key), fresh.get(key))
            for key in sorted(stored.keys() | fresh.keys())
            if stored.get(key) != fresh.get(key)
        ]
    return rows, found
