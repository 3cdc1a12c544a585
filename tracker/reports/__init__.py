"""Leaders' view: dashboard figures, overdue review, township ranking and the bulletin (通报)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Menu links (every role sees the dashboard of its scope; leaders' pages for the others);
    the `[ranking]` settings checked."""
    from tracker.policy import Permission
    from tracker.reports.ranking import RankingSettings
    from tracker.web.template_helpers import register_nav

    RankingSettings.from_config(app.config)  # a bad `[ranking]` stops the start, naming the key

    register_nav(app, "reports.dashboard", _l("Dashboard"))
    register_nav(app, "reports.overdue", _l("Overdue"), Permission.READ_LEADER_REPORTS)
    register_nav(app, "reports.ranking", _l("Ranking"), Permission.READ_LEADER_REPORTS)
    register_nav(app, "reports.bulletin", _l("Bulletin"), Permission.EDIT_BULLETIN)
