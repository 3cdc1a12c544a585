"""Leaders' pages: dashboard and overdue review; the ranking's pages are in ranking_views.py,
the bulletin's in bulletin_views.py."""

from __future__ import annotations

from collections import defaultdict

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import col

from tracker.core.clock import local_date, utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.inspections.service import visible_inspections
from tracker.reports import bulletin_views, charts, ranking_views, supervised  # noqa: F401
from tracker.reports.blueprint import bp
from tracker.reports.filters import current_filter, filter_args, list_link
from tracker.reports.queries import (
    dashboard_stats,
    group_of,
    load_units,
    tree_order,
)
from tracker.tickets.models import Ticket
from tracker.tickets.queries import TicketFilter, open_states, scoped_query
from tracker.tickets.related import load_related
from tracker.workflow.registry import active_workflow

OVERDUE_LIMIT = 500
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/dashboard")
@login_required
def dashboard() -> ResponseReturnValue:
    flt = current_filter()
    if flt is None:
        return redirect(url_for("reports.dashboard"))
    session = get_session()
    now = utcnow()
    try:
        stats = dashboard_stats(session, current_user, flt, now, current_app.config)
        supervision = supervised.for_viewer(session, current_user, flt, now, current_app.config)
    except ServiceError as error:
        flash(error.message, "danger")
        return redirect(url_for("reports.dashboard"))
    rag_labels = {"red": _("Overdue"), "amber": _("Due soon"), "green": _("On track")}
    chart_weekly = charts.weekly_bars(
        stats["weekly"], _("Findings opened and closed per week"), _("Opened"), _("Closed")
    )
    chart_rag = charts.rag_stacked(stats["totals"]["rag"], rag_labels, _("Status colours"))
    chart_rounds = charts.progress_bars(
        [(i["title"], i["closed"], i["total"]) for i in stats["inspections"]],
        _("Progress to zero per inspection round"),
    )
    inspections = visible_inspections(session, current_user)
    return render_template(
        "reports/dashboard.html",
        stats=stats,
        link=list_link(filter_args()),
        open_states=",".join(open_states(active_workflow())),
        closed_states=",".join(s.key for s in active_workflow().states.values() if s.terminal),
        chart_weekly=chart_weekly,
        chart_rag=chart_rag,
        chart_rounds=chart_rounds,
        inspections=inspections,
        supervision=supervision,
        args=request.args,
    )


@bp.route("/overdue")
@login_required
def overdue() -> ResponseReturnValue:
    """Overdue findings in the viewer's charge, grouped by township, most overdue first."""
    session = get_session()
    config, now = current_app.config, utcnow()
    stmt = scoped_query(
        session,
        current_user,
        TicketFilter(overdue=True),
        active_workflow(),
        now,
        config["TIMEZONE"],
        config["AMBER_DAYS"],
    ).rows
    tickets = session.exec(
        stmt.order_by(col(Ticket.deadline).asc(), col(Ticket.id).asc()).limit(OVERDUE_LIMIT + 1)
    ).all()
    truncated = len(tickets) > OVERDUE_LIMIT
    tickets = tickets[:OVERDUE_LIMIT]
    related = load_related(session, tickets, details=False)
    units = load_units(session)
    today = local_date(now, config["TIMEZONE"])
    groups: dict[int, list] = defaultdict(list)
    for ticket in tickets:
        groups[group_of(units[ticket.responsible_unit_id], units).id].append(ticket)
    ordered = sorted(groups.items(), key=lambda item: tree_order(units[item[0]]))
    return render_template(
        "reports/overdue.html",
        groups=[(units[g], rows) for g, rows in ordered],
        related=related,
        today=today,
        truncated=truncated,
        limit=OVERDUE_LIMIT,
        total=len(tickets),
    )
