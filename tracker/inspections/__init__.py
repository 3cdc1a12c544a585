"""Inspection rounds (督查轮次): a team visits units and brings back findings."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add the rounds to the main menu (every signed-in role sees the rounds in its scope)."""
    from flask_babel import lazy_gettext as _l

    from tracker.web.template_helpers import register_nav

    register_nav(app, "inspections.index", _l("Inspections"))
