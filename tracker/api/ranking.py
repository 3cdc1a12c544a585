"""`GET /ranking`: the township ranking with the same breakdown as the page."""

from __future__ import annotations

from flask import current_app, request
from flask.typing import ResponseReturnValue

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, respond
from tracker.api.inputs import query
from tracker.api.schemas import RankingOut, TicketQuery
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.reports.queries import load_units, make_context
from tracker.reports.ranking import RankingSettings
from tracker.reports.ranking_counts import township_ranking
from tracker.reports.ranking_words import formula_lines, label


@bp.get("/ranking")
def ranking() -> ResponseReturnValue:
    query(TicketQuery)  # refuse malformed filters before they reach SQL
    session, config = get_session(), current_app.config
    ctx = make_context(session, api_user(), request.args, utcnow(), config)
    settings = RankingSettings.from_config(config)
    items = []
    for score, _counts in township_ranking(session, ctx, settings, load_units(session)):
        entry = score.as_dict()
        for item in entry["items"]:
            item["label"] = label(item["kind"])
        items.append(entry)
    return respond(
        RankingOut.model_validate(
            {
                "items": items,
                "formula": settings.formula(),
                "formula_text": formula_lines(settings, ctx.workflow),
            }
        )
    )
