"""Reminders, escalations and notices through an outbox: e-mail, SMS, webhook, group robots,
and in the app."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

LEVEL_LABELS = {"blue": _l("Blue notice"), "yellow": _l("Yellow warning"), "red": _l("Red alert")}


def level_label(level: str | None) -> str:
    return str(LEVEL_LABELS.get(level or "", ""))


def init_app(app: Flask) -> None:
    from tracker.policy import Permission
    from tracker.web.template_helpers import register_nav

    register_nav(app, "reminders.outbox", _l("Outbox"), Permission.ADMINISTER)
    register_nav(app, "reminders.robots", _l("Group robots"), Permission.ADMINISTER)
    register_nav(app, "reminders.notifications", _l("Mail settings"))
    app.jinja_env.globals.update(level_label=level_label)
    settings = {str(k).upper(): v for k, v in app.config.get("REMINDERS", {}).items()}
    # Only a single-process development server may run the jobs itself (the reloader's child).
    if settings.get("RUN_IN_WEB") and os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        from apscheduler.schedulers.background import BackgroundScheduler

        from tracker.reminders.cli import build_scheduler

        scheduler, _minutes = build_scheduler(app, BackgroundScheduler)
        scheduler.start()
        app.extensions["reminders_scheduler"] = scheduler
