"""The township ranking page (百分制) and the findings behind each of its items."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlmodel import col

from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.reports.blueprint import bp
from tracker.reports.filters import current_filter, filter_args
from tracker.reports.queries import Context, load_units, make_context
from tracker.reports.ranking import RankingSettings
from tracker.reports.ranking_counts import findings_behind, township_ranking
from tracker.reports.ranking_words import formula_lines, label
from tracker.tickets.models import Ticket
from tracker.tickets.related import load_related

FINDINGS_LIMIT = 500


def _context() -> Context:
    """The viewer's scope and the page's filters; when they cannot be had, the ranking without
    filters, after flashing why (an HTTP redirect raised through `abort`)."""
    flt = current_filter()
    if flt is not None:
        try:
            return make_context(get_session(), current_user, flt, utcnow(), current_app.config)
        except ServiceError as error:
            flash(error.message, "danger")
    abort(redirect(url_for("reports.ranking")))


@bp.route("/ranking")
@login_required
def ranking() -> ResponseReturnValue:
    ctx = _context()
    session = get_session()
    settings = RankingSettings.from_config(current_app.config)
    ranked = township_ranking(session, ctx, settings, load_units(session))
    return render_template(
        "reports/ranking.html",
        ranked=[score for score, _counts in ranked],
        formula=formula_lines(settings, ctx.workflow),
        label=label,
        args=filter_args(),
    )


@bp.route("/ranking/<unit_code>/<kind>")
@login_required
def ranking_findings(unit_code: str, kind: str) -> ResponseReturnValue:
    """The findings one item of a township's score counts (404 outside the viewer's ranking)."""
    ctx = _context()
    session = get_session()
    settings = RankingSettings.from_config(current_app.config)
    if settings.item(kind) is None:
        abort(404)
    ranked = township_ranking(session, ctx, settings, load_units(session))
    found = next(((s, c) for s, c in ranked if s.unit.code == unit_code), None)
    if found is None:
        abort(404)
    score, counts = found
    stmt = findings_behind(ctx, settings, counts, kind)
    tickets = session.exec(
        stmt.order_by(col(Ticket.deadline).asc(), col(Ticket.id).asc()).limit(FINDINGS_LIMIT + 1)
    ).all()
    line = next(line for line in score.lines if line.kind == kind)
    return render_template(
        "reports/ranking_findings.html",
        score=score,
        line=line,
        title=label(kind),
        tickets=tickets[:FINDINGS_LIMIT],
        truncated=len(tickets) > FINDINGS_LIMIT,
        related=load_related(session, tickets[:FINDINGS_LIMIT], details=False),
        args=filter_args(),
        back=url_for("reports.ranking", **filter_args()),  # never the raw query: see page_url
    )
