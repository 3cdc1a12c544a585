"""Manual chase (催办): a leader or inspector asks the responsible unit for action now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.core.errors import Forbidden, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.org.models import User
from tracker.policy import Permission, may, offers
from tracker.reminders import notices
from tracker.tickets.history import append_event
from tracker.tickets.models import EventKind, Ticket, TicketEvent
from tracker.tickets.relations import relations_of


def may_chase(session: Session, user: User, ticket: Ticket) -> bool:
    """Inspectors may chase any ticket; leaders those in their charge."""
    return offers(user, Permission.CHASE) and may(
        user, Permission.CHASE, relations_of(session, user, ticket)
    )


def chase_ticket(
    session: Session, ticket: Ticket, user: User, comment: str, now: datetime
) -> TicketEvent:
    """Record the chase in the history and put the mails in the outbox; the caller commits."""
    if not may_chase(session, user, ticket):
        raise Forbidden(_("only inspectors and the leaders in charge may chase a finding"))
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationFailed(
            _("the message is too long"),
            {"comment": _("at most %(count)s characters", count=1000)},
        )
    event = append_event(
        session, ticket.id, kind=EventKind.CHASE, actor_id=user.id, now=now, comment=comment
    )
    notices.chase(session, ticket, event, now)
    return event
