"""Leaders' pages: dashboard, overdue review and the bulletin (preview, .docx, edit); the
ranking's pages are in ranking_views.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from io import BytesIO

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.clock import local_date, utcnow
from tracker.db import get_session
from tracker.errors import ServiceError
from tracker.inspections.models import Inspection
from tracker.inspections.service import visible_inspections
from tracker.policy import Permission, offers
from tracker.reports import charts, ranking_views, service  # noqa: F401  (ranking_views: its routes)
from tracker.reports.blueprint import bp
from tracker.reports.bulletin import HEADINGS, Selection, build_bulletin, to_docx
from tracker.reports.filters import current_filter, filter_args, list_link
from tracker.reports.forms import NextStepsForm
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
def dashboard():  # type: ignore[no-untyped-def]
    flt = current_filter()
    if flt is None:
        return redirect(url_for("reports.dashboard"))
    session = get_session()
    try:
        stats = dashboard_stats(session, current_user, flt, utcnow(), current_app.config)
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
        args=request.args,
    )


@bp.route("/overdue")
@login_required
def overdue():  # type: ignore[no-untyped-def]
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
        stmt.order_by(Ticket.deadline.asc(), Ticket.id.asc()).limit(OVERDUE_LIMIT + 1)
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


def _require_bulletin_role() -> None:
    if not offers(current_user, Permission.EDIT_BULLETIN):
        abort(403)


def _visible_round(inspection_id: int) -> Inspection:
    """The round if the viewer may see it (as on /inspections/<id>), else 404."""
    try:
        return service.get_inspection(get_session(), current_user, inspection_id)
    except ServiceError as error:
        abort(error.status)


def _selection() -> tuple[Selection | None, str | None]:
    """The round (`inspection`) or date range (`start`, `end`) asked for; an error message."""
    if request.args.get("inspection", "").isdigit():
        inspection = _visible_round(int(request.args["inspection"]))
        return Selection(inspection=inspection), None
    start_text, end_text = request.args.get("start"), request.args.get("end")
    if not start_text and not end_text:
        return None, None
    try:
        start, end = date.fromisoformat(start_text or ""), date.fromisoformat(end_text or "")
    except ValueError:
        return None, _("Give both dates as YYYY-MM-DD.")
    if end < start:
        return None, _("The end date is before the start date.")
    if end - start > timedelta(days=3660):
        return None, _("Choose a range of at most ten years.")
    return Selection(start=start, end=end), None


@bp.route("/bulletin")
@login_required
def bulletin():  # type: ignore[no-untyped-def]
    _require_bulletin_role()
    selection, error = _selection()
    if error:
        flash(error, "danger")
    return _bulletin_page(selection, None, 400 if error else 200)


def _bulletin_page(selection: Selection | None, form: NextStepsForm | None, status: int):  # type: ignore[no-untyped-def]
    """The preview of `selection`'s bulletin; `form` is a refused next-steps form to show again
    with its text and errors (None: the round's saved text)."""
    session = get_session()
    document = None
    if selection is not None:
        document = build_bulletin(session, current_user, selection, utcnow(), current_app.config)
        if form is None and selection.inspection is not None:
            form = NextStepsForm(next_steps=selection.inspection.next_steps)
    return render_template(
        "reports/bulletin.html",
        bulletin=document,
        headings=HEADINGS,
        form=form,
        inspections=visible_inspections(session, current_user),
        args=request.args,
    ), status


@bp.route("/bulletin.docx")
@login_required
def bulletin_docx():  # type: ignore[no-untyped-def]
    _require_bulletin_role()
    selection, error = _selection()
    if selection is None:
        flash(error or _("Choose an inspection round or a date range."), "danger")
        return redirect(url_for("reports.bulletin"))
    document = build_bulletin(get_session(), current_user, selection, utcnow(), current_app.config)
    name = (
        f"bulletin-inspection-{selection.inspection.id}.docx"
        if selection.inspection
        else f"bulletin-{selection.start}-{selection.end}.docx"
    )
    return send_file(
        BytesIO(to_docx(document)), mimetype=DOCX_MIME, as_attachment=True, download_name=name
    )


@bp.post("/bulletin/<int:inspection_id>/next-steps")
@login_required
def save_next_steps(inspection_id: int):  # type: ignore[no-untyped-def]
    """Save 三、; a refused text comes back in the form with the reason, never lost."""
    _require_bulletin_role()
    session = get_session()
    form = NextStepsForm()
    if form.validate_on_submit():
        try:
            service.save_next_steps(
                session, current_user, inspection_id, form.next_steps.data or "", utcnow()
            )
            session.commit()
        except ServiceError as error:
            session.rollback()
            if error.status in (403, 404):  # not a problem with the text: no form to show
                abort(error.status)
            form.next_steps.errors = [error.message]
        else:
            flash(_("Next steps saved with the inspection round."), "success")
            return redirect(url_for("reports.bulletin", inspection=inspection_id) + "#next-steps")
    inspection = _visible_round(inspection_id)
    flash(_("The text could not be saved; it is kept in the form below."), "danger")
    return _bulletin_page(Selection(inspection=inspection), form, 422)
