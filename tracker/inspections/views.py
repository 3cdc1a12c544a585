"""Inspection pages: the rounds with their progress, creating one, and a round's findings."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import col, select

from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.inspections import service
from tracker.inspections.forms import KIND_LABELS, InspectionForm, NextStepsForm
from tracker.org.models import Unit, User
from tracker.policy import Permission, offers, roles_with
from tracker.tickets.related import load_related
from tracker.web.auth import permission_required
from tracker.web.form_errors import commit_form
from tracker.workflow.registry import active_workflow

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


@bp.route("")
@login_required
def index() -> ResponseReturnValue:
    config = current_app.config
    rounds = service.list_inspections(
        get_session(), current_user, active_workflow(), utcnow(), config["TIMEZONE"]
    )
    return render_template(
        "inspections/list.html",
        rounds=rounds,
        kinds=KIND_LABELS,
        can_create=offers(current_user, Permission.CREATE_INSPECTION),
    )


def _fill_choices(form: InspectionForm) -> None:
    session = get_session()
    people = session.exec(
        select(User)
        .where(
            col(User.role).in_(roles_with(Permission.JOIN_INSPECTION_TEAM)), col(User.is_enabled)
        )
        .order_by(User.role, User.username)
    ).all()
    form.team.choices = [(u.username, f"{u.name} ({u.username})") for u in people]
    units = session.exec(select(Unit).where(Unit.is_active).order_by(Unit.path)).all()
    form.units.choices = [(u.code, f"{'　' * u.depth}{u.name}") for u in units]


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.CREATE_INSPECTION)
def new() -> ResponseReturnValue:
    form = InspectionForm()
    _fill_choices(form)
    if form.validate_on_submit():
        session = get_session()
        fields = {
            "title": form.title.data,
            "kind": form.kind.data,
            "started_on": form.started_on.data,
            "ended_on": form.ended_on.data,
            "description": form.description.data or "",
            "team": form.team.data or [],
            "units": form.units.data or [],
        }
        inspection = commit_form(
            session,
            form,
            lambda: service.create_inspection(session, current_user, fields, utcnow()),
        )
        if inspection is not None:
            flash(_("Inspection round “%(title)s” created.", title=inspection.title), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id))
    status = 422 if form.is_submitted() else 200
    return render_template("inspections/new.html", form=form), status


def _render_detail(
    inspection_id: int, form: NextStepsForm | None = None, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    detail = service.get_inspection(
        session,
        current_user,
        inspection_id,
        active_workflow(),
        utcnow(),
        current_app.config["TIMEZONE"],
    )
    can_edit = offers(current_user, Permission.EDIT_NEXT_STEPS)
    if can_edit and form is None:
        form = NextStepsForm(next_steps=detail.inspection.next_steps)
    editor = (
        session.get(User, detail.inspection.next_steps_updated_by_id)
        if detail.inspection.next_steps_updated_by_id
        else None
    )
    return render_template(
        "inspections/detail.html",
        d=detail,
        related=load_related(session, detail.tickets, details=False),
        kinds=KIND_LABELS,
        workflow=active_workflow(),
        can_file=offers(current_user, Permission.FILE_FINDINGS),
        form=form if can_edit else None,
        editor=editor,
    ), status


@bp.route("/<int:inspection_id>")
@login_required
def detail(inspection_id: int) -> ResponseReturnValue:
    return _render_detail(inspection_id)


@bp.post("/<int:inspection_id>/next-steps")
@login_required
def next_steps(inspection_id: int) -> ResponseReturnValue:
    session = get_session()
    inspection = service.get_visible_inspection(session, current_user, inspection_id)
    if not offers(current_user, Permission.EDIT_NEXT_STEPS):
        abort(403)
    form = NextStepsForm()
    if not form.validate_on_submit():
        return _render_detail(inspection_id, form, 422)
    try:
        service.update_next_steps(session, current_user, inspection, form.next_steps.data, utcnow())
        session.commit()
    except ServiceError as error:
        session.rollback()
        form.next_steps.errors = [*list(form.next_steps.errors or []), error.message]
        return _render_detail(inspection_id, form, error.status)
    flash(_("Next steps saved."), "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection_id) + "#next-steps")
