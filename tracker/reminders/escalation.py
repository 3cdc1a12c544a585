"""A ticket's escalation level (督办 colour) at a moment: a pure function of ticket and ladder
(`escalation_of`), and the same for one ticket with the stored calendar (`current_escalation`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from tracker.calendar.service import load_calendar
from tracker.calendar.workdays import WorkdayCalendar
from tracker.reminders.policy import DayCounter, Policy, ladder_level
from tracker.tickets.models import Ticket
from tracker.tickets.status import clock_running
from tracker.workflow.definition import WorkflowDefinition


@dataclass(frozen=True)
class Escalation:
    level: str | None  # "blue", "yellow", "red", or None
    days_left: int | None  # in the policy's days (working days when configured)


def escalation_of(
    ticket: Ticket,
    workflow: WorkflowDefinition,
    policy: Policy,
    now: datetime,
    calendar: WorkdayCalendar | None = None,
) -> Escalation:
    """None while the clock is stopped; else the highest ladder level the ticket has reached."""
    if not clock_running(ticket, workflow):
        return Escalation(None, None)
    left = DayCounter(policy, now, calendar).days_left(ticket.deadline)
    return Escalation(ladder_level(left, policy.ladder), left)


def current_escalation(
    session: Session, ticket: Ticket, workflow: WorkflowDefinition, policy: Policy, now: datetime
) -> Escalation:
    """`escalation_of` with the stored holidays and make-up days when the policy counts
    working days (the ticket page's badge)."""
    calendar = load_calendar(session) if policy.working_days else None
    return escalation_of(ticket, workflow, policy, now, calendar)
