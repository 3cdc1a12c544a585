"""Dispatch: claim due outbox rows, re-check them, send over one SMTP connection per batch.

Claiming is a short transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite `BEGIN IMMEDIATE`)
that moves the rows' `next_attempt_at` a lease ahead and counts the attempt, so two dispatchers
never take the same row and a dispatcher that dies releases its rows when the lease ends. Each mail
is marked sent in its own transaction right after the server accepted it; before it is sent
its lease is checked and extended under the claim's token (`_Leases.hold`). A dispatcher killed
between the server's acceptance and the mark sends that one mail again after the lease: at most one
duplicate per killed dispatcher.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from types import TracebackType
from typing import Any, cast

from flask import current_app
from flask_mail import Connection, Mail, Message
from sqlalchemy import select as sa_select
from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.calendar.workdays import WorkdayCalendar
from tracker.core.db import in_ids
from tracker.org.models import Role, Unit, User
from tracker.reminders import deliver
from tracker.reminders.bundles import gather
from tracker.reminders.channels import EMAIL, PERSONAL, ROBOT_PREFIX, SMS, WEBHOOK, ChannelSettings
from tracker.reminders.digest import Digest
from tracker.reminders.marks import DispatchResult, mark, mark_failed
from tracker.reminders.messages import (
    MailMessage,
    TicketView,
    build_digest_message,
    build_message,
    ticket_view,
)
from tracker.reminders.models import (
    BUNDLE_RULES,
    DEADLINE_RULES,
    ESSENTIAL_RULES,
    OPTIONAL_RULES,
    SENDABLE,
    SENDABLE_SQL,
    OutboxMessage,
    OutboxStatus,
    Robot,
    Rule,
)
from tracker.reminders.planner import make_counter
from tracker.reminders.policy import DayCounter, Policy
from tracker.reminders.render_ahead import RenderAhead
from tracker.tickets.models import Ticket
from tracker.tickets.status import clock_running
from tracker.workflow.definition import WorkflowDefinition

log = logging.getLogger(__name__)

TICKET_COLUMNS = (
    col(Ticket.id),
    col(Ticket.code),
    col(Ticket.title),
    col(Ticket.responsible_unit_id),
    col(Ticket.deadline),
    col(Ticket.version),
    col(Ticket.state),
    col(Ticket.is_awaiting_verification),
    col(Ticket.return_requested_at),  # a return (退单) stops the clock (tickets/status.py)
)


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout: a silent server cannot hang the sender."""

    def __init__(self, mail: Mail, timeout: float) -> None:
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The server may have gone away after the batch: nothing left to say to it.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            super().__exit__(exc_type, exc_value, tb)  # type: ignore[arg-type]  # Flask-Mail: never None, but is


def claimable(now: datetime, limit: int) -> SelectOfScalar[int]:
    """The ids of the earliest `limit` sendable rows due at `now`, locked, skipping rows another
    dispatcher holds (PostgreSQL; SQLite takes the whole database with BEGIN IMMEDIATE)."""
    return (
        select(OutboxMessage.id)
        .where(
            text(SENDABLE_SQL),  # literal: see ix_outbox_message_sendable
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def claim(
    engine: Engine, now: datetime, policy: Policy, token: str, limit: int | None = None
) -> list[int]:
    """Reserve up to `limit` due rows for this dispatcher under its claim `token`; return their
    ids (committed). Another dispatcher's later claim replaces the token: see `_Leases`."""
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


@dataclass
class _Batch:
    ready: list[tuple[OutboxMessage, Callable[[], Message]]]  # each row and how to build its mail
    cancelled: list[tuple[int, str]]
    targets: dict[int, deliver.Target] = field(default_factory=dict)  # channel rows: where to


def _bundle_of(row: OutboxMessage) -> int | None:
    """The id the items of a gathered message name: its e-mail row's."""
    if row.rule not in BUNDLE_RULES:
        return None
    return row.id if row.channel == EMAIL else row.payload.get("message")


def _reaches(row: OutboxMessage, user: User, targets: dict[int, deliver.Target | None]) -> bool:
    if row.channel == EMAIL:
        return bool(user.email)
    return targets.get(row.id) is not None


def _targets(
    session: Session,
    rows: Sequence[OutboxMessage],
    users: dict[int, User],
    channels: ChannelSettings,
) -> dict[int, deliver.Target | None]:
    """Where each channel row goes; None if its channel cannot reach the person now."""
    robot_ids = {
        int(r.channel[len(ROBOT_PREFIX) :]) for r in rows if r.channel.startswith(ROBOT_PREFIX)
    }
    robots = (
        {r.id: r for r in session.exec(select(Robot).where(col(Robot.id).in_(robot_ids)))}
        if robot_ids
        else {}
    )
    mobiles: dict[int, list[str]] = defaultdict(list)
    if robots:
        for unit_id, mobile in session.exec(
            select(User.unit_id, User.mobile)
            .where(
                col(User.unit_id).in_({r.unit_id for r in robots.values()}),
                User.role == Role.CADRE,
                User.is_enabled,
                col(User.mobile).is_not(None),
            )
            .order_by(col(User.id))
        ):
            if unit_id is not None and mobile is not None:
                mobiles[unit_id].append(mobile)
    found: dict[int, deliver.Target | None] = {}
    for row in rows:
        user = users.get(row.recipient_id)
        if row.channel == EMAIL or user is None:
            continue
        target = None
        if row.channel == SMS and user.mobile and channels.sms_url:
            target = deliver.Target(SMS, user)
        elif row.channel == WEBHOOK and channels.webhook_url:
            target = deliver.Target(WEBHOOK, user)
        elif row.channel.startswith(ROBOT_PREFIX):
            robot = robots.get(int(row.channel[len(ROBOT_PREFIX) :]))
            if robot is not None and robot.is_enabled:
                # a robot for leaders @-mentions nobody: its group is the leaders' own
                mentions = () if robot.is_for_leaders else tuple(mobiles[robot.unit_id])
                target = deliver.Target(robot.kind, user, robot.webhook_url, robot.secret, mentions)
        found[row.id] = target
    return found


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


# long: one pass over a claimed batch: each row's send decision, in order
def _prepare(
    session: Session,
    ids: Sequence[int],
    workflow: WorkflowDefinition,
    policy: Policy,
    counter: DayCounter,
    channels: ChannelSettings,
) -> _Batch:
    rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids)))).all()
    items: dict[int | None, list[OutboxMessage]] = defaultdict(list)
    bundle_ids = [b for b in (_bundle_of(row) for row in rows) if b is not None]
    if bundle_ids:
        for item in session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.bundle_id).in_(bundle_ids))
            .order_by(col(OutboxMessage.id))
        ):
            items[item.bundle_id].append(item)
    ticket_ids: set[int] = set()
    for row in [*rows, *(item for group in items.values() for item in group)]:
        if row.ticket_id:
            ticket_ids.add(row.ticket_id)
        ticket_ids.update(row.payload.get("ticket_ids", ()))
    # Only the columns a mail and the re-check need (rows read like tickets), not ORM objects,
    # read through the session's connection: no ORM result machinery.
    # The rows have the columns `view` and `_still_due` read of a Ticket: typed as one.
    tickets = (
        {
            t.id: cast(Ticket, t)
            for t in session.connection().execute(
                sa_select(*TICKET_COLUMNS).where(in_ids(session, col(Ticket.id), ticket_ids))
            )
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
    seen: dict[int, TicketView] = {}  # a ticket in a cadre's and a leader's digest: one view

    def view(ticket: Ticket) -> TicketView:
        """The ticket's view, made once per batch; `days_left` is None while its clock stops."""
        found = seen.get(ticket.id)
        if found is None:
            left = counter.days_left(ticket.deadline) if clock_running(ticket, workflow) else None
            found = seen[ticket.id] = ticket_view(ticket, units, policy, left)
        return found

    def views(row: OutboxMessage, user: User, channel: str) -> list[TicketView] | str:
        """The tickets one row (or bundled item) still speaks of, or why it no longer does."""
        if channel == EMAIL and row.rule in OPTIONAL_RULES and user.is_mail_opted_out:
            return "recipient turned this mail off"
        if (
            channel in PERSONAL
            and channel not in (user.notify_channels or ())
            and row.rule not in ESSENTIAL_RULES
        ):
            return f"recipient did not choose {channel}"
        if row.rule in (Rule.CADRE_DIGEST, Rule.LEADER_DIGEST):
            found = []
            for tid in row.payload.get("ticket_ids", ()):
                ticket = tickets.get(tid)
                item = view(ticket) if ticket is not None else None
                if item is None or item.days_left is None:  # gone, or its clock stopped
                    continue
                if row.rule == Rule.LEADER_DIGEST and item.days_left >= 0:
                    continue
                found.append(item)
            return found or "nothing left to report"
        ticket = tickets.get(row.ticket_id) if row.ticket_id else None
        if row.rule in DEADLINE_RULES:
            reason = _still_due(row, ticket, workflow, counter)
            if reason:
                return reason
        return [view(ticket)] if ticket is not None else "ticket gone"

    def alone(row: OutboxMessage, user: User, found: list[TicketView]) -> Callable[[], Message]:
        """The mail of one row (or a bundle's only item), as it reads on its own."""
        payload = row.payload
        if row.rule in (Rule.CADRE_DIGEST, Rule.LEADER_DIGEST):
            dropped = len(payload.get("ticket_ids", ())) - len(found)
            payload = {**payload, "total": int(payload.get("total", len(found))) - dropped}
        return partial(build_message, row.rule, payload, user, found, workflow)

    targets = _targets(session, rows, users, channels)
    for row in rows:
        user = users.get(row.recipient_id)
        if user is None or not user.is_enabled or not _reaches(row, user, targets):
            batch.cancelled.append((row.id, f"recipient cannot be reached by {row.channel}"))
            continue
        if row.channel != EMAIL:
            target = targets[row.id]
            assert target is not None  # _reaches
            batch.targets[row.id] = target
        if row.rule not in BUNDLE_RULES:
            found = views(row, user, row.channel)
            if isinstance(found, str):
                batch.cancelled.append((row.id, found))
            else:
                batch.ready.append((row, alone(row, user, found)))
            continue
        kept: list[tuple[OutboxMessage, list[TicketView]]] = []
        for item in items.get(_bundle_of(row), ()):
            found = views(item, user, row.channel)
            if isinstance(found, str):
                if row.channel == EMAIL:  # the items are the e-mail row's: a later plan may revive
                    batch.cancelled.append((item.id, found))
                continue
            kept.append((item, found))
        if not kept:
            batch.cancelled.append((row.id, "nothing left to report"))
        elif len(kept) == 1:  # e.g. a day's digest alone: it reads as itself, no sections
            batch.ready.append((row, alone(kept[0][0], user, kept[0][1])))
        else:
            digest = Digest.of((item.rule, item.payload, found) for item, found in kept)
            build = partial(build_digest_message, row.rule, digest, user, workflow)
            batch.ready.append((row, build))
    return batch


@dataclass
class Hooks:
    """Fault hooks for tests: called with the row id right before its lease check and right
    after the server accepted it (before it is marked sent)."""

    before_send: Callable[[int], None] | None = None
    after_send: Callable[[int], None] | None = None


class _Leases:
    """This batch's lease holds, on one connection kept for the batch.

    `hold` extends this dispatcher's lease on a row; False if another dispatcher claimed it
    since (its token replaced ours) or it is no longer sendable.

    On PostgreSQL each hold is one statement in autocommit (one round trip, not four), and its
    commit does not wait for the WAL flush (`synchronous_commit = off` on this connection,
    reset before it goes back to the pool). The check is as strict (the row is locked and read
    as committed), and a hold that a crash of the database server loses only shortens the lease
    back to what it was, while this dispatcher, its connection gone, can mark nothing either:
    the mail in flight is the one duplicate, as without it (bench/RESULTS.md)."""

    def __init__(self, engine: Engine, token: str) -> None:
        self.token = token
        self.conn = engine.connect()
        self.autocommit = self.conn.dialect.name == "postgresql"
        if self.autocommit:
            try:
                self.conn = self.conn.execution_options(isolation_level="AUTOCOMMIT")
                self.conn.exec_driver_sql("SET synchronous_commit TO OFF")
            except DBAPIError:  # not yet the batch's to close: close it here
                self.conn.invalidate()
                self.conn.close()
                raise

    def hold(self, row_id: int, until: datetime) -> bool:
        statement = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.claim_token) == self.token,
                col(OutboxMessage.status).in_([s.value for s in SENDABLE]),
            )
            .values(next_attempt_at=until)
        )
        if self.autocommit:
            return self.conn.execute(statement).rowcount == 1
        with self.conn.begin():
            return self.conn.execute(statement).rowcount == 1

    def close(self) -> None:
        if self.autocommit:
            try:
                self.conn.exec_driver_sql("RESET synchronous_commit")
            except DBAPIError:  # never back to the pool with commits that do not wait
                self.conn.invalidate()
        self.conn.close()


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


# long: per row hold (lease), send, mark: that order is the delivery guarantee
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
    channels: ChannelSettings | None = None,
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
    channels = channels or ChannelSettings()
    result = DispatchResult()
    with Session(engine, expire_on_commit=False) as session:
        batch = _prepare(session, ids, workflow, policy, counter, channels)
    for row_id, reason in batch.cancelled:
        mark(engine, [row_id], status=OutboxStatus.CANCELLED, last_error=reason)
        result.cancelled += 1
    if not batch.ready:  # nothing to send: no connections, no renderer
        return result, True
    smtp = _Smtp(policy.mail_timeout)
    with contextlib.ExitStack() as cleanup:  # on the way out: SMTP, renderer, leases
        leases = _Leases(engine, token)
        cleanup.callback(leases.close)
        ahead = RenderAhead([partial(_built, row, build) for row, build in batch.ready])
        cleanup.callback(ahead.close)
        cleanup.callback(smtp.drop)
        remaining = [(row, index) for index, (row, _) in enumerate(batch.ready)]
        pacer = deliver.Pacer()
        reconnected = False
        try:
            while remaining:
                row, index = remaining[0]
                if hooks.before_send:
                    hooks.before_send(row.id)
                if not leases.hold(row.id, clock() + timedelta(minutes=policy.lease_minutes)):
                    remaining.pop(0)  # another dispatcher owns it now
                    continue
                message = ahead[index]
                if row.channel != EMAIL:
                    target = batch.targets[row.id]
                    deliver.send(
                        engine, row, message, target, channels, policy, clock(), pacer, result
                    )
                    remaining.pop(0)
                    continue
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
                    mark(
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
            mark_failed(
                engine,
                [r for r, _ in remaining if r.channel == EMAIL],
                f"{type(error).__name__}: {error}",
                clock(),
                policy,
                result,
            )
            return result, False
    return result, True


def _built(row: OutboxMessage, build: Callable[[], Message]) -> Message:
    """A row's message; an e-mail carries the row's key (a delivered mail traced back to its
    row) and is written to bytes here, off the sender's path (see render_ahead)."""
    message = build()
    if row.channel == EMAIL:
        message.extra_headers = {**(message.extra_headers or {}), "X-Tracker-Key": row.key}
        if isinstance(message, MailMessage):
            message.freeze()
    return message


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
        mark(engine, [row.id], status=OutboxStatus.GIVEN_UP, last_error=reason[:1000])
        result.given_up += 1
    else:
        mark_failed(engine, [row], reason, now, policy, result)


def dispatch(
    engine: Engine,
    now: datetime,
    config: Mapping[str, Any],
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
    channels = ChannelSettings.from_config(config)
    gather(engine, now, policy, channels)
    clock = clock or _clock_from(now)
    for _ in range(max_batches):
        token = uuid.uuid4().hex
        ids = claim(engine, now, policy, token)
        if not ids:
            break
        result, reachable = dispatch_batch(
            engine, now, workflow, policy, counter, ids, token, clock, hooks, channels
        )
        total.add(result)
        if not reachable:
            break
    log.info("dispatch: %s", total)
    return total
