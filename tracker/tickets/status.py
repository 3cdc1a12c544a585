"""Derived status of a ticket at a moment: overdue, days left, red/amber/green."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tracker.core.clock import days_left
from tracker.tickets.models import Ticket
from tracker.workflow.definition import WorkflowDefinition

Rag = Literal["red", "amber", "green"]


@dataclass(frozen=True)
class TicketStatus:
    is_clock_running: bool
    days_left: int | None  # None while the clock is stopped
    is_overdue: bool
    rag: Rag | None  # None while the clock is stopped


def clock_running(ticket: Ticket, workflow: WorkflowDefinition) -> bool:
    """The deadline clock runs in states that say so, unless completion awaits verification or
    a return (退单) awaits the dispatcher."""
    state = workflow.state(ticket.state)
    return bool(
        state
        and state.clock
        and not ticket.is_awaiting_verification
        and ticket.return_requested_at is None
    )


def ticket_status(
    ticket: Ticket, workflow: WorkflowDefinition, now: datetime, tz: str, amber_days: int
) -> TicketStatus:
    if not clock_running(ticket, workflow):
        return TicketStatus(False, None, False, None)
    left = days_left(ticket.deadline, now, tz)
    rag: Rag
    if left < 0:
        rag = "red"
    elif left <= amber_days:
        rag = "amber"
    else:
        rag = "green"
    return TicketStatus(True, left, left < 0, rag)
