"""The app factory, as the named steps it takes; their order is the point.

`tracker.create_app` is this function (the `tracker:create_app` contract). Each step imports the
domain modules it wires inside its body: `import tracker` stays light (Alembic, the CLI's start),
and a domain module is first imported by the step that needs it, not by every import of the
package. The factory runs no migrations and makes no network calls.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from tracker.core.resources import PACKAGE_DIR, resource_dir


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, workflow, domains' subscriptions, extensions,
    blueprints, request hooks, the domains' pages and menus, error pages."""
    app = Flask(
        "tracker",
        template_folder=str(resource_dir("templates")),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_relative_config=True,
    )
    load_settings(app, overrides)
    open_database(app)
    install_workflow(app)
    subscribe_domains()
    bind_extensions(app)
    register_blueprints(app)
    install_request_hooks(app)
    install_domains(app)
    install_error_pages(app)
    return app


def load_settings(app: Flask, overrides: dict[str, Any] | None) -> None:
    """config/default.toml < TRACKER_CONFIG < TRACKER_* < overrides, validated; then logging."""
    from tracker.core.config import load_config
    from tracker.core.logging_setup import configure_logging

    load_config(app, overrides)
    configure_logging(app)


def open_database(app: Flask) -> None:
    """The engine and the request's session; the dashboard cache sees this app's writes."""
    from tracker.core import db
    from tracker.reports import cache as reports_cache

    db.init_app(app)
    reports_cache.install(db.get_engine(app))


def install_workflow(app: Flask) -> None:
    """The history chain's keys, and the active workflow, checked against the effects the
    tickets implement (an effect named and not implemented stops the start)."""
    from tracker.tickets import chain
    from tracker.tickets.effects import check_implemented
    from tracker.workflow import registry

    chain.init_app(app)
    registry.init_app(app)
    check_implemented(app.extensions["workflow"])


def subscribe_domains() -> None:
    """Domains acting on what the ticket service announces (tracker/tickets/events.py), and
    the bulletin's sections (the ranking table, the supervised findings)."""
    from tracker.evidence import subscribers as evidence_subscribers
    from tracker.reminders import subscribers as reminders_subscribers
    from tracker.reports import bulletin_sections

    evidence_subscribers.subscribe()
    reminders_subscribers.subscribe()
    bulletin_sections.install()


def bind_extensions(app: Flask) -> None:
    """CSRF (its check is the first request hook), sign-in and its user loader, mail,\nlanguages."""
    from tracker.auth.guard import load_signed_in_user
    from tracker.core import i18n
    from tracker.web.extensions import csrf, login_manager, mail

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_signed_in_user)
    mail.init_app(app)
    i18n.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Every domain's pages and the API, /healthz, and static files under versioned URLs."""
    from tracker.web import static_assets, wiring

    for blueprint in wiring.blueprints():
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", wiring.healthz)
    static_assets.install(app)


def install_request_hooks(app: Flask) -> None:
    """Security headers, the outage answer, proxies, sign-in throttling, the password-change
    guard, the control-character guard, the request's language (in this order)."""
    from tracker.auth import guard, throttle
    from tracker.ops import inputguard, outage, proxies
    from tracker.web import wiring

    app.after_request(wiring.security_headers)
    outage.init_app(app)
    proxies.init_app(app)
    throttle.init_app(app)
    guard.init_app(app)
    inputguard.init_app(app)
    app.before_request(wiring.remember_locale)


def install_domains(app: Flask) -> None:
    """Template helpers, then each domain's menu links, template globals and checks (the menu
    follows this order)."""
    from tracker import api, evidence, inspections, reminders, reports
    from tracker.calendar import views as calendar_views
    from tracker.web import template_helpers

    template_helpers.init_app(app)
    calendar_views.init_app(app)
    reminders.init_app(app)
    reports.init_app(app)
    api.init_app(app)
    inspections.init_app(app)
    evidence.init_app(app)


def install_error_pages(app: Flask) -> None:
    """404, 403, and a record one may not see (tracker/web/errors.py)."""
    from tracker.web import errors

    errors.init_app(app)
