"""The JSON API under /api/v1: bearer tokens, the same services and scoping as the pages."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """JSON that keeps Chinese text as is, JSON errors under /api/, no CSRF, the tokens link."""
    from tracker.api import errors
    from tracker.api.views import bp
    from tracker.web.extensions import csrf
    from tracker.web.template_helpers import register_nav

    if isinstance(app.json, DefaultJSONProvider):  # the only provider the app uses
        app.json.ensure_ascii = False
    csrf.exempt(bp)
    errors.init_app(app)
    register_nav(app, "tokens.index", _l("API tokens"))
