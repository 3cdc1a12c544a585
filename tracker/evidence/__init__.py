"""Evidence (佐证材料): photos and documents on tickets, checked by content, served by scope."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The ticket page's evidence panel, flag words and counts as template globals, the photo
    wall and place pages, and a readable 413 page."""
    from tracker.evidence.flags import flag_label
    from tracker.evidence.review_views import bp as review_bp
    from tracker.evidence.views import evidence_flag_count, evidence_panel, too_large

    app.register_blueprint(review_bp)
    app.jinja_env.globals["evidence_panel"] = evidence_panel
    app.jinja_env.globals["evidence_flag_label"] = flag_label
    app.jinja_env.globals["evidence_flag_count"] = evidence_flag_count
    app.register_error_handler(413, too_large)
