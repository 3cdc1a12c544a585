"""A person's work queues as SQL: the workflow's queues (tracker.workflow.queues) applied to
the tickets this user may see, with counts for the home page, the badge and the API.

Every rule of the engine that decides whether one ticket offers a transition (state, guards,
role and relation) has its SQL twin here, the relations' in `tickets/relations.relation_condition`;
tests/tickets/test_queues.py checks both agree on every ticket of the demo county.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import reduce

from sqlalchemy import ColumnElement, Select, and_, func, or_, true
from sqlmodel import Session, col, select

from tracker.org.models import User
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.relations import relation_condition
from tracker.tickets.scope import visibility
from tracker.workflow.definition import Transition, WorkflowDefinition
from tracker.workflow.queues import Queue, queues_for_role

# The engine's guards (tracker.workflow.facts.GUARDS on service.facts_of) in SQL, on the local
# date `today` (the return window closes with the days).
GUARD_SQL: dict[str, Callable[[date], ColumnElement[bool]]] = {
    "awaiting_verification": lambda today: col(Ticket.is_awaiting_verification).is_(True),
    "not_awaiting_verification": lambda today: col(Ticket.is_awaiting_verification).is_(False),
    "extension_pending": lambda today: col(Ticket.requested_deadline).is_not(None),
    "no_extension_pending": lambda today: col(Ticket.requested_deadline).is_(None),
    "followup_pending": lambda today: col(Ticket.followup_due_on).is_not(None),
    "resolved_done": lambda today: col(Ticket.resolution) == Resolution.DONE,
    "supervised": lambda today: col(Ticket.is_supervised).is_(True),
    "not_supervised": lambda today: col(Ticket.is_supervised).is_(False),
    "return_window_open": lambda today: col(Ticket.return_by) >= today,
    "return_pending": lambda today: col(Ticket.return_requested_at).is_not(None),
    "no_return_pending": lambda today: col(Ticket.return_requested_at).is_(None),
}


def overdue_condition(workflow: WorkflowDefinition, today: date) -> ColumnElement[bool]:
    """Overdue: the clock runs (its state says so, no report awaits checking, no return waits
    for the dispatcher) and the deadline has passed."""
    return and_(
        col(Ticket.state).in_([s.key for s in workflow.states.values() if s.clock]),
        col(Ticket.is_awaiting_verification).is_(False),
        col(Ticket.return_requested_at).is_(None),
        col(Ticket.deadline) < today,
    )


def _when_sql(name: str, workflow: WorkflowDefinition, today: date) -> ColumnElement[bool]:
    return {
        "overdue": lambda: overdue_condition(workflow, today),
        "returned": lambda: col(Ticket.rejection_count) > 0,
        "not_returned": lambda: col(Ticket.rejection_count) == 0,
        "followup_due": lambda: col(Ticket.followup_due_on) <= today,
    }[name]()


def _offers(
    transition: Transition, relation: ColumnElement[bool], today: date
) -> ColumnElement[bool]:
    """The ticket is in a state and fact set from which `transition` may be taken."""
    return and_(
        col(Ticket.state).in_(transition.sources),
        *(GUARD_SQL[guard](today) for guard in transition.guards),
        relation,
    )


def queue_condition(
    session: Session, user: User, workflow: WorkflowDefinition, queue: Queue, today: date
) -> ColumnElement[bool]:
    """Tickets in `user`'s `queue` (their visibility aside: combine with the scoped query)."""
    offers = []
    for name in queue.transitions:
        transition = workflow.transition(name)
        assert transition is not None  # checked when the workflow was loaded
        if queue.kind == "todo":
            relation = transition.who.get(user.role)
            offers.append(
                _offers(transition, relation_condition(session, user, relation or "none"), today)
            )
        else:
            offers.append(_offers(transition, true(), today))
    own = (
        relation_condition(session, user, queue.who.get(user.role, "none"))
        if queue.who is not None
        else true()
    )
    return and_(or_(*offers), own, *(_when_sql(w, workflow, today) for w in queue.when))


@dataclass(frozen=True)
class QueueCount:
    queue: Queue
    count: int
    is_capped: bool  # more than `count` (the cap) tickets are in it


def counts_statement(
    session: Session,
    user: User,
    queues: list[Queue],
    workflow: WorkflowDefinition,
    today: date,
    cap: int,
) -> Select:
    """One SELECT of the sizes of `queues` for `user`, each counted up to `cap` + 1.

    Each queue is counted per branch of the user's visibility and summed (the branches are
    disjoint): a cadre's "responsible OR co-operating" as one condition is a BitmapOr that
    collects every matching row of the unit before the count can stop at the cap, where the
    responsible branch alone is an index scan that stops there (bench/RESULTS.md, queues)."""
    branches = visibility(session, user).branches
    columns = []
    for queue in queues:
        condition = queue_condition(session, user, workflow, queue, today)
        parts = []
        for branch in branches:
            rows = select(Ticket.id).where(branch, condition)
            if cap > 0:
                rows = rows.limit(cap + 1)
            parts.append(select(func.count()).select_from(rows.subquery()).scalar_subquery())
        columns.append(reduce(operator.add, parts).label(queue.name))
    return select(*columns)


def count_queues(
    session: Session, user: User, workflow: WorkflowDefinition, today: date, cap: int
) -> list[QueueCount]:
    """`user`'s queues (to-do first) with their sizes, counted up to `cap` each in one query."""
    queues = queues_for_role(workflow, workflow.queues, user.role)
    if not queues:
        return []
    counts = tuple(
        session.execute(counts_statement(session, user, queues, workflow, today, cap)).one()
    )
    return [
        QueueCount(queue, min(n, cap) if cap > 0 else n, cap > 0 and n > cap)
        for queue, n in zip(queues, counts, strict=True)
    ]


def todo_total(counts: list[QueueCount]) -> int:
    """What the navigation badge shows: the sum of the to-do queues."""
    return sum(c.count for c in counts if c.queue.kind == "todo")
