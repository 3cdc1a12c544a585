"""`tracker scheduler` (the production way) and `tracker reminders sweep` (once, for cron/tests)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker.core.clock import as_utc
from tracker.core.i18n import service_gettext as _
from tracker.core.i18n import speaks_language
from tracker.reminders import jobs

log = logging.getLogger(__name__)

SWEEP_JOB = "reminders.sweep"
DRAIN_JOB = "reminders.drain"


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(_("not an ISO 8601 moment: %(value)s", value=repr(value))) from exc
    if moment.tzinfo is None:  # a naive moment is local time
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return as_utc(moment)


@click.group("reminders")
def reminders_group() -> None:
    """Reminder mails: plan and send."""


@reminders_group.command("sweep")
@click.option("--now", "now_text", default=None, help="Pretend it is this moment (ISO 8601).")
@with_appcontext
@speaks_language
def sweep_command(now_text: str | None) -> None:
    """Plan due reminders into the outbox and send them, once, then exit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    result = jobs.sweep(app, _parse_now(now_text))
    d = result.dispatch
    click.echo(
        _(
            "planned %(added)d new mails for %(tickets)d tickets due, overdue or idle; "
            "sent %(sent)d, failed %(failed)d, given up %(given_up)d, cancelled %(cancelled)d",
            added=result.plan.added,
            tickets=result.plan.tickets,
            sent=d.sent,
            failed=d.failed,
            given_up=d.given_up,
            cancelled=d.cancelled,
        )
    )


def build_scheduler(app: Flask, scheduler_class: type | None = None) -> tuple[Any, int]:
    """A scheduler with the sweep job: coalesced, with a misfire grace time, explicit id; when
    a sweep leaves a paced backlog (a robot's 20 a minute), a drain job at the minute it may go
    on, and again after each drain, until the next sweep takes over."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    settings = {str(k).upper(): v for k, v in app.config.get("REMINDERS", {}).items()}
    minutes = max(1, int(settings.get("SCHEDULER_INTERVAL_MINUTES", 5)))
    grace = max(1, int(settings.get("MISFIRE_GRACE_SECONDS", 300)))
    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=app.config["TIMEZONE"],
        job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
    )

    def add_job(job: Callable[..., object], trigger: str, **options: Any) -> None:
        """Both jobs: given the app and `follow_up`, replacing their own earlier schedule."""
        scheduler.add_job(
            job,
            trigger,
            args=[app, follow_up],
            replace_existing=True,
            misfire_grace_time=grace,
            **options,
        )

    def follow_up(when: datetime) -> None:
        """Drain at `when` (a paced robot's window frees) if that comes before the next sweep."""
        sweep = scheduler.get_job(SWEEP_JOB)
        if sweep is not None and sweep.next_run_time and when >= sweep.next_run_time:
            return
        add_job(
            jobs.drain_job,
            "date",
            run_date=when,
            id=DRAIN_JOB,
            name="send a paced backlog between sweeps",
        )

    add_job(
        jobs.sweep_job,
        "interval",
        minutes=minutes,
        id=SWEEP_JOB,
        name="plan and send reminders",
        coalesce=True,
        next_run_time=datetime.now().astimezone(),
    )
    return scheduler, minutes


@click.command("scheduler")
@with_appcontext
@speaks_language
def scheduler_command() -> None:
    """Run the reminder scheduler in the foreground (the production way)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    scheduler, minutes = build_scheduler(app)
    log.info("scheduler started: sweep every %d minutes; Ctrl+C to stop", minutes)
    click.echo(
        _(
            "Reminder scheduler: sweeping every %(minutes)d minutes (Ctrl+C to stop).",
            minutes=minutes,
        )
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
