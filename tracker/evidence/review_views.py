"""Reviewing photo evidence: a round's photo wall, and setting a finding's or a village's place."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ValidationFailed
from tracker.evidence import places
from tracker.evidence.datum import Datum
from tracker.evidence.flags import FLAG_LABELS, Flag, FlagRules
from tracker.evidence.panel import PhotoView
from tracker.evidence.wall import build_wall
from tracker.inspections.service import get_visible_inspection
from tracker.org.models import Unit, UnitKind
from tracker.policy import Permission, may
from tracker.tickets.relations import relations_of
from tracker.tickets.scope import get_visible_ticket
from tracker.web.auth import admin_required, permission_required
from tracker.workflow.registry import active_workflow

bp = Blueprint("evidence_review", __name__)


@bp.get("/inspections/<int:inspection_id>/photos")
@permission_required(Permission.READ_LEADER_REPORTS)
def wall(inspection_id: int) -> ResponseReturnValue:
    """Every finding of the round with its before- and after-photos (leaders, inspectors)."""
    session = get_session()
    inspection = get_visible_inspection(session, current_user, inspection_id)  # 404 if not visible
    township = None
    if code := request.args.get("township", ""):
        township = session.exec(select(Unit).where(Unit.code == code)).first()
    flag = request.args.get("flag", "")
    chosen = Flag(flag) if flag in {f.value for f in Flag} else None
    page = request.args.get("page", "1")
    result = build_wall(
        session,
        current_user,
        inspection,
        FlagRules.of(active_workflow(), current_app.config),
        township=township,
        flag=chosen,
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    )
    return render_template(
        "evidence/wall.html",
        inspection=inspection,
        wall=result,
        view=PhotoView(result.found, places.MapLinks.from_config(current_app.config)),
        flags=FLAG_LABELS,
        township=township,
        flag=chosen,
    )


@bp.post("/tickets/<int:ticket_id>/position")
@login_required
def set_position(ticket_id: int) -> ResponseReturnValue:
    """Enter a finding's coordinates (those who may edit the finding)."""
    session = get_session()
    ticket = get_visible_ticket(session, current_user, ticket_id)  # 404 if not visible
    if not may(current_user, Permission.EDIT_FINDINGS, relations_of(session, current_user, ticket)):
        abort(403)
    back = url_for("tickets.detail", ticket_id=ticket.id) + "#evidence"
    if (position := _entered_position()) is None:
        return redirect(back)
    places.set_ticket_position(session, ticket, position, utcnow())
    session.commit()
    flash(_("The finding's place was saved."), "success")
    return redirect(back)


def _entered_position() -> places.Position | None:
    """The coordinates of a place form, as stored (WGS 84), or None after flashing why not."""
    try:
        return places.parse_position(
            request.form.get("lat", ""),
            request.form.get("lon", ""),
            request.form.get("datum", Datum.WGS84),
        )
    except ValidationFailed as error:
        details = "; ".join(error.fields.values())
        flash(f"{error.message} {details}", "danger")
        return None


@bp.route("/admin/places", methods=["GET", "POST"])
@admin_required
def unit_places() -> ResponseReturnValue:
    """Where the villages (and other units) are, for the photo distance check (admins; also
    `tracker unit locate`)."""
    session = get_session()
    if request.method == "POST":
        unit = session.exec(select(Unit).where(Unit.code == request.form.get("unit", ""))).first()
        if unit is None:
            flash(_("Choose a unit."), "danger")
        elif (position := _entered_position()) is not None:
            places.set_unit_position(session, unit.id, position, utcnow())
            session.commit()
            flash(_("The place of %(name)s was saved.", name=unit.name), "success")
        return redirect(url_for("evidence_review.unit_places"))
    units = list(session.exec(select(Unit).where(Unit.is_active).order_by(Unit.path)))
    return render_template(
        "evidence/places.html",
        units=units,
        villages=[u for u in units if u.kind == UnitKind.VILLAGE],
        positions=places.unit_positions(session),
        view=PhotoView(maps=places.MapLinks.from_config(current_app.config)),
    )
