"""The signed-in home (我的待办): each of the user's queues with its count and most urgent
tickets, and the navigation badge with the number of things to do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from flask_login import current_user
from sqlmodel import Session

from tracker.core.clock import local_date, utcnow
from tracker.core.db import get_session
from tracker.org.models import User
from tracker.tickets.models import Ticket
from tracker.tickets.queries import SORTS, TicketFilter, scoped_query
from tracker.tickets.queues import QueueCount, count_queues, todo_total
from tracker.workflow.definition import WorkflowDefinition
from tracker.workflow.registry import active_workflow

# How many of a to-do queue's tickets the home page lists before "show all".
HOME_PREVIEW = 5


@dataclass(frozen=True)
class QueueView:
    count: QueueCount
    tickets: list[Ticket]  # the most urgent first; empty for waiting queues


def my_work(
    session: Session,
    user: User,
    workflow: WorkflowDefinition,
    now: datetime,
    config: Mapping,
) -> list[QueueView]:
    """The user's queues, to-do first; a non-empty to-do queue with its first tickets."""
    tz = config["TIMEZONE"]
    views = []
    for count in _counts(session, user, workflow, now, config):
        tickets: list[Ticket] = []
        if count.queue.kind == "todo" and count.count:
            query = scoped_query(
                session,
                user,
                TicketFilter(queue=count.queue.name),
                workflow,
                now,
                tz,
                config["AMBER_DAYS"],
            )
            rows = query.rows.order_by(*SORTS["deadline"]).limit(HOME_PREVIEW)
            tickets = list(session.exec(rows))
        views.append(QueueView(count, tickets))
    return views


def _counts(
    session: Session, user: User, workflow: WorkflowDefinition, now: datetime, config: Mapping
) -> list[QueueCount]:
    """Counted once per request: the home page and the badge ask for the same figures."""
    today = local_date(now, config["TIMEZONE"])
    cache = g.setdefault("queue_counts", {})
    if (user.id, today) not in cache:
        cache[user.id, today] = count_queues(
            session, user, workflow, today, config["QUEUE_COUNT_CAP"]
        )
    return cache[user.id, today]


def work_badge() -> int:
    """The navigation badge: tickets waiting for the signed-in user to act (0: none)."""
    if not current_user.is_authenticated:
        return 0
    counts = _counts(get_session(), current_user, active_workflow(), utcnow(), current_app.config)
    return todo_total(counts)
