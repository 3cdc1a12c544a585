"""Evidence listening to the ticket service (tracker/tickets/events.py): files cited by a
transition must be this ticket's and are linked to its event; a verification records the photos
still flagged (issue 19)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlmodel import Session

from tracker.evidence.flags import FlagRules, flags_on_record
from tracker.evidence.service import check_ticket_attachments, file_records, link_to_event
from tracker.org.models import User
from tracker.tickets import events
from tracker.tickets.models import Ticket, TicketEvent
from tracker.workflow.definition import Transition
from tracker.workflow.registry import active_workflow


def _rules() -> FlagRules:
    """The flag rules of the app at hand (listeners run inside its context, like the ticket
    service that announces to them)."""
    return FlagRules.of(active_workflow(), current_app.config)


def on_recording(
    session: Session,
    *,
    ticket: Ticket,
    user: User,
    transition: Transition,
    attachment_ids: Sequence[int],
    record: dict,
    **_: object,
) -> None:
    check_ticket_attachments(session, ticket, attachment_ids)
    if attachment_ids:  # the event's MAC then covers the cited files' content
        record["files"] = file_records(session, attachment_ids)
    if "mark_verified" in transition.effects and (
        flagged := flags_on_record(session, user, ticket, _rules())
    ):
        record["evidence_flags"] = flagged  # verified despite these flags


def on_transition(
    session: Session,
    *,
    event: TicketEvent,
    attachment_ids: Sequence[int],
    **_: object,
) -> None:
    link_to_event(session, attachment_ids, event)


def subscribe() -> None:
    """Connect the listeners (idempotent: a receiver is connected once)."""
    events.transition_recording.connect(on_recording)
    events.transition_taken.connect(on_transition)
