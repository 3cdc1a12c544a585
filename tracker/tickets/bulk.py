"""Bulk actions on the list: set the deadline or the responsible unit of several tickets.

Each ticket goes through `update_ticket`, so each gets its own history event; all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.org.models import User
from tracker.policy import Permission, offers
from tracker.tickets.models import Ticket
from tracker.tickets.schemas import TicketUpdate, validate
from tracker.tickets.scope import visible_tickets
from tracker.tickets.service import Settings, update_ticket

MAX_BULK = 500


@dataclass(frozen=True)
class BulkResult:
    selected: int
    changed: int  # tickets whose field actually changed (the others already had the value)


def bulk_update(
    session: Session,
    user: User,
    ticket_ids: Sequence[int],
    now: datetime,
    settings: Settings,
    *,
    deadline: date | None = None,
    responsible_unit: str | None = None,
) -> BulkResult:
    """Set `deadline` and/or `responsible_unit` (a unit code) on every selected ticket.

    Only tickets `user` may see; an id outside their scope is NotFound, as on the detail page.
    A leader may change only tickets in their charge (`update_ticket` checks each). The caller
    commits; on any error it rolls back and nothing has changed.
    """
    if not offers(user, Permission.EDIT_FINDINGS):
        raise Forbidden(_("only inspectors, leaders in charge and admins change findings in bulk"))
    ids = sorted(set(ticket_ids))
    if not ids:
        message = _("select at least one finding")
        raise ValidationFailed(message, {"ids": message})
    if len(ids) > MAX_BULK:
        message = _("at most %(count)s findings at once", count=MAX_BULK)
        raise ValidationFailed(message, {"ids": message})
    if deadline is None and not responsible_unit:
        # one field only: the list page shows the field messages joined
        message = _("give a new deadline or a responsible unit")
        raise ValidationFailed(message, {"deadline": message})
    changes = validate(TicketUpdate, {"deadline": deadline, "responsible_unit": responsible_unit})
    tickets = session.exec(
        visible_tickets(session, user).where(col(Ticket.id).in_(ids)).order_by(col(Ticket.id))
    ).all()
    if len(tickets) != len(ids):
        raise NotFound(_("some of the selected findings were not found"))
    changed = 0
    for ticket in tickets:
        if update_ticket(session, ticket, user, changes, None, now, settings) is not None:
            changed += 1
    return BulkResult(selected=len(ids), changed=changed)
