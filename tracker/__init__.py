"""The inspection-findings tracker: a Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tracker.core.resources import PACKAGE_DIR, resource_dir


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, the active workflow, blueprints. No migrations here."""
    from tracker.core import config, db, i18n
    from tracker.evidence import subscribers as evidence_subscribers
    from tracker.reminders import subscribers as reminders_subscribers
    from tracker.reports import bulletin_sections
    from tracker.reports import cache as reports_cache
    from tracker.tickets import chain
    from tracker.tickets.effects import check_implemented
    from tracker.web import wiring
    from tracker.web.extensions import csrf, login_manager, mail
    from tracker.workflow import registry

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_relative_config=True,
    )
    config.load_config(app, overrides)
    from tracker.core.logging_setup import configure_logging

    configure_logging(app)
    db.init_app(app)
    reports_cache.install(db.get_engine(app))  # the dashboard cache sees this app's writes
    chain.init_app(app)
    registry.init_app(app)
    check_implemented(app.extensions["workflow"])
    # Domains acting on what the ticket service announces (tracker/tickets/events.py).
    evidence_subscribers.subscribe()
    reminders_subscribers.subscribe()
    bulletin_sections.install()  # the ranking table and the supervised findings
    csrf.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    i18n.init_app(app)
    wiring.init_app(app)
    return app
