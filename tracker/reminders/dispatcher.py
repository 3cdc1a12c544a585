"""Dispatch: claim due outbox rows, re-check them, send over one SMTP connection per batch.

Claiming is a short transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite `BEGIN IMMEDIATE`)
that moves the rows' `next_attempt_at` a lease ahead and counts the attempt, so two dispatchers
never take the same row and a dispatcher that dies releases its rows when the lease ends. Each mail
is marked sent in its own transaction right after the server accepted it.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.calendar.workdays import WorkdayCalendar
from tracker.org.models import Unit, User
from tracker.reminders.messages import TicketView, build_message, ticket_view
from tracker.reminders.models import (
    DEADLINE_RULES,
    OPTIONAL_RULES,
    SENDABLE_SQL,
    OutboxMessage,
    OutboxStatus,
    Rule,
)
from tracker.reminders.planner import make_counter
from tracker.reminders.policy import DayCounter, Policy
from tracker.tickets.models import Ticket
from tracker.tickets.status import clock_running
from tracker.workflow.definition import WorkflowDefinition

log = logging.getLogger(__name__)

TICKET_COLUMNS = (
    Ticket.id,
    Ticket.code,
    Ticket.title,
    Ticket.responsible_unit_id,
    Ticket.deadline,
    Ticket.version,
    Ticket.state,
    Ticket.is_awaiting_verification,
)


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout: a silent server cannot hang the sender."""

    def __init__(self, mail, timeout: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        mail = self.mail
        cls = smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP
        host = cls(mail.server, mail.port, timeout=self.timeout)
        host.set_debuglevel(int(mail.debug))
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:  # type: ignore[no-untyped-def]
        # The server may have gone away after the batch: nothing left to say to it.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            super().__exit__(exc_type, exc_value, tb)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    cancelled: int = 0

    def add(self, other: DispatchResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.cancelled += other.cancelled


def claimable(now: datetime, limit: int):  # type: ignore[no-untyped-def]
    """The ids of the earliest `limit` sendable rows due at `now`, locked, skipping rows another
    dispatcher holds (PostgreSQL; SQLite takes the whole database with BEGIN IMMEDIATE)."""
    return (
        select(OutboxMessage.id)
        .where(
            text(SENDABLE_SQL),  # literal: see ix_outbox_message_sendable
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def claim(engine: Engine, now: datetime, policy: Policy, limit: int | None = None) -> list[int]:
    """Reserve up to `limit` due rows for this dispatcher; return their ids (committed)."""
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            ids = list(conn.execute(claimable(now, limit or policy.batch_size)).scalars())
            if ids:
                conn.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(ids))
                    .values(
                        next_attempt_at=now + timedelta(minutes=policy.lease_minutes),
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
    return ids


def _mark(engine: Engine, ids: Sequence[int], **values) -> None:  # type: ignore[no-untyped-def]
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids))).values(**values)
        )


def _mark_failed(
    engine: Engine,
    rows: Sequence[OutboxMessage],
    error: str,
    now,
    policy: Policy,
    result: DispatchResult,
) -> None:  # type: ignore[no-untyped-def]
    for row in rows:
        attempts = row.attempts  # already counted when claimed
        if attempts >= policy.max_attempts:
            _mark(engine, [row.id], status=OutboxStatus.GIVEN_UP, last_error=error[:1000])
            result.given_up += 1
        else:
            retry_at = policy.into_window(now + policy.backoff(attempts))
            _mark(
                engine,
                [row.id],
                status=OutboxStatus.FAILED,
                last_error=error[:1000],
                next_attempt_at=retry_at,
            )
            result.failed += 1


@dataclass
class _Batch:
    ready: list[tuple[OutboxMessage, Message]]
    cancelled: list[tuple[int, str]]


def _still_due(
    row: OutboxMessage, ticket: Ticket | None, workflow: WorkflowDefinition, counter: DayCounter
) -> str | None:
    """Why a deadline reminder is no longer true, or None if it still is."""
    if ticket is None:
        return "ticket gone"
    if not clock_running(ticket, workflow):
        return "clock stopped"
    if row.ticket_version is not None and ticket.version != row.ticket_version:
        return f"ticket changed (version {row.ticket_version} -> {ticket.version})"
    if row.deadline is not None and ticket.deadline != row.deadline:
        return "deadline changed"
    return None


def _prepare(
    session: Session,
    ids: Sequence[int],
    workflow: WorkflowDefinition,
    policy: Policy,
    counter: DayCounter,
) -> _Batch:
    rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids)))).all()
    ticket_ids: set[int] = set()
    for row in rows:
        if row.ticket_id:
            ticket_ids.add(row.ticket_id)
        ticket_ids.update(row.payload.get("ticket_ids", ()))
    # Only the columns a mail and the re-check need (rows read like tickets), not ORM objects.
    tickets = (
        {
            t.id: t
            for t in session.exec(select(*TICKET_COLUMNS).where(col(Ticket.id).in_(ticket_ids)))
        }
        if ticket_ids
        else {}
    )
    users = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({r.recipient_id for r in rows})))
    }
    units = {u.id: u for u in session.exec(select(Unit))}
    batch = _Batch([], [])

    def view(ticket: Ticket) -> TicketView:
        left = counter.days_left(ticket.deadline) if clock_running(ticket, workflow) else None
        return ticket_view(ticket, units, policy, left)

    for row in rows:
        user = users.get(row.recipient_id)
        if user is None or not user.is_enabled or not user.email:
            batch.cancelled.append((row.id, "recipient cannot receive mail"))
            continue
        if row.rule in OPTIONAL_RULES and user.is_mail_opted_out:
            batch.cancelled.append((row.id, "recipient turned this mail off"))
            continue
        if row.rule in (Rule.CADRE_DIGEST, Rule.LEADER_DIGEST):
            items = []
            for tid in row.payload.get("ticket_ids", ()):
                ticket = tickets.get(tid)
                if ticket is None or not clock_running(ticket, workflow):
                    continue
                item = view(ticket)
                if row.rule == Rule.LEADER_DIGEST and (item.days_left or 0) >= 0:
                    continue
                items.append(item)
            if not items:
                batch.cancelled.append((row.id, "nothing left to report"))
                continue
            dropped = len(row.payload.get("ticket_ids", ())) - len(items)
            payload = {**row.payload, "total": int(row.payload.get("total", len(items))) - dropped}
            batch.ready.append((row, build_message(row.rule, payload, user, items, workflow)))
            continue
        ticket = tickets.get(row.ticket_id) if row.ticket_id else None
        if row.rule in DEADLINE_RULES:
            reason = _still_due(row, ticket, workflow, counter)
            if reason:
                batch.cancelled.append((row.id, reason))
                continue
        if ticket is None:
            batch.cancelled.append((row.id, "ticket gone"))
            continue
        batch.ready.append(
            (row, build_message(row.rule, row.payload, user, [view(ticket)], workflow))
        )
    return batch


def dispatch_batch(
    engine: Engine,
    now: datetime,
    workflow: WorkflowDefinition,
    policy: Policy,
    counter: DayCounter,
    ids: Sequence[int],
) -> tuple[DispatchResult, bool]:
    """Send the claimed rows `ids`; return the counts and whether the server was reachable."""
    result = DispatchResult()
    with Session(engine, expire_on_commit=False) as session:
        batch = _prepare(session, ids, workflow, policy, counter)
    for row_id, reason in batch.cancelled:
        _mark(engine, [row_id], status=OutboxStatus.CANCELLED, last_error=reason)
        result.cancelled += 1
    if not batch.ready:
        return result, True
    mail_state = current_app.extensions["mail"]
    remaining = list(batch.ready)
    try:
        with TimeoutConnection(mail_state, policy.mail_timeout) as conn:
            while remaining:
                row, message = remaining[0]
                message.extra_headers = {**(message.extra_headers or {}), "X-Tracker-Key": row.key}
                try:
                    conn.send(message)
                except (smtplib.SMTPServerDisconnected, OSError):
                    raise
                except smtplib.SMTPException as error:  # this recipient refused: go on
                    _mark_failed(
                        engine, [row], f"{type(error).__name__}: {error}", now, policy, result
                    )
                else:
                    _mark(
                        engine,
                        [row.id],
                        status=OutboxStatus.SENT,
                        sent_at=now,
                        subject=message.subject[:300],
                        last_error="",
                    )
                    result.sent += 1
                remaining.pop(0)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("SMTP unavailable (%s); %d mails will be retried", error, len(remaining))
        _mark_failed(
            engine,
            [r for r, _ in remaining],
            f"{type(error).__name__}: {error}",
            now,
            policy,
            result,
        )
        return result, False
    return result, True


def dispatch(
    engine: Engine,
    now: datetime,
    config,  # type: ignore[no-untyped-def]
    workflow: WorkflowDefinition,
    calendar: WorkdayCalendar | None = None,
    max_batches: int = 1000,
) -> DispatchResult:
    """Send every due mail, batch by batch, until none is left or the server is unreachable."""
    policy = Policy.from_config(config)
    if calendar is None and policy.working_days:
        with Session(engine) as session:
            counter = make_counter(session, policy, now)
    else:
        counter = DayCounter(policy, now, calendar)
    total = DispatchResult()
    for _ in range(max_batches):
        ids = claim(engine, now, policy)
        if not ids:
            break
        result, reachable = dispatch_batch(engine, now, workflow, policy, counter, ids)
        total.add(result)
        if not reachable:
            break
    log.info("dispatch: %s", total)
    return total
