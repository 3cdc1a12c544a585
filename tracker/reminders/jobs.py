"""Thin entry points for the scheduler and the CLI: an app context, the clock, the services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from tracker.core.clock import utcnow
from tracker.core.db import get_engine, session_scope
from tracker.reminders.deliver import next_due
from tracker.reminders.dispatcher import dispatch
from tracker.reminders.marks import DispatchResult
from tracker.reminders.planner import PlanResult, plan

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    plan: PlanResult
    dispatch: DispatchResult
    next_due: datetime | None = None  # when a waiting row may go (`deliver.next_due`)


def sweep(app: Flask, now: datetime | None = None) -> SweepResult:
    """Plan what is due at `now` (default: the clock), commit, then send what is due."""
    now = now or utcnow()
    with app.app_context():
        workflow = app.extensions["workflow"]
        with session_scope(app) as session:
            planned = plan(session, now, app.config, workflow)
        sent, due = _send(app, now)
    log.info(
        "sweep at %s: %d tickets, %d mails planned, %s",
        now.isoformat(),
        planned.tickets,
        planned.added,
        sent,
    )
    return SweepResult(planned, sent, due)


def drain(app: Flask, now: datetime | None = None) -> tuple[DispatchResult, datetime | None]:
    """Send what is due at `now` without planning (a paced robot's backlog between sweeps);
    return what was sent and when a waiting row may go next."""
    with app.app_context():
        sent, due = _send(app, now or utcnow())
    log.info("drain: %s; next due %s", sent, due)
    return sent, due


def _send(app: Flask, now: datetime) -> tuple[DispatchResult, datetime | None]:
    engine = get_engine(app)
    sent = dispatch(engine, now, app.config, app.extensions["workflow"])
    return sent, next_due(engine, now)


FollowUp = Callable[[datetime], None]


def sweep_job(app: Flask, follow_up: FollowUp | None = None) -> None:
    """The scheduler's job; an exception is logged and the next run tries again. `follow_up`
    is told when a waiting row may go (the scheduler then drains before the next sweep)."""
    try:
        due = sweep(app).next_due
    except Exception:
        log.exception("reminder sweep failed")
        return
    if follow_up is not None and due is not None:
        follow_up(due)


def drain_job(app: Flask, follow_up: FollowUp | None = None) -> None:
    """The scheduler's job between sweeps, while a paced backlog waits."""
    try:
        due = drain(app)[1]
    except Exception:
        log.exception("reminder drain failed")
        return
    if follow_up is not None and due is not None:
        follow_up(due)
