"""Aggregate figures for leaders, computed in SQL over the viewer's scoped, filtered tickets.

Each figure is a `COUNT(*) FILTER (WHERE ...)` over one scoped statement, grouped by responsible
unit; the few dozen unit rows are then folded to township level in Python (a unit's township is
the ancestor of kind `township` on its materialised `Unit.path`). No ticket row is loaded into
Python, so the cost is a handful of queries whatever the number of tickets.

Cost at 10^6 tickets (bench/RESULTS.md): the dates compared with deadlines are the stored local
dates `completed_on`/`closed_on` (no per-row time-zone conversion), durations are summed as
intervals and converted once, and the aggregate rows are cached until the data changes
(tracker/reports/cache.py). When the filter is at most a round and a unit, the per-unit rows
are read from the rollup table kept by triggers instead (tracker/reports/rollup.py): a cold
view no longer scans the tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, or_, text
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col, select
from werkzeug.datastructures import MultiDict

from tracker.core.clock import local_date
from tracker.inspections.models import Inspection
from tracker.org.models import Unit, UnitKind, User
from tracker.org.service import scope_units
from tracker.reports.cache import cached_rows, data_version
from tracker.reports.counters import (
    COUNTERS,
    counter_columns,
    flow_columns,
    ticket_source,
    week_edges,
    week_starts,
)
from tracker.reports.rollup import (
    RollupScope,
    co_operated_only,
    figure_rows_from_rollup,
    rollup_scope,
    weekly_row_from_rollup,
)
from tracker.tickets.models import Ticket
from tracker.tickets.queries import (
    TicketFilter,
    clock_states,
    open_states,
    parse_filter,
    scoped_query,
)
from tracker.workflow.definition import WorkflowDefinition
from tracker.workflow.registry import active_workflow

WEEKS = 12


@dataclass
class UnitFigures:
    """Figures of one group (a township, or a unit outside any township)."""

    unit: Unit
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    days_to_close_sum: float = 0.0

    def add(self, counts: Mapping[str, int], days_sum: float) -> None:
        for key in COUNTERS:
            self.counts[key] += int(counts[key] or 0)
        self.days_to_close_sum += float(days_sum or 0)

    @property
    def counted(self) -> int:
        """Tickets that count towards rates: withdrawn ones (duplicates, invalid) do not."""
        return self.counts["total"] - self.counts["withdrawn"]

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "unit": {"code": self.unit.code, "name": self.unit.name, "kind": self.unit.kind},
            **{k: c[k] for k in COUNTERS if k not in ("amber", "green")},
            "rag": {"red": c["overdue"], "amber": c["amber"], "green": c["green"]},
            "rectification_rate": _ratio(c["done"], self.counted),
            "on_time_rate_original": _ratio(c["closed_on_time_original"], c["done"]),
            "on_time_rate_extended": _ratio(c["closed_on_time_extended"], c["done"]),
            "avg_days_to_close": (
                round(self.days_to_close_sum / c["done"], 1) if c["done"] else None
            ),
        }


def _ratio(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Context:
    """What every query needs: the scoped statement, the workflow, the clock and the zone."""

    base: Any  # a scoped, filtered select(Ticket)
    workflow: WorkflowDefinition
    now: datetime
    tz: str
    amber_days: int
    dialect: str
    # What the aggregates depend on, data version included (tracker/reports/cache.py); None: the
    # rows are not cached.
    cache_key: tuple | None = None
    cache_seconds: float = 0.0
    # Set once JIT is off for this context's transaction (PostgreSQL).
    jit_off: list[bool] = field(default_factory=list)
    # What the rollup (tracker/reports/rollup.py) answers of the figures; None: count tickets.
    rollup: RollupScope | None = None
    # Results shared by the aggregates of this context (the co-operated tickets' part).
    memo: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)


def make_context(
    session: Session,
    user: User,
    filters: TicketFilter | MultiDict[str, str] | None,
    now: datetime,
    config: Mapping,
) -> Context:
    """Scope and filters once; every aggregate reuses the statement."""
    workflow = active_workflow()
    if filters is None:
        flt = TicketFilter()
    elif isinstance(filters, TicketFilter):
        flt = filters
    else:
        flt = parse_filter(filters, workflow)
    tz, amber = config["TIMEZONE"], int(config["AMBER_DAYS"])
    base = scoped_query(session, user, flt, workflow, now, tz, amber).rows
    dialect = session.get_bind().dialect.name
    ttl = float(config.get("DASHBOARD_CACHE_SECONDS", 0) or 0)
    rollup = rollup_scope(session, user, flt) if config.get("DASHBOARD_ROLLUP") else None
    key = None
    if ttl > 0:
        roots = scope_units(session, user)
        key = (
            data_version(session),
            None if roots is None else tuple(sorted(u.path for u in roots)),
            repr(flt),
            local_date(now, tz).isoformat(),
            tz,
            amber,
            tuple(open_states(workflow)),
            tuple(clock_states(workflow)),
        )
    return Context(base, workflow, now, tz, amber, dialect, key, ttl, rollup=rollup)


def _cached(ctx: Context, name: str, compute: Callable[[], list[tuple]]) -> list[tuple]:
    """`compute()`'s rows for the aggregate `name` of this context, cached when it has a key."""
    key = None if ctx.cache_key is None else (*ctx.cache_key, name)
    return cached_rows(key, ctx.cache_seconds, compute)


def _execute(session: Session, ctx: Context, stmt: Select[*tuple[Any, ...]]) -> list[tuple]:
    _jit_off(session, ctx)
    return [tuple(row) for row in session.execute(stmt)]


def _jit_off(session: Session, ctx: Context) -> None:
    """JIT off once per context's transaction on PostgreSQL (see `without_jit`)."""
    if ctx.dialect == "postgresql" and not ctx.jit_off:
        without_jit(session)
        ctx.jit_off.append(True)


def without_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT off for this transaction.

    The aggregates are cheap scans (a few hundred ms at 10^6 tickets) whose estimated cost is
    high enough to trigger JIT compilation, which then costs seconds (measured: 5.2 s of a
    5.5 s query at 10^5 tickets, see bench/dashboard_bench.py).
    """
    session.execute(text("SET LOCAL jit = off"))


def _aggregate(ctx: Context, *columns: Any) -> Select[*tuple[Any, ...]]:
    """The scoped statement with its columns replaced by aggregates (same FROM and WHERE)."""
    return ctx.base.with_only_columns(*columns, maintain_column_froms=True)


def live_counter_columns(ctx: Context) -> list:
    """The SQL for each name in COUNTERS (and the sum of days to close), counting tickets."""
    return counter_columns(ticket_source(ctx.dialect), ctx.workflow, ctx.today, ctx.amber_days)


def group_of(unit: Unit, units: Mapping[int, Unit]) -> Unit:
    """The township a unit belongs to; outside townships, its top-level unit (or itself)."""
    chain = [units[int(part)] for part in unit.path.strip("/").split("/") if int(part) in units]
    for ancestor in chain:
        if ancestor.kind == UnitKind.TOWNSHIP:
            return ancestor
    return chain[1] if len(chain) > 1 else unit


def tree_order(unit: Unit) -> tuple[int, ...]:
    """Sort key placing units in tree order (ids along the path, compared as numbers)."""
    return tuple(int(part) for part in unit.path.strip("/").split("/") if part)


def load_units(session: Session) -> dict[int, Unit]:
    return {u.id: u for u in session.exec(select(Unit))}


def figure_rows(session: Session, ctx: Context) -> list[tuple]:
    """The per-unit and per-round aggregates, from the rollup or from one scan of the tickets.

    One row per (responsible unit, inspection round): the unit id, the round's id, the
    COUNTERS and the sum of days to close, in (unit, round) order. Every column is additive, so
    units and rounds are folded from these few dozen rows in Python (one scan instead of two:
    bench/RESULTS.md). Both sources give the same rows (tests/reports/test_rollup.py).
    """

    def compute() -> list[tuple]:
        rows = None
        if ctx.rollup is not None:
            _jit_off(session, ctx)
            rows = figure_rows_from_rollup(session, ctx, lambda: co_operated(session, ctx)[0])
        if rows is None:
            unit: SQLCoreOperations[int] = col(Ticket.responsible_unit_id)
            if ctx.dialect == "sqlite":
                # `+ 0` keeps SQLite from walking ix_ticket_responsible_state and fetching every
                # row by rowid in index order; a table scan and a sort is 3x faster
                # (bench/RESULTS.md).
                unit = unit + 0
            keys = (unit, col(Ticket.inspection_id))
            stmt = _aggregate(ctx, *keys, *live_counter_columns(ctx)).group_by(*keys)
            rows = _execute(session, ctx, stmt)
        return sorted(rows, key=lambda row: (row[0], row[1] or 0))

    return _cached(ctx, "figures", compute)


def unit_figures(
    session: Session,
    ctx: Context,
    units: Mapping[int, Unit],
    rows: list[tuple] | None = None,
) -> list[UnitFigures]:
    """Per-township (or top-level unit) figures, in unit-tree order."""
    groups: dict[int, UnitFigures] = {}
    width = len(COUNTERS)
    for row in figure_rows(session, ctx) if rows is None else rows:
        unit_id, _inspection_id, *values = row
        group = group_of(units[unit_id], units)
        figures = groups.setdefault(group.id, UnitFigures(group))
        figures.add(dict(zip(COUNTERS, values[:width], strict=True)), values[width])
    return sorted(groups.values(), key=lambda f: tree_order(f.unit))


def inspection_progress(
    session: Session, ctx: Context, rows: list[tuple] | None = None
) -> list[dict[str, Any]]:
    """Progress to zero (清零) per inspection round: how many of its findings are closed."""
    totals: dict[int, list[int]] = {}
    for _unit, inspection_id, total, still_open, *_ in (
        figure_rows(session, ctx) if rows is None else rows
    ):
        if inspection_id is not None:
            counts = totals.setdefault(inspection_id, [0, 0])
            counts[0] += int(total)
            counts[1] += int(still_open)
    if not totals:
        return []
    inspections = session.exec(
        select(Inspection)
        .where(col(Inspection.id).in_(list(totals)))
        .order_by(col(Inspection.started_on).desc(), col(Inspection.id).desc())
    ).all()
    result = []
    for inspection in inspections:
        total, still_open = totals[inspection.id]
        result.append(
            {
                "id": inspection.id,
                "title": inspection.title,
                "started_on": inspection.started_on.isoformat(),
                "total": total,
                "open": still_open,
                "closed": total - still_open,
                "progress": _ratio(total - still_open, total),
            }
        )
    return result


def co_operated(
    session: Session, ctx: Context, weeks: int = WEEKS
) -> tuple[list[tuple], tuple[int, ...]]:
    """The `figure_rows` and the weekly flow of the tickets the context's rollup scope sees
    only as a co-operating unit (tracker/reports/rollup.py), from one scan of them.

    One scan for both: these tickets are scattered over the table (at 10^6 tickets, 25,000 of
    them for a township cost ~150 ms to fetch, bench: /tmp/rollup_results.md). Kept on the
    context, which both aggregates share.
    """
    key = ("co_operated", weeks)
    if key not in ctx.memo:
        flow = flow_columns(week_edges(ctx.today, ctx.tz, weeks))
        where = co_operated_only(session, ctx.rollup) if ctx.rollup is not None else None
        rows = []
        if where is not None:
            keys = (col(Ticket.responsible_unit_id), col(Ticket.inspection_id))
            figures = live_counter_columns(ctx)
            stmt = sa_select(*keys, *figures, *flow).where(*where).group_by(*keys)
            rows = _execute(session, ctx, stmt)
        width = len(rows[0]) - len(flow) if rows else 0
        ctx.memo[key] = (
            [row[:width] for row in rows],
            tuple(sum(int(row[width + i]) for row in rows) for i in range(len(flow))),
        )
    return ctx.memo[key]


def weekly_flow(session: Session, ctx: Context, weeks: int = WEEKS) -> list[dict[str, Any]]:
    """Tickets opened and closed per local week (Monday to Sunday), in one query.

    From the flow rollup when the context allows (tracker/reports/rollup.py). Otherwise a query
    of its own: its WHERE keeps only the recent tickets, which is far cheaper than evaluating
    2 × `weeks` filters on every row of the per-unit scan (SQLite: 73 ms against 1.4 s at 10^5
    tickets) — as long as the recent tickets are few (at 10^6 filed within 12 weeks it is a
    scan of them all, bench/RESULTS.md).
    """
    edges = week_edges(ctx.today, ctx.tz, weeks)

    def compute() -> list[tuple]:
        row = None
        if ctx.rollup is not None:
            _jit_off(session, ctx)
            row = weekly_row_from_rollup(
                session, ctx, edges, lambda: co_operated(session, ctx, weeks)[1]
            )
        if row is None:
            recent = or_(col(Ticket.created_at) >= edges[0], col(Ticket.closed_at) >= edges[0])
            (row,) = _execute(session, ctx, _aggregate(ctx, *flow_columns(edges)).where(recent))
        return [row]

    (row,) = _cached(ctx, f"weekly-{weeks}", compute)
    starts = week_starts(ctx.today, weeks)
    return [
        {"week_start": day.isoformat(), "opened": int(row[2 * i]), "closed": int(row[2 * i + 1])}
        for i, day in enumerate(starts)
    ]


def _scope_codes(session: Session, user: User) -> list[str] | None:
    roots = scope_units(session, user)
    return None if roots is None else sorted(u.code for u in roots)


def dashboard_stats(
    session: Session,
    user: User,
    filters: TicketFilter | MultiDict[str, str] | None,
    now: datetime,
    config: Mapping,
) -> dict[str, Any]:
    """Every dashboard figure for `user`'s scope and `filters` (a TicketFilter or query args).

    JSON-ready: only dicts, lists, strings, numbers and None. Rates are percentages with one
    decimal (None when nothing counts); `rag` counts tickets whose clock runs.
    """
    ctx = make_context(session, user, filters, now, config)
    units = load_units(session)
    rows = figure_rows(session, ctx)
    groups = unit_figures(session, ctx, units, rows)
    total = UnitFigures(Unit(code="", name="", kind="", path="/"))
    for figures in groups:
        total.add(figures.counts, figures.days_to_close_sum)
    totals = total.as_dict()
    totals.pop("unit")
    return {
        "generated_at": now.astimezone(UTC).isoformat(),
        "today": ctx.today.isoformat(),
        "timezone": ctx.tz,
        "amber_days": ctx.amber_days,
        "scope": {"user": user.username, "role": user.role, "units": _scope_codes(session, user)},
        "totals": totals,
        "units": [figures.as_dict() for figures in groups],
        "inspections": inspection_progress(session, ctx, rows),
        "weekly": weekly_flow(session, ctx),
    }
