"""Thin entry points for the scheduler and the CLI: an app context, the clock, the services."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from tracker.clock import utcnow
from tracker.db import get_engine, session_scope
from tracker.reminders.dispatcher import dispatch
from tracker.reminders.marks import DispatchResult
from tracker.reminders.planner import PlanResult, plan

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    plan: PlanResult
    dispatch: DispatchResult


def sweep(app: Flask, now: datetime | None = None) -> SweepResult:
    """Plan what is due at `now` (default: the clock), commit, then send what is due."""
    now = now or utcnow()
    with app.app_context():
        workflow = app.extensions["workflow"]
        with session_scope(app) as session:
            planned = plan(session, now, app.config, workflow)
        sent = dispatch(get_engine(app), now, app.config, workflow)
    log.info(
        "sweep at %s: %d tickets, %d mails planned, %s",
        now.isoformat(),
        planned.tickets,
        planned.added,
        sent,
    )
    return SweepResult(planned, sent)


def sweep_job(app: Flask) -> None:
    """The scheduler's job; an exception is logged and the next run tries again."""
    try:
        sweep(app)
    except Exception:
        log.exception("reminder sweep failed")
