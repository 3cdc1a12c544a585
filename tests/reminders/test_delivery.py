"""Delivery failures stay contained: a refused recipient, a dropped connection, a killed or slow
dispatcher. Against a real SMTP server (aiosmtpd) answering as real servers do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import NOW, later
from sqlmodel import select

from tracker.core.db import get_engine, session_scope
from tracker.reminders import jobs
from tracker.reminders.dispatcher import Hooks, dispatch
from tracker.reminders.models import OutboxMessage, OutboxStatus
from tracker.reminders.planner import plan
from tracker.reminders.policy import Policy


class DispatcherKilled(BaseException):
    """Raised by a fault hook to stop a dispatcher as a kill would: nothing after it runs."""


LEADER = "leader@example.org"  # one of the 5 messages of a sweep at NOW (four_tickets)


def _rows(db, recipient_id: int) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    """The messages sent (or tried) to the recipient at NOW, not the items they gather."""
    db.rollback()  # a fresh snapshot: the dispatcher wrote on its own connections
    rows = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.recipient_id == recipient_id, OutboxMessage.rule == "daily"
        )
    ).all()
    return list(rows)


def _plan(app, workflow) -> None:  # type: ignore[no-untyped-def]
    """Plan the 8 items due at NOW (5 messages) without sending them."""
    with session_scope(app) as session:
        assert plan(session, NOW, app.config, workflow).added == 8


def test_a_refused_recipient_fails_alone_and_at_once(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    smtp.handler.refuse[LEADER] = "550 5.1.1 <leader@example.org>: mailbox unavailable"
    result = jobs.sweep(app, NOW)
    assert result.dispatch.sent == 4 and len(smtp.messages) == 4
    assert all(m["To"] != LEADER for m in smtp.messages)
    [refused] = _rows(db, county.leader.id)
    assert refused.status == OutboxStatus.GIVEN_UP and refused.attempts == 1
    assert "550" in refused.last_error
    # no retry: later sweeps leave it for an admin to resend
    smtp.handler.refuse.clear()
    jobs.sweep(app, later(0.1))
    assert len(smtp.messages) == 4


def test_a_temporary_refusal_is_retried_and_delivered(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    smtp.handler.refuse[LEADER] = "451 4.7.1 greylisted, try again later"
    result = jobs.sweep(app, NOW)
    assert result.dispatch.sent == 4 and result.dispatch.failed == 1
    [failed] = _rows(db, county.leader.id)
    assert failed.status == OutboxStatus.FAILED
    smtp.handler.refuse.clear()
    jobs.sweep(app, later(1 / 24 / 60 * 2))  # within the back-off: nothing yet
    assert len(smtp.messages) == 4
    jobs.sweep(app, later(1 / 24 / 6))  # 10 minutes later
    assert len(smtp.messages) == 5 == len(set(smtp.keys()))
    [sent] = _rows(db, county.leader.id)
    assert sent.status == OutboxStatus.SENT and sent.id == failed.id


def test_a_dropped_connection_loses_nothing_and_doubles_nothing(
    app, db, county, smtp, four_tickets
):  # type: ignore[no-untyped-def]
    smtp.handler.drop_at = {smtp.handler.data_commands + 3}  # the 3rd mail of the sweep
    result = jobs.sweep(app, NOW)
    assert result.dispatch.sent == 5 and result.dispatch.failed == 0
    assert len(smtp.messages) == 5 == len(set(smtp.keys()))


def test_a_dispatcher_killed_between_send_and_mark_doubles_one_mail(
    app, db, county, smtp, four_tickets, workflow
):  # type: ignore[no-untyped-def]
    _plan(app, workflow)
    engine = get_engine(app)
    sent: list[int] = []

    def kill_after_third(row_id: int) -> None:
        sent.append(row_id)
        if len(sent) == 3:
            raise DispatcherKilled

    with app.app_context(), pytest.raises(DispatcherKilled):
        dispatch(engine, NOW, app.config, workflow, hooks=Hooks(after_send=kill_after_third))
    assert len(smtp.messages) == 3
    # a second dispatcher after the lease sends the rest, and the one in flight again
    policy = Policy.from_config(app.config)
    with app.app_context():
        dispatch(engine, NOW + timedelta(minutes=policy.lease_minutes + 1), app.config, workflow)
    keys = smtp.keys()
    assert len(set(keys)) == 5
    assert len(keys) == 6  # at most one duplicate: the mail in flight
    assert keys.count(keys[2]) == 2


def test_two_dispatchers_never_send_a_row_twice_past_the_lease(
    app, db, county, smtp, four_tickets, workflow
):  # type: ignore[no-untyped-def]
    _plan(app, workflow)
    engine = get_engine(app)
    policy = Policy.from_config(app.config)
    clock = [NOW]
    seen: list[int] = []
    second: list = []

    def slow(row_id: int) -> None:
        """Before A's third send, A has been slow: its lease ran out and B starts."""
        seen.append(row_id)
        if len(seen) == 3:
            clock[0] = NOW + timedelta(minutes=policy.lease_minutes + 1)
            second.append(dispatch(engine, clock[0], app.config, workflow))

    with app.app_context():
        first = dispatch(
            engine, NOW, app.config, workflow, clock=lambda: clock[0], hooks=Hooks(slow)
        )
    assert second[0].sent == 3 and first.sent == 2
    keys = smtp.keys()
    assert len(keys) == 5 == len(set(keys))


@pytest.mark.postgres_only
def test_a_batch_puts_back_the_commits_that_wait(app, db, county, smtp, four_tickets, workflow):  # type: ignore[no-untyped-def]
    """The batch's lease holds commit without waiting for the WAL flush on their own connection;
    no connection goes back to the pool with that session setting (marks must be durable)."""
    engine = get_engine(app)
    if engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL")
    _plan(app, workflow)
    with app.app_context():
        assert dispatch(engine, NOW, app.config, workflow).sent == 5
    pooled = [engine.connect() for _ in range(engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        sources = [
            conn.exec_driver_sql(
                "SELECT source FROM pg_settings WHERE name = 'synchronous_commit'"
            ).scalar()
            for conn in pooled
        ]
    finally:
        for conn in pooled:
            conn.close()
    assert pooled and "session" not in sources
