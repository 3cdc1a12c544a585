"""Planning: decide, for a moment `now`, which reminders and digests are due, into the outbox.

Idempotent: every mail has a key naming (recipient, rule, ticket or digest, period), so running the
planner twice (or in two processes) plans nothing new. Deadline keys include the deadline date: a
ticket reopened with a new deadline is reminded only by the new one.

Set-based: one query selects the candidate tickets (clock running, and due within the largest
before-window, overdue, or idle long enough to be stale); recipients are resolved once per unit
for the whole sweep (`Directory`); rows are built in memory as `OutboxRow`s and written by
`outbox.enqueue_rows` (one key lookup and one `INSERT ... ON CONFLICT DO NOTHING` per chunk).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tracker.calendar.service import load_calendar
from tracker.core.clock import as_utc, local_date
from tracker.reminders.keys import outbox_key
from tracker.reminders.models import Rule
from tracker.reminders.outbox import OutboxRow, enqueue_rows
from tracker.reminders.policy import DayCounter, Policy
from tracker.reminders.recipients import Directory, reachable
from tracker.reminders.supervision import supervision_rows
from tracker.tickets.models import Ticket
from tracker.workflow.definition import WorkflowDefinition

DIGEST_LIST_LIMIT = 200  # tickets listed in one digest; the total is always given
HORIZON_SCAN_DAYS = 400  # working-day mode: how far ahead to look for the before-window's end


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
    tickets: int = 0  # candidate tickets examined (due soon, overdue or idle; clock running)
    rows: int = 0  # mails the sweep calls for (new or already planned)
    added: int = 0  # new outbox rows (or cancelled ones revived)
    covered: int = 0  # distinct tickets in at least one planned mail or digest


def make_counter(session: Session, policy: Policy, now: datetime) -> DayCounter:
    calendar = None
    if policy.working_days:
        year = local_date(now, policy.timezone).year
        calendar = load_calendar(session, range(year - 1, year + 3))
    return DayCounter(policy, now, calendar)


def due_horizon(counter: DayCounter, days: int) -> date:
    """The last deadline date still within `days` (calendar or working) days of today."""
    today = counter.today
    if counter.calendar is None:
        return today + timedelta(days=max(days, 0))
    last = today
    for step in range(1, HORIZON_SCAN_DAYS):
        day = today + timedelta(days=step)
        if counter.days_left(day) > days:
            break
        last = day
    return last


def stale_cutoff(policy: Policy, today: date) -> datetime:
    """A moment before which the last activity makes a ticket (at least) stale today.

    Stale means `local_date(last_activity_at) <= today - stale_after_days`, i.e. activity before
    the local midnight that starts the next day; one day of margin keeps the query a superset.
    """
    day = today - timedelta(days=policy.stale_after_days - 2)
    return as_utc(datetime.combine(day, time(0), tzinfo=policy.zone))


def candidate_tickets(
    session: Session,
    workflow: WorkflowDefinition,
    policy: Policy,
    counter: DayCounter,
) -> list[OpenTicket]:
    """Tickets the sweep may write about, in one query.

    The deadline clock runs (a clock state, not awaiting verification) and the deadline falls
    within the largest before-window or has passed, or (stale reminders on) the last activity is
    old enough. A superset of what the rules pick: the planner applies each rule exactly.
    """
    clock_states = [s.key for s in workflow.states.values() if s.clock]
    horizon = due_horizon(counter, max((*policy.before_days, 0)))
    window = [col(Ticket.deadline) <= horizon]
    if policy.stale_after_days > 0:
        window.append(col(Ticket.last_activity_at) < stale_cutoff(policy, counter.today))
    # Through the session's connection: plain rows, no ORM result machinery (a sweep reads
    # 11,000 of them for 20,000 open tickets: bench/RESULTS.md).
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(Ticket.id),
                col(Ticket.version),
                col(Ticket.deadline),
                col(Ticket.responsible_unit_id),
                col(Ticket.assignee_id),
                col(Ticket.last_activity_at),
            )
            .where(
                col(Ticket.state).in_(clock_states),
                col(Ticket.is_awaiting_verification) == False,  # noqa: E712
                col(Ticket.return_requested_at).is_(
                    None
                ),  # a return (退单) waits for the dispatcher
                or_(*window),
            )
            .order_by(col(Ticket.id))
        )
        .all()
    )
    return [OpenTicket(*row) for row in rows]


# long: the sweep's hot loop, its policy bound to locals once; a branch per rule
def plan(
    session: Session, now: datetime, config: Mapping, workflow: WorkflowDefinition
) -> PlanResult:
    """Plan every reminder due at `now` and insert the new ones; the caller commits."""
    policy = Policy.from_config(config)
    counter = make_counter(session, policy, now)
    directory = Directory(session)
    tickets = candidate_tickets(session, workflow, policy, counter)
    send_at = policy.into_window(now)
    today = counter.today
    zone = policy.zone
    rows: list[OutboxRow] = []
    covered: set[int] = set()
    cadre_digest: dict[int, list[int]] = defaultdict(list)
    overdue_by_unit: dict[int, list[int]] = defaultdict(list)
    due_soon = max((*policy.before_days, 0))
    before_days = frozenset(policy.before_days)
    every = policy.overdue_every_days
    escalate_after = policy.escalate_after_days
    red = policy.ladder.get("red")
    stale_after = policy.stale_after_days
    digest = policy.daily_cadre_digest
    days_left = counter.days_left
    append = rows.append
    cover = covered.add

    def remind(
        rule: Rule, about: tuple, people: Iterable[int], ticket: OpenTicket, payload: dict
    ) -> None:
        """One row per recipient, keyed (rule, *about, user), tied to the ticket's version and
        deadline."""
        for user_id in people:
            cover(ticket.id)
            key = outbox_key(rule, *about, user_id)
            append(
                OutboxRow(
                    key, rule, user_id, ticket.id, ticket.version, ticket.deadline, payload, send_at
                )
            )

    working_day = counter.is_working_day
    for ticket in tickets:
        left = days_left(ticket.deadline)
        overdue = -left
        if left < 0:
            overdue_by_unit[ticket.responsible_unit_id].append(ticket.id)
        if not working_day:
            continue  # no reminders on holidays in working-day mode
        tid = ticket.id
        unit_people = directory.unit_people_ids(ticket.responsible_unit_id, ticket.assignee_id)
        stem = (tid, ticket.deadline)
        if digest:
            if left <= due_soon:
                for user_id in unit_people:
                    cadre_digest[user_id].append(tid)
                    cover(tid)
        elif left > 0 and left in before_days:
            remind(Rule.BEFORE, (*stem, left), unit_people, ticket, {"days": left})
        elif left == 0 and policy.on_the_day:
            remind(Rule.DUE, stem, unit_people, ticket, {"days": 0})
        elif left < 0 and every > 0 and overdue % every == 0:
            remind(Rule.OVERDUE, (*stem, overdue), unit_people, ticket, {"days": left})
        if escalate_after > 0 and overdue >= escalate_after:
            leaders = directory.leaders_in_charge_ids(ticket.responsible_unit_id)
            remind(Rule.ESCALATE, stem, leaders, ticket, {"days": left})
        if red is not None and overdue >= red:
            payload = {"days": left, "level": "red"}
            remind(Rule.RED, stem, directory.county_leader_ids(), ticket, payload)
        if stale_after > 0 and unit_people:
            active = as_utc(ticket.last_activity_at).astimezone(zone).date()
            idle = (today - active).days
            if idle >= stale_after:
                about = (tid, active, idle // stale_after)
                remind(Rule.STALE, about, unit_people, ticket, {"days": left, "idle_days": idle})

    for user_id, ids in cadre_digest.items():
        payload = {"ticket_ids": ids[:DIGEST_LIST_LIMIT], "total": len(ids)}
        key = outbox_key(Rule.CADRE_DIGEST, user_id, today)
        append(OutboxRow(key, Rule.CADRE_DIGEST, user_id, None, None, None, payload, send_at))
    if policy.leader_digest_weekday and today.isoweekday() == policy.leader_digest_weekday:
        for row in _leader_digests(directory, overdue_by_unit, today, send_at):
            append(row)
            covered.update(row.payload["ticket_ids"])

    rows += supervision_rows(session, config, workflow, directory, today, working_day, send_at)
    covered.update(row.ticket_id for row in rows if row.ticket_id is not None)
    added = enqueue_rows(session, rows, now)
    return PlanResult(tickets=len(tickets), rows=len(rows), added=added, covered=len(covered))


def _leader_digests(
    directory: Directory,
    overdue_by_unit: Mapping[int, list[int]],
    today: date,
    send_at: datetime,
) -> list[OutboxRow]:
    year, week, _ = today.isocalendar()
    leaders = {u.id: u for units in directory.leaders_by_unit.values() for u in units}
    rows: list[OutboxRow] = []
    for leader in reachable(leaders.values()):
        ids: list[int] = []
        for unit_id in sorted(directory.charged_unit_ids(leader)):
            ids.extend(overdue_by_unit.get(unit_id, ()))
        if ids:
            payload = {"ticket_ids": sorted(ids)[:DIGEST_LIST_LIMIT], "total": len(ids)}
            key = outbox_key(Rule.LEADER_DIGEST, leader.id, f"{year}-W{week:02d}")
            rows.append(
                OutboxRow(key, Rule.LEADER_DIGEST, leader.id, None, None, None, payload, send_at)
            )
    return rows
