"""Evidence (佐证材料): photos and documents on tickets, checked by content, served by scope."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The ticket page's evidence panel and flag words as template globals, and a readable 413
    page."""
    from tracker.evidence.flags import flag_label
    from tracker.evidence.views import evidence_panel, too_large

    app.jinja_env.globals["evidence_panel"] = evidence_panel
    app.jinja_env.globals["evidence_flag_label"] = flag_label
    app.register_error_handler(413, too_large)
