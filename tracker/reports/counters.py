"""The dashboard's additive counters, as SQL over tickets or over their rollup, and the weekly
flow's columns over tickets.

The same conditions (open, running, done, overdue / amber / green against today) are applied to
either source: to `ticket`, counting rows; to `ticket_rollup` (tracker/reports/models.py),
summing its groups' counters. So both give the same figures, and the workflow (which states are
open, which run the clock) is read at query time in both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, null
from sqlalchemy.orm import Mapped
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from tracker.reports.models import TicketRollup
from tracker.reports.sqlfn import days_from_microseconds, total_days
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.queries import clock_states, open_states
from tracker.workflow.definition import WorkflowDefinition

# Additive per-unit counters, in the order the SQL selects them.
COUNTERS = (
    "total",
    "open",
    "overdue",
    "amber",
    "green",
    "closed",
    "done",
    "withdrawn",
    "closed_on_time_original",
    "closed_on_time_extended",
    "rejections",
    "rebounds",
)

Condition = ColumnElement[bool] | None


def count_where(condition: Condition) -> Any:
    """How many rows meet `condition` (0, never NULL); a None condition is met by none."""
    return func.count().filter(condition if condition is not None else null())


def sum_where(column: Mapped[Any], condition: Condition = None) -> Any:
    """The sum of `column` over the rows meeting `condition` (0, never NULL)."""
    total = func.sum(column)
    return func.coalesce(total if condition is None else total.filter(condition), 0)


@dataclass(frozen=True)
class Source:
    """The columns the conditions read, and how tickets meeting a condition are counted."""

    state: Any
    is_awaiting_verification: Any
    resolution: Any
    deadline: Any
    count: Callable[[Condition], Any]  # tickets meeting the condition (None: all)
    on_time_original: Callable[
        [ColumnElement[bool]], Any
    ]  # of those, finished by the original deadline
    on_time_extended: Callable[[ColumnElement[bool]], Any]  # ... by the deadline in force
    rejections: Any
    rebounds: Any
    days_to_close: Callable[[ColumnElement[bool]], Any]  # their days from filing to closing, summed


def ticket_source(dialect: str) -> Source:
    """Counting tickets one by one."""
    # Local dates stored by the ticket service when the event happened.
    finished = func.coalesce(Ticket.completed_on, Ticket.closed_on)
    return Source(
        state=col(Ticket.state),
        is_awaiting_verification=col(Ticket.is_awaiting_verification),
        resolution=col(Ticket.resolution),
        deadline=col(Ticket.deadline),
        count=lambda c: func.count(col(Ticket.id)) if c is None else count_where(c),
        on_time_original=lambda c: count_where(and_(c, finished <= col(Ticket.original_deadline))),
        on_time_extended=lambda c: count_where(and_(c, finished <= col(Ticket.deadline))),
        rejections=sum_where(col(Ticket.rejection_count)),
        rebounds=sum_where(col(Ticket.rebound_count)),
        days_to_close=lambda c: func.coalesce(
            total_days(col(Ticket.created_at), col(Ticket.closed_at), c, dialect), 0
        ),
    )


def rollup_source(dialect: str) -> Source:
    """Summing the counters of rollup groups (each row holds `tickets` tickets)."""
    r = TicketRollup
    return Source(
        state=col(r.state),
        is_awaiting_verification=col(r.is_awaiting_verification),
        resolution=col(r.resolution),
        deadline=col(r.deadline),
        count=lambda c: sum_where(col(r.tickets), c),
        on_time_original=lambda c: sum_where(col(r.on_time_original), c),
        on_time_extended=lambda c: sum_where(col(r.on_time_extended), c),
        rejections=sum_where(col(r.rejections)),
        rebounds=sum_where(col(r.rebounds)),
        days_to_close=lambda c: func.coalesce(
            days_from_microseconds(func.sum(col(r.close_us)).filter(c), dialect), 0
        ),
    )


@dataclass(frozen=True)
class Conditions:
    """Which tickets are open, running (clock on, not awaiting verification), done."""

    is_open: Any
    running: Any
    done: Any


def conditions(source: Source, workflow: WorkflowDefinition) -> Conditions:
    is_open = source.state.in_(open_states(workflow))
    return Conditions(
        is_open=is_open,
        running=and_(source.state.in_(clock_states(workflow)), ~source.is_awaiting_verification),
        done=and_(~is_open, source.resolution == Resolution.DONE.value),
    )


def counter_columns(
    source: Source, workflow: WorkflowDefinition, today: date, amber_days: int
) -> list:
    """The SQL for each name in COUNTERS (and the sum of days to close after them)."""
    c = conditions(source, workflow)
    deadline = source.deadline
    soon = today + timedelta(days=amber_days)
    return [
        source.count(None),
        source.count(c.is_open),
        source.count(and_(c.running, deadline < today)),
        source.count(and_(c.running, deadline >= today, deadline <= soon)),
        source.count(and_(c.running, deadline > soon)),
        source.count(~c.is_open),
        source.count(c.done),
        source.count(and_(~c.is_open, source.resolution == Resolution.WITHDRAWN.value)),
        source.on_time_original(c.done),
        source.on_time_extended(c.done),
        source.rejections,
        source.rebounds,
        source.days_to_close(c.done),
    ]


def week_starts(today: date, weeks: int) -> list[date]:
    """Mondays of the last `weeks` weeks, oldest first, the current week last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]


def week_edges(today: date, tz: str, weeks: int) -> list[datetime]:
    """The UTC instants where the last `weeks` local weeks start, and the current one ends."""
    starts = week_starts(today, weeks)
    zone = ZoneInfo(tz)
    return [
        datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        for day in [*starts, starts[-1] + timedelta(weeks=1)]
    ]


def flow_columns(edges: list[datetime]) -> list:
    """Tickets filed and tickets closed between each two consecutive `edges`."""
    columns = []
    for low, high in pairwise(edges):
        columns.append(
            count_where(and_(col(Ticket.created_at) >= low, col(Ticket.created_at) < high))
        )
        columns.append(
            count_where(and_(col(Ticket.closed_at) >= low, col(Ticket.closed_at) < high))
        )
    return columns
