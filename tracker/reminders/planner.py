"""Planning: decide, for a moment `now`, which reminders and digests are due, into the outbox.

Idempotent: every mail has a key naming (recipient, rule, ticket or digest, period), so running the
planner twice (or in two processes) plans nothing new. Deadline keys include the deadline date: a
ticket reopened with a new deadline is reminded only by the new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from tracker.calendar.service import load_calendar
from tracker.clock import local_date
from tracker.reminders.models import Rule
from tracker.reminders.outbox import Planned, enqueue
from tracker.reminders.policy import DayCounter, Policy
from tracker.reminders.recipients import Directory, mailable
from tracker.tickets.models import Ticket
from tracker.workflow.definition import WorkflowDefinition

DIGEST_LIST_LIMIT = 200  # tickets listed in one digest; the total is always given


@dataclass(frozen=True)
class OpenTicket:
    id: int
    version: int
    deadline: date
    responsible_unit_id: int
    assignee_id: int | None
    last_activity_at: datetime


@dataclass
class PlanResult:
    planned: list[Planned] = field(default_factory=list)
    added: int = 0
    tickets: int = 0


def open_tickets(session: Session, workflow: WorkflowDefinition) -> list[OpenTicket]:
    """Tickets whose deadline clock runs (a clock state, not awaiting verification)."""
    clock_states = [s.key for s in workflow.states.values() if s.clock]
    rows = session.exec(
        select(
            Ticket.id,
            Ticket.version,
            Ticket.deadline,
            Ticket.responsible_unit_id,
            Ticket.assignee_id,
            Ticket.last_activity_at,
        ).where(col(Ticket.state).in_(clock_states), Ticket.is_awaiting_verification == False)  # noqa: E712
    ).all()
    return [OpenTicket(*row) for row in rows]


def make_counter(session: Session, policy: Policy, now: datetime) -> DayCounter:
    calendar = None
    if policy.working_days:
        year = local_date(now, policy.timezone).year
        calendar = load_calendar(session, range(year - 1, year + 3))
    return DayCounter(policy, now, calendar)


def plan(
    session: Session, now: datetime, config: Mapping, workflow: WorkflowDefinition
) -> PlanResult:
    """Plan every reminder due at `now` and insert the new ones; the caller commits."""
    policy = Policy.from_config(config)
    counter = make_counter(session, policy, now)
    directory = Directory(session)
    tickets = open_tickets(session, workflow)
    send_at = policy.into_window(now)
    today = counter.today
    result = PlanResult(tickets=len(tickets))
    rows = result.planned
    cadre_digest: dict[int, list[int]] = defaultdict(list)
    overdue_by_unit: dict[int, list[int]] = defaultdict(list)
    due_soon = max((*policy.before_days, 0))

    def add(rule: Rule, key: str, user_id: int, ticket: OpenTicket | None = None, **payload):  # type: ignore[no-untyped-def]
        rows.append(
            Planned(
                key=key,
                rule=rule,
                recipient_id=user_id,
                next_attempt_at=send_at,
                ticket_id=ticket.id if ticket else None,
                ticket_version=ticket.version if ticket else None,
                deadline=ticket.deadline if ticket else None,
                payload=payload,
            )
        )

    working_day = counter.is_working_day
    for ticket in tickets:
        left = counter.days_left(ticket.deadline)
        overdue = -left
        if left < 0:
            overdue_by_unit[ticket.responsible_unit_id].append(ticket.id)
        if not working_day:
            continue  # no reminders on holidays in working-day mode
        unit_people = directory.unit_cadres(ticket.responsible_unit_id)
        if ticket.assignee_id and ticket.assignee_id in directory.users:
            unit_people.append(directory.users[ticket.assignee_id])
        unit_people = mailable(unit_people)
        stem = f"{ticket.id}:{ticket.deadline.isoformat()}"
        if policy.daily_cadre_digest:
            if left <= due_soon:
                for user in unit_people:
                    cadre_digest[user.id].append(ticket.id)
        else:
            for user in unit_people:
                if left > 0 and left in policy.before_days:
                    add(Rule.BEFORE, f"before:{stem}:{left}:{user.id}", user.id, ticket, days=left)
                elif left == 0 and policy.on_the_day:
                    add(Rule.DUE, f"due:{stem}:{user.id}", user.id, ticket, days=0)
                elif (
                    left < 0
                    and policy.overdue_every_days > 0
                    and overdue % policy.overdue_every_days == 0
                ):
                    add(
                        Rule.OVERDUE,
                        f"overdue:{stem}:{overdue}:{user.id}",
                        user.id,
                        ticket,
                        days=left,
                    )
        if policy.escalate_after_days > 0 and overdue >= policy.escalate_after_days:
            for user in mailable(directory.leaders_in_charge(ticket.responsible_unit_id)):
                add(Rule.ESCALATE, f"escalate:{stem}:{user.id}", user.id, ticket, days=left)
        red = policy.ladder.get("red")
        if red is not None and overdue >= red:
            for user in mailable(directory.county_leaders()):
                add(Rule.RED, f"red:{stem}:{user.id}", user.id, ticket, days=left, level="red")
        if policy.stale_after_days > 0:
            idle = (today - local_date(ticket.last_activity_at, policy.timezone)).days
            if idle >= policy.stale_after_days:
                period = idle // policy.stale_after_days
                since = local_date(ticket.last_activity_at, policy.timezone).isoformat()
                for user in unit_people:
                    key = f"stale:{ticket.id}:{since}:{period}:{user.id}"
                    add(Rule.STALE, key, user.id, ticket, days=left, idle_days=idle)

    for user_id, ids in cadre_digest.items():
        add(
            Rule.CADRE_DIGEST,
            f"cadre_digest:{user_id}:{today.isoformat()}",
            user_id,
            ticket_ids=ids[:DIGEST_LIST_LIMIT],
            total=len(ids),
        )
    if policy.leader_digest_weekday and today.isoweekday() == policy.leader_digest_weekday:
        _plan_leader_digests(directory, overdue_by_unit, today, add)

    result.added = enqueue(session, rows, now)
    return result


def _plan_leader_digests(directory: Directory, overdue_by_unit, today: date, add) -> None:  # type: ignore[no-untyped-def]
    year, week, _ = today.isocalendar()
    leaders = {u.id: u for units in directory.leaders_by_unit.values() for u in units}
    for leader in mailable(leaders.values()):
        ids: list[int] = []
        for unit_id in sorted(directory.charged_unit_ids(leader)):
            ids.extend(overdue_by_unit.get(unit_id, ()))
        if ids:
            add(
                Rule.LEADER_DIGEST,
                f"leader_digest:{leader.id}:{year}-W{week:02d}",
                leader.id,
                ticket_ids=sorted(ids)[:DIGEST_LIST_LIMIT],
                total=len(ids),
            )
