"""Reference data and figures: units, inspections, the workflow, statistics."""

from __future__ import annotations

from flask import current_app, request
from flask.typing import ResponseReturnValue
from sqlmodel import select

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, page_size, respond
from tracker.api.inputs import json_object, query
from tracker.api.present import from_row, local_moment
from tracker.api.schemas import (
    InspectionOut,
    InspectionPage,
    Paging,
    StatsOut,
    TicketQuery,
    UnitList,
    UnitOut,
    WorkflowOut,
)
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.inspections import service as inspections
from tracker.inspections.models import Inspection
from tracker.inspections.service import InspectionSummary
from tracker.org.models import Unit
from tracker.workflow.registry import active_workflow


@bp.get("/units")
def units() -> ResponseReturnValue:
    rows = get_session().exec(select(Unit).order_by(Unit.path)).all()
    codes = {u.id: u.code for u in rows}
    return respond(
        UnitList(
            items=[
                from_row(UnitOut, u, parent=codes.get(u.parent_id) if u.parent_id else None)
                for u in rows
            ]
        )
    )


def _inspection_out(row: Inspection, summary: InspectionSummary | None = None) -> InspectionOut:
    progress = summary.progress if summary else None
    return from_row(
        InspectionOut,
        row,
        created_at=local_moment(row.created_at),
        findings=progress.total if progress else 0,
        closed=progress.closed if progress else 0,
        overdue=progress.overdue if progress else 0,
        remaining=progress.remaining if progress else 0,
        unit_count=summary.unit_count if summary else 0,
    )


@bp.get("/inspections")
def list_inspections() -> ResponseReturnValue:
    """The rounds the caller may see (inspections.service scoping), newest first, paged."""
    params = query(Paging)
    per_page = page_size(params.per_page)
    summaries = inspections.list_inspections(
        get_session(), api_user(), active_workflow(), utcnow(), current_app.config["TIMEZONE"]
    )
    start = (params.page - 1) * per_page
    return respond(
        InspectionPage(
            items=[_inspection_out(s.inspection, s) for s in summaries[start : start + per_page]],
            page=params.page,
            per_page=per_page,
            total=len(summaries),
        )
    )


@bp.post("/inspections")
def create_inspection() -> ResponseReturnValue:
    """Open an inspection round with its team and units.

    The body goes to inspections.service as it came, so the API checks exactly what the page
    does, in the same order: the role first (403), then the fields (422).
    """
    session, user, now = get_session(), api_user(), utcnow()
    row = inspections.create_inspection(session, user, json_object(), now)
    session.commit()
    detail = inspections.get_inspection(
        session, user, row.id, active_workflow(), now, current_app.config["TIMEZONE"]
    )
    summary = InspectionSummary(detail.inspection, detail.progress, len(detail.units))
    return respond(_inspection_out(row, summary), 201)


@bp.get("/workflow")
def workflow() -> ResponseReturnValue:
    return respond(WorkflowOut.model_validate(active_workflow().as_dict()))


@bp.get("/stats")
def stats() -> ResponseReturnValue:
    from tracker.reports.queries import dashboard_stats

    query(TicketQuery)  # refuse malformed filters before they reach SQL
    figures = dashboard_stats(get_session(), api_user(), request.args, utcnow(), current_app.config)
    return respond(StatsOut.model_validate(figures))
