"""Evidence (佐证材料): photos and documents on tickets, checked by content, served by scope."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Flag words and photo alt text as template globals (the pages that show evidence are
    handed its data by their views), the photo wall and place pages, and a readable 413 page."""
    from tracker.core.config import ConfigError
    from tracker.evidence.flags import flag_label
    from tracker.evidence.panel import photo_alt
    from tracker.evidence.places import MapLinks
    from tracker.evidence.review_views import bp as review_bp
    from tracker.evidence.views import too_large
    from tracker.policy import Permission
    from tracker.web.template_helpers import register_nav

    try:
        MapLinks.from_config(app.config)  # an unknown map datum stops the start, saying why
    except ValueError as error:
        raise ConfigError(str(error)) from error

    app.register_blueprint(review_bp)
    register_nav(app, "evidence_review.unit_places", _l("Places"), Permission.ADMINISTER)
    app.jinja_env.globals["evidence_flag_label"] = flag_label
    app.jinja_env.globals["photo_alt"] = photo_alt
    app.register_error_handler(413, too_large)
