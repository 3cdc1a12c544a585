"""The app factory's named steps (tracker/web/factory.py): the order of what they register."""

from __future__ import annotations

import tracker
from tracker.web import factory


def test_tracker_create_app_is_the_factory() -> None:
    assert tracker.create_app is factory.create_app


def test_request_hooks_run_in_the_factory_order(app) -> None:  # type: ignore[no-untyped-def]
    """CSRF first, then the password-change guard, the control-character guard, the language."""
    before = [hook.__name__ for hook in app.before_request_funcs[None]]
    assert before == ["csrf_protect", "_require_new_password", "_refuse_control", "remember_locale"]
    assert app.after_request_funcs[None][-1].__name__ == "security_headers"


def test_the_menu_follows_the_order_of_the_domains(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = [endpoint for endpoint, _label, _permission in app.extensions["nav_links"]]
    assert endpoints == [
        "calendar.index",
        "reminders.outbox",
        "reminders.robots",
        "reminders.notifications",
        "reports.dashboard",
        "reports.overdue",
        "reports.ranking",
        "reports.bulletin",
        "tokens.index",
        "inspections.index",
        "evidence_review.unit_places",
    ]
