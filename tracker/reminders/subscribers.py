"""Reminders listening to the ticket service (tracker/tickets/events.py): notices to the outbox."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from sqlmodel import Session

from tracker.org.models import User
from tracker.reminders import notices
from tracker.reminders.policy import Policy
from tracker.tickets import events
from tracker.tickets.models import Ticket, TicketEvent
from tracker.workflow.definition import Transition


def _policy() -> Policy:
    """The reminder settings of the app at hand (defaults for a bare script)."""
    return Policy.from_config(current_app.config if has_app_context() else {})


def on_filed(
    session: Session, *, filed: list[events.Filed], reporter: User, now: datetime, **_: object
) -> None:
    notices.notify_filed(session, filed, reporter, now, _policy())


def on_transition(
    session: Session,
    *,
    ticket: Ticket,
    event: TicketEvent,
    transition: Transition,
    now: datetime,
    **_: object,
) -> None:
    if transition.notify:
        notices.notify_transition(session, ticket, event, transition.notify, now, _policy())


def subscribe() -> None:
    """Connect the listeners (idempotent: a receiver is connected once)."""
    events.tickets_filed.connect(on_filed)
    events.transition_taken.connect(on_transition)
