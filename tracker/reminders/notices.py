"""Immediate notices (a ticket filed, moved) and manual chases (催办), through the outbox.

These functions only insert outbox rows inside the caller's transaction: nothing is sent during
the request, and a rolled-back request leaves no mail behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from tracker.org.models import Role, Unit, User
from tracker.reminders.keys import outbox_key
from tracker.reminders.models import Rule
from tracker.reminders.outbox import OutboxRow, enqueue_rows
from tracker.reminders.policy import Policy
from tracker.reminders.recipients import reachable
from tracker.tickets.events import Filed
from tracker.tickets.models import Ticket, TicketEvent
from tracker.tickets.relations import co_unit_ids, leaders_in_charge, unit_cadres


def recipients_for(session: Session, ticket: Ticket, targets: Iterable[str]) -> list[User]:
    """The people a transition's `notify` list names, for this ticket (by the rules of
    `tracker.tickets.relations`, as the reminder planner's `Directory`)."""
    people: list[User] = []
    for target in targets:
        if target == "responsible_unit":
            people += unit_cadres(session, [ticket.responsible_unit_id])
            if ticket.assignee_id:
                assignee = session.get(User, ticket.assignee_id)
                if assignee:
                    people.append(assignee)
        elif target == "co_units":
            people += unit_cadres(session, co_unit_ids(session, ticket))
        elif target == "reporter" and ticket.reporter_id:
            reporter = session.get(User, ticket.reporter_id)
            if reporter:
                people.append(reporter)
        elif target == "leaders_in_charge":
            unit = session.get(Unit, ticket.responsible_unit_id)
            if unit:
                people += leaders_in_charge(session, unit)
        elif target == "inspectors":
            people += session.exec(
                select(User).where(User.role == Role.INSPECTOR, User.is_enabled)
            ).all()
    return reachable(people)


def _enqueue_for(
    session: Session,
    rule: Rule,
    ticket: Ticket,
    event: TicketEvent,
    people: Iterable[User],
    send_at: datetime,
    payload: dict,
) -> int:
    rows = _planned(rule, ticket.id, event.id, event.actor_id, people, send_at, payload)
    return enqueue_rows(session, rows, event.created_at)


def _planned(
    rule: Rule,
    ticket_id: int | None,
    event_id: int | None,
    actor_id: int | None,
    people: Iterable[User],
    send_at: datetime,
    payload: dict,
) -> list[OutboxRow]:
    """One mail per person about an event, keyed by (rule, event, person); never to the actor."""
    return [
        OutboxRow(
            key=outbox_key(rule, event_id, user.id),
            rule=rule,
            recipient_id=user.id,
            ticket_id=ticket_id,
            ticket_version=None,
            deadline=None,
            payload=payload,
            next_attempt_at=send_at,
        )
        for user in people
        if user.id != actor_id
    ]


def _actor_name(session: Session, event: TicketEvent) -> str:
    actor = session.get(User, event.actor_id) if event.actor_id else None
    return actor.name if actor else ""


def notify_filed(
    session: Session,
    filed: Sequence[Filed],
    reporter: User,
    now: datetime,
    policy: Policy,
) -> int:
    """New tickets: tell each one's responsible unit (its cadres and the assignee) and its
    co-operating units, as `recipients_for` would, with one query for the cadres of them all."""
    units = {f.ticket.responsible_unit_id for f in filed}.union(*(f.co_unit_ids for f in filed))
    cadres: dict[int | None, list[User]] = defaultdict(list)
    for cadre in unit_cadres(session, sorted(units)):
        cadres[cadre.unit_id].append(cadre)
    assignee_ids = {f.ticket.assignee_id for f in filed} - {None}
    assignees: dict[int, User] = {}
    if assignee_ids:
        assignees = {
            u.id: u for u in session.exec(select(User).where(col(User.id).in_(assignee_ids)))
        }
    send_at = policy.into_window(now)
    rows: list[OutboxRow] = []
    for item in filed:
        ticket = item.ticket
        people = list(cadres[ticket.responsible_unit_id])
        if ticket.assignee_id in assignees:
            people.append(assignees[ticket.assignee_id])
        people += sorted(
            (cadre for unit_id in item.co_unit_ids for cadre in cadres[unit_id]),
            key=lambda user: user.id,
        )
        payload = {"event": "created", "event_id": item.event_id, "actor": reporter.name}
        rows += _planned(
            Rule.NOTICE, ticket.id, item.event_id, reporter.id, reachable(people), send_at, payload
        )
    return enqueue_rows(session, rows, now)


def notify_transition(
    session: Session,
    ticket: Ticket,
    event: TicketEvent,
    targets: Iterable[str],
    now: datetime,
    policy: Policy,
) -> int:
    """A transition was taken: tell whom its `notify` list names (never the actor)."""
    targets = tuple(targets)
    if not targets:
        return 0
    people = recipients_for(session, ticket, targets)
    payload = {
        "event": "transition",
        "event_id": event.id,
        "transition": event.transition,
        "actor": _actor_name(session, event),
        "comment": event.comment,
    }
    if event.data.get("new_deadline"):
        payload["new_deadline"] = event.data["new_deadline"]
    return _enqueue_for(
        session, Rule.NOTICE, ticket, event, people, policy.into_window(now), payload
    )


def chase(session: Session, ticket: Ticket, event: TicketEvent, now: datetime) -> int:
    """A manual chase: the responsible unit is told now (outside the sending window too)."""
    people = recipients_for(session, ticket, ("responsible_unit",))
    payload = {"event_id": event.id, "actor": _actor_name(session, event), "comment": event.comment}
    return _enqueue_for(session, Rule.CHASE, ticket, event, people, now, payload)
