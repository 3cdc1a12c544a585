"""The inspection-findings tracker: `create_app` builds the Flask app (tracker/web/factory.py)."""

from tracker.web.factory import create_app

__all__ = ["create_app"]
