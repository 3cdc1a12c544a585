"""Dispatch: claim due outbox rows, re-check them, send over one SMTP connection per batch.

Claiming is a short transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite `BEGIN IMMEDIATE`)
that moves the rows' `next_attempt_at` a lease ahead and counts the attempt, so two dispatchers
never take the same row and a dispatcher that dies releases its rows when the lease ends. Each mail
is marked sent in its own transaction right after the server accepted it; before it is sent its
lease is checked and extended under the claim's token (`_hold`). A dispatcher killed between the
server's acceptance and the mark sends that one mail again after the lease: at most one
duplicate per killed dispatcher.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.calendar.workdays import WorkdayCalendar
from tracker.org.models import Unit, User
from tracker.reminders.bundles import gather
from tracker.reminders.digest import Digest, section_of
from tracker.reminders.messages import (
    TicketView,
    build_digest_message,
    build_message,
    ticket_view,
)
from tracker.reminders.models import (
    BUNDLE_RULES,
    DEADLINE_RULES,
    OPTIONAL_RULES,
    SENDABLE,
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


def claim(
    engine: Engine, now: datetime, policy: Policy, token: str, limit: int | None = None
) -> list[int]:
    """Reserve up to `limit` due rows for this dispatcher under its claim `token`; return their
    ids (committed). Another dispatcher's later claim replaces the token: see `_hold`."""
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
                        claim_token=token,
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
    items: dict[int, list[OutboxMessage]] = defaultdict(list)
    bundle_ids = [row.id for row in rows if row.rule in BUNDLE_RULES]
    if bundle_ids:
        for item in session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.bundle_id).in_(bundle_ids))
            .order_by(col(OutboxMessage.id))
        ):
            items[item.bundle_id].append(item)  # type: ignore[index]
    ticket_ids: set[int] = set()
    for row in [*rows, *(item for group in items.values() for item in group)]:
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

    def views(row: OutboxMessage, user: User) -> list[TicketView] | str:
        """The tickets one row (or bundled item) still speaks of, or why it no longer does."""
        if row.rule in OPTIONAL_RULES and user.is_mail_opted_out:
            return "recipient turned this mail off"
        if row.rule in (Rule.CADRE_DIGEST, Rule.LEADER_DIGEST):
            found = []
            for tid in row.payload.get("ticket_ids", ()):
                ticket = tickets.get(tid)
                if ticket is None or not clock_running(ticket, workflow):
                    continue
                item = view(ticket)
                if row.rule == Rule.LEADER_DIGEST and (item.days_left or 0) >= 0:
                    continue
                found.append(item)
            return found or "nothing left to report"
        ticket = tickets.get(row.ticket_id) if row.ticket_id else None
        if row.rule in DEADLINE_RULES:
            reason = _still_due(row, ticket, workflow, counter)
            if reason:
                return reason
        return [view(ticket)] if ticket is not None else "ticket gone"

    def alone(row: OutboxMessage, user: User, found: list[TicketView]) -> Message:
        """The mail of one row (or a bundle's only item), as it reads on its own."""
        payload = row.payload
        if row.rule in (Rule.CADRE_DIGEST, Rule.LEADER_DIGEST):
            dropped = len(payload.get("ticket_ids", ())) - len(found)
            payload = {**payload, "total": int(payload.get("total", len(found))) - dropped}
        return build_message(row.rule, payload, user, found, workflow)

    for row in rows:
        user = users.get(row.recipient_id)
        if user is None or not user.is_enabled or not user.email:
            batch.cancelled.append((row.id, "recipient cannot receive mail"))
            continue
        if row.rule not in BUNDLE_RULES:
            found = views(row, user)
            if isinstance(found, str):
                batch.cancelled.append((row.id, found))
            else:
                batch.ready.append((row, alone(row, user, found)))
            continue
        digest = Digest()
        kept: list[tuple[OutboxMessage, list[TicketView]]] = []
        for item in items.get(row.id, ()):
            found = views(item, user)
            if isinstance(found, str):
                batch.cancelled.append((item.id, found))  # a later plan may revive it
                continue
            kept.append((item, found))
            for ticket in found:
                digest.add(*section_of(item.rule, item.payload, ticket))
        if not kept:
            batch.cancelled.append((row.id, "nothing left to report"))
        elif len(kept) == 1:
            batch.ready.append((row, alone(kept[0][0], user, kept[0][1])))
        else:
            batch.ready.append((row, build_digest_message(row.rule, digest, user, workflow)))
    return batch


@dataclass
class Hooks:
    """Fault hooks for tests: called with the row id right before its lease check and right
    after the server accepted it (before it is marked sent)."""

    before_send: Callable[[int], None] | None = None
    after_send: Callable[[int], None] | None = None


def _hold(engine: Engine, row_id: int, token: str, until: datetime) -> bool:
    """Extend this dispatcher's lease on a row; False if another dispatcher claimed it since
    (its token replaced ours) or it is no longer sendable."""
    with engine.begin() as conn:
        result = conn.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.claim_token) == token,
                col(OutboxMessage.status).in_([s.value for s in SENDABLE]),
            )
            .values(next_attempt_at=until)
        )
    return result.rowcount == 1


class _Smtp:
    """One SMTP connection for a batch, opened on first use and reopened once after a drop."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.conn: TimeoutConnection | None = None

    def send(self, message: Message) -> None:
        if self.conn is None:
            conn = TimeoutConnection(current_app.extensions["mail"], self.timeout)
            self.conn = conn.__enter__()
        self.conn.send(message)

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.__exit__(None, None, None)
            self.conn = None


def dispatch_batch(
    engine: Engine,
    now: datetime,
    workflow: WorkflowDefinition,
    policy: Policy,
    counter: DayCounter,
    ids: Sequence[int],
    token: str,
    clock: Callable[[], datetime] | None = None,
    hooks: Hooks | None = None,
) -> tuple[DispatchResult, bool]:
    """Send the claimed rows `ids`; return the counts and whether the server was reachable.

    Each row is held (lease checked and extended under our claim `token`) right before it is
    sent, so a batch slower than the lease never sends a row another dispatcher has claimed.
    A refusal of one recipient fails that row only: for good on a 5xx, with a back-off on a
    4xx. A dropped connection is reopened once and the batch goes on; if the server cannot be
    reached the rest of the batch backs off.
    """
    clock = clock or _clock_from(now)
    hooks = hooks or Hooks()
    result = DispatchResult()
    with Session(engine, expire_on_commit=False) as session:
        batch = _prepare(session, ids, workflow, policy, counter)
    for row_id, reason in batch.cancelled:
        _mark(engine, [row_id], status=OutboxStatus.CANCELLED, last_error=reason)
        result.cancelled += 1
    smtp = _Smtp(policy.mail_timeout)
    remaining = list(batch.ready)
    reconnected = False
    try:
        while remaining:
            row, message = remaining[0]
            if hooks.before_send:
                hooks.before_send(row.id)
            if not _hold(engine, row.id, token, clock() + timedelta(minutes=policy.lease_minutes)):
                remaining.pop(0)  # another dispatcher owns it now
                continue
            message.extra_headers = {**(message.extra_headers or {}), "X-Tracker-Key": row.key}
            try:
                smtp.send(message)
            except smtplib.SMTPServerDisconnected:
                smtp.drop()
                if reconnected:
                    raise
                reconnected = True  # reopen once and send this row again
                continue
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                _refused(engine, row, error, clock(), policy, result)
            else:
                if hooks.after_send:
                    hooks.after_send(row.id)
                _mark(
                    engine,
                    [row.id],
                    status=OutboxStatus.SENT,
                    sent_at=clock(),
                    subject=message.subject[:300],
                    last_error="",
                )
                result.sent += 1
            reconnected = False
            remaining.pop(0)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("SMTP unavailable (%s); %d mails will be retried", error, len(remaining))
        _mark_failed(
            engine,
            [r for r, _ in remaining],
            f"{type(error).__name__}: {error}",
            clock(),
            policy,
            result,
        )
        return result, False
    finally:
        smtp.drop()
    return result, True


def _clock_from(now: datetime) -> Callable[[], datetime]:
    """A clock that starts at `now` and runs with real time (leases of a slow batch)."""
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def refusal_is_permanent(error: smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError) -> bool:
    """5xx is a refusal for good; 4xx (mailbox busy, greylisting) may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
    else:
        codes = [error.smtp_code]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def _refused(
    engine: Engine,
    row: OutboxMessage,
    error: smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError,
    now: datetime,
    policy: Policy,
    result: DispatchResult,
) -> None:
    reason = f"{type(error).__name__}: {error}"
    if refusal_is_permanent(error):
        _mark(engine, [row.id], status=OutboxStatus.GIVEN_UP, last_error=reason[:1000])
        result.given_up += 1
    else:
        _mark_failed(engine, [row], reason, now, policy, result)


def dispatch(
    engine: Engine,
    now: datetime,
    config,  # type: ignore[no-untyped-def]
    workflow: WorkflowDefinition,
    calendar: WorkdayCalendar | None = None,
    max_batches: int = 1000,
    clock: Callable[[], datetime] | None = None,
    hooks: Hooks | None = None,
) -> DispatchResult:
    """Send every due mail, batch by batch, until none is left or the server is unreachable.

    `clock` (default: `now` running on with real time) times leases and marks; tests pass a
    clock they move, and `hooks` to stop or race the dispatcher at a chosen row.
    """
    policy = Policy.from_config(config)
    if calendar is None and policy.working_days:
        with Session(engine) as session:
            counter = make_counter(session, policy, now)
    else:
        counter = DayCounter(policy, now, calendar)
    total = DispatchResult()
    gather(engine, now, policy)
    clock = clock or _clock_from(now)
    for _ in range(max_batches):
        token = uuid.uuid4().hex
        ids = claim(engine, now, policy, token)
        if not ids:
            break
        result, reachable = dispatch_batch(
            engine, now, workflow, policy, counter, ids, token, clock, hooks
        )
        total.add(result)
        if not reachable:
            break
    log.info("dispatch: %s", total)
    return total
