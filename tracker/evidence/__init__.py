"""Evidence (佐证材料): photos and documents on tickets, checked by content, served by scope."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Flag words as a template global (the pages that show evidence are handed its data by
    their views), the photo wall and place pages, and a readable 413 page."""
    from tracker.evidence.flags import flag_label
    from tracker.evidence.review_views import bp as review_bp
    from tracker.evidence.views import too_large

    app.register_blueprint(review_bp)
    app.jinja_env.globals["evidence_flag_label"] = flag_label
    app.register_error_handler(413, too_large)
