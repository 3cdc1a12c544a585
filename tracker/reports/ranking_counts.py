"""What the ranking counts per township, in two grouped queries over the viewer's tickets.

One query over the tickets (grouped by responsible unit and round) counts overdue findings, the
overdue-day bands, rejections, rebounds and findings closed early; one over their history
(grouped by responsible unit) counts justified returns and unanswered chases. The rows are
folded to townships in Python, as the dashboard does (tracker/reports/queries.py). Each kind's
condition is written once (`ticket_condition`) and serves both the count and the list of the
findings behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

from tracker.org.models import Role, Unit, UnitKind, User
from tracker.org.service import subtree_ids
from tracker.reports.counters import count_where, sum_where
from tracker.reports.queries import Context, group_of
from tracker.reports.ranking import BAND_PREFIX, RankingSettings, Score, rank
from tracker.tickets.models import EventKind, Resolution, Ticket, TicketEvent
from tracker.tickets.queries import clock_states, open_states

# Kinds counted from the history: events, not tickets.
EVENT_KINDS = ("returns_justified", "chases_unanswered")


@dataclass
class TownshipCounts:
    """A township's counts by kind, its findings counted (withdrawn ones not) and the rounds it
    cleared (every counted finding of the round closed)."""

    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)
    counted: int = 0
    cleared_rounds: set[int] = field(default_factory=set)


def _days_before(
    column: SQLCoreOperations[date], days: int, dialect: str
) -> SQLCoreOperations[date]:
    """The date `days` days before a date column."""
    if not days:
        return column
    if dialect == "sqlite":
        return func.date(column, f"-{days} days")
    return column - literal(days)


def _event_condition(ctx: Context, settings: RankingSettings, kind: str) -> ColumnElement[bool]:
    """Which history events count for an event kind."""
    if kind == "returns_justified":
        return col(TicketEvent.transition).in_(settings.return_events)
    # A chase (催办) no cadre has answered (acted or commented on the finding since), once the
    # unit has had `chase_answer_days` to answer.
    # An alias's attributes are columns, which the model's annotations do not say.
    later: Any = aliased(TicketEvent)
    answered = exists(
        select(later.id)
        .join(User, col(User.id) == later.actor_id)
        .where(
            later.ticket_id == TicketEvent.ticket_id,
            later.id > col(TicketEvent.id),
            later.kind != EventKind.CHASE.value,
            col(User.role) == Role.CADRE.value,
        )
    )
    cutoff = ctx.now - timedelta(days=settings.chase_answer_days)
    return and_(
        col(TicketEvent.kind) == EventKind.CHASE.value,
        col(TicketEvent.created_at) <= cutoff,
        ~answered,
    )


def ticket_condition(
    ctx: Context, settings: RankingSettings, kind: str
) -> ColumnElement[bool] | None:
    """Which tickets a kind counts (for event kinds: the tickets with such an event); None for
    `round_cleared`, which is a property of a township's round, not of a ticket."""
    running = and_(
        col(Ticket.state).in_(clock_states(ctx.workflow)),
        ~col(Ticket.is_awaiting_verification),
        col(Ticket.return_requested_at).is_(None),  # a return (退单) waits for the dispatcher
    )
    if kind == "overdue":
        return and_(running, col(Ticket.deadline) < ctx.today)
    if kind.startswith(BAND_PREFIX):
        days = int(kind.removeprefix(BAND_PREFIX))
        return and_(running, col(Ticket.deadline) <= ctx.today - timedelta(days=days))
    if kind == "rejections":
        return col(Ticket.rejection_count) > 0
    if kind == "rebounds":
        return col(Ticket.rebound_count) > 0
    if kind == "closed_early":
        deadline = (
            col(Ticket.original_deadline)
            if settings.on_time_against == "original"
            else col(Ticket.deadline)
        )
        finished = func.coalesce(Ticket.completed_on, Ticket.closed_on)
        return and_(
            ~col(Ticket.state).in_(open_states(ctx.workflow)),
            col(Ticket.resolution) == Resolution.DONE.value,
            finished <= _days_before(deadline, settings.early_days, ctx.dialect),
        )
    if kind in EVENT_KINDS:
        return col(Ticket.id).in_(
            select(col(TicketEvent.ticket_id)).where(_event_condition(ctx, settings, kind))
        )
    return None


def _ticket_rows(session: Session, ctx: Context, settings: RankingSettings) -> list[tuple]:
    kinds = [i.kind for i in settings.items if i.kind not in (*EVENT_KINDS, "round_cleared")]
    columns = []
    for kind in kinds:
        if kind in ("rejections", "rebounds"):  # times it happened, not findings
            columns.append(sum_where(getattr(Ticket, f"{kind[:-1]}_count")))
        else:
            columns.append(count_where(ticket_condition(ctx, settings, kind)))
    # An open finding has no resolution: NOT (NULL = 'withdrawn') is NULL, which would leave a
    # township whose findings are all open out of the ranking.
    counted = or_(
        col(Ticket.resolution).is_(None), col(Ticket.resolution) != Resolution.WITHDRAWN.value
    )
    keys = (Ticket.responsible_unit_id, Ticket.inspection_id)
    stmt = ctx.base.with_only_columns(
        *keys,
        count_where(counted),
        count_where(col(Ticket.state).in_(open_states(ctx.workflow))),
        *columns,
        maintain_column_froms=True,
    ).group_by(*keys)
    return [
        (row[0], row[1], row[2], row[3], dict(zip(kinds, row[4:], strict=True)))
        for row in session.execute(stmt)
    ]


def _event_unit() -> ColumnElement[int]:
    """The unit an event counts against: the one it names (a return and reassignment, 退单/改派,
    names the unit that returned the finding, which no longer holds it), else the finding's."""
    return func.coalesce(TicketEvent.data["unit_id"].as_integer(), Ticket.responsible_unit_id)


def _event_rows(session: Session, ctx: Context, settings: RankingSettings) -> list[tuple]:
    conditions = {kind: _event_condition(ctx, settings, kind) for kind in EVENT_KINDS}
    unit = _event_unit()
    stmt = (
        ctx.base.with_only_columns(
            unit,
            *(count_where(c) for c in conditions.values()),
            maintain_column_froms=True,
        )
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(or_(*conditions.values()))
        .group_by(unit)
    )
    return [(row[0], dict(zip(conditions, row[1:], strict=True))) for row in session.execute(stmt)]


def township_counts(
    session: Session, ctx: Context, settings: RankingSettings, units: Mapping[int, Unit]
) -> list[TownshipCounts]:
    """The counts of every township with at least one counted finding in the context."""
    towns: dict[int, TownshipCounts] = {}
    rounds: dict[tuple[int, int], list[int]] = {}  # (township, round) → [counted, open]

    def town(unit_id: int) -> TownshipCounts:
        group = group_of(units[unit_id], units)
        return towns.setdefault(group.id, TownshipCounts(group))

    for unit_id, inspection_id, counted, still_open, counts in _ticket_rows(session, ctx, settings):
        entry = town(unit_id)
        entry.counted += int(counted)
        for kind, value in counts.items():
            entry.counts[kind] = entry.counts.get(kind, 0) + int(value or 0)
        if inspection_id is not None:
            figures = rounds.setdefault((entry.unit.id, inspection_id), [0, 0])
            figures[0] += int(counted)
            figures[1] += int(still_open)
    for (town_id, inspection_id), (counted, still_open) in rounds.items():
        if counted and not still_open:
            towns[town_id].cleared_rounds.add(inspection_id)
    for entry in towns.values():
        entry.counts["round_cleared"] = len(entry.cleared_rounds)
    for unit_id, counts in _event_rows(session, ctx, settings):
        if unit_id not in units:
            continue
        entry = town(unit_id)
        for kind, value in counts.items():
            entry.counts[kind] = entry.counts.get(kind, 0) + int(value or 0)
    return [t for t in towns.values() if t.unit.kind == UnitKind.TOWNSHIP and t.counted > 0]


def findings_behind(
    ctx: Context, settings: RankingSettings, township: TownshipCounts, kind: str
) -> SelectOfScalar[Ticket]:
    """The statement listing the township's findings that one item of its score counts."""
    within = subtree_ids([township.unit])
    if kind in EVENT_KINDS:  # the findings of the events counted against the township
        counted = (
            select(col(TicketEvent.ticket_id))
            .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
            .where(_event_condition(ctx, settings, kind), _event_unit().in_(within))
        )
        return ctx.base.where(col(Ticket.id).in_(counted))
    stmt = ctx.base.where(col(Ticket.responsible_unit_id).in_(within))
    if kind == "round_cleared":
        return stmt.where(col(Ticket.inspection_id).in_(sorted(township.cleared_rounds)))
    return stmt.where(ticket_condition(ctx, settings, kind))


def township_ranking(
    session: Session, ctx: Context, settings: RankingSettings, units: Mapping[int, Unit]
) -> list[tuple[Score, TownshipCounts]]:
    """The ranked scores of the context's townships, each with the counts behind it."""
    counted = {t.unit.id: t for t in township_counts(session, ctx, settings, units)}
    scores = rank(((t.unit, t.counts) for t in counted.values()), settings)
    return [(s, counted[s.unit.id]) for s in scores]
