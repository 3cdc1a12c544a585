"""The bulletin's pages: preview, .docx download, and the texts written for it (section 二,
三, townships' accounts). Routes on the reports blueprint; every round is looked up through
the viewer's scope, so a round one may not see answers 404 everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlmodel import Session
from wtforms import Field

from tracker.core.clock import utcnow
from tracker.core.db import get_session, writes_on_get
from tracker.core.errors import ServiceError
from tracker.inspections.models import Inspection
from tracker.inspections.service import visible_inspections
from tracker.org.models import Unit, User
from tracker.policy import Permission, offers
from tracker.reports import bulletin_texts, service
from tracker.reports.blueprint import bp
from tracker.reports.bulletin import HEADINGS, Selection, build_bulletin
from tracker.reports.bulletin_docx import PER_DOCUMENT, bulletin_letterhead, to_docx
from tracker.reports.forms import BulletinTextForm, NextStepsForm
from tracker.reports.models import BulletinText
from tracker.web.auth import permission_required

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_RANGE = timedelta(days=3660)


def _visible_round(inspection_id: int) -> Inspection:
    """The round if the viewer may see it (as on /inspections/<id>), else 404."""
    try:
        return service.get_inspection(get_session(), current_user, inspection_id)
    except ServiceError as error:
        abort(error.status)


def _selection() -> tuple[Selection | None, str | None]:
    """The round (`inspection`), its period or a date range (`start`, `end`); an error."""
    inspection = None
    if request.args.get("inspection", "").isdigit():
        inspection = _visible_round(int(request.args["inspection"]))
    start_text, end_text = request.args.get("start"), request.args.get("end")
    if not start_text and not end_text:
        return (Selection(inspection=inspection), None) if inspection else (None, None)
    try:
        start, end = date.fromisoformat(start_text or ""), date.fromisoformat(end_text or "")
    except ValueError:
        return None, _("Give both dates as YYYY-MM-DD.")
    if end < start:
        return None, _("The end date is before the start date.")
    if end - start > MAX_RANGE:
        return None, _("Choose a range of at most ten years.")
    return Selection(inspection=inspection, start=start, end=end), None


@bp.route("/bulletin")
@permission_required(Permission.EDIT_BULLETIN)
def bulletin() -> ResponseReturnValue:
    selection, error = _selection()
    if error:
        flash(error, "danger")
    return _bulletin_page(selection, status=400 if error else 200)


def _bulletin_page(
    selection: Selection | None,
    form: NextStepsForm | None = None,
    problems_form: BulletinTextForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The preview of `selection`'s bulletin; a refused form comes back with its text."""
    session = get_session()
    document = None
    if selection is not None:
        document = build_bulletin(session, current_user, selection, utcnow(), current_app.config)
        if selection.inspection is not None:
            if form is None:
                form = NextStepsForm(next_steps=selection.inspection.next_steps)
            if problems_form is None:
                problems_form = BulletinTextForm(text="\n".join(document.problems_text))
    return render_template(
        "reports/bulletin.html",
        bulletin=document,
        headings=HEADINGS,
        form=form,
        problems_form=problems_form,
        account_form=BulletinTextForm,
        may_accept=offers(current_user, Permission.ACCEPT_ACCOUNTS),
        inspections=visible_inspections(session, current_user),
        args=request.args,
        per_document=PER_DOCUMENT,
        settings=current_app.config.get("DOCUMENTS", {}),
    ), status


@bp.route("/bulletin.docx")
@permission_required(Permission.EDIT_BULLETIN)
@writes_on_get
def bulletin_docx() -> ResponseReturnValue:
    selection, error = _selection()
    if selection is None:
        flash(error or _("Choose an inspection round or a date range."), "danger")
        return redirect(url_for("reports.bulletin"))
    issued_on = request.args.get("issued_on", "")
    if issued_on and not _is_date(issued_on):
        flash(_("Give the date as YYYY-MM-DD."), "danger")
        return redirect(url_for("reports.bulletin", **_selection_args(selection)))
    session, now = get_session(), utcnow()
    document = build_bulletin(session, current_user, selection, now, current_app.config)
    letterhead = bulletin_letterhead(
        session, document, current_app.config, current_user, now, request.args
    )
    session.commit()
    name = selection.key().replace(":", "-") + ".docx"
    return send_file(
        BytesIO(to_docx(document, letterhead)),
        mimetype=DOCX_MIME,
        as_attachment=True,
        download_name=name,
    )


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _selection_args(selection: Selection) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if selection.inspection is not None:
        args["inspection"] = str(selection.inspection.id)
    if selection.start and selection.end:
        args["start"], args["end"] = selection.start.isoformat(), selection.end.isoformat()
    return args


def _back_to(inspection_id: int, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("reports.bulletin", inspection=inspection_id) + anchor)


def _saved(form: FlaskForm, field: Field, save: Callable[[Session, str], object]) -> bool:
    """Whether the text posted in `field` of `form` was saved (`save`) and committed. A refusal
    of the text is set on `field` for the form to show (the service's reason for the text where it
    gives one, else the refusal); a refusal of the request itself (403, 404) is not a problem with
    the text, so it aborts."""
    if not form.validate_on_submit():
        return False
    text = field.data or ""
    session = get_session()
    try:
        save(session, text)
        session.commit()
    except ServiceError as error:
        session.rollback()
        if error.status in (403, 404):
            abort(error.status)
        field.errors = [error.fields.get("text", error.message)]
        return False
    return True


@bp.post("/bulletin/<int:inspection_id>/next-steps")
@permission_required(Permission.EDIT_BULLETIN)
def save_next_steps(inspection_id: int) -> ResponseReturnValue:
    """Save 三、; a refused text comes back in the form with the reason, never lost."""
    form = NextStepsForm()
    saved = _("Next steps saved with the inspection round.")
    return _save_round_text(inspection_id, form, form.next_steps, _next_steps, saved, "#next-steps")


def _next_steps(
    session: Session, user: User, inspection: Inspection, text: str, now: datetime
) -> object:
    """`service.save_next_steps` in the shape of the bulletin's other texts' services."""
    return service.save_next_steps(session, user, inspection.id, text, now)


@bp.post("/bulletin/<int:inspection_id>/problems")
@permission_required(Permission.EDIT_BULLETIN)
def save_problems(inspection_id: int) -> ResponseReturnValue:
    """Save section 二 as edited (a new version; the draft stays what the data says)."""
    form = BulletinTextForm()
    saved = _("Section two saved.")
    return _save_round_text(
        inspection_id, form, form.text, bulletin_texts.save_problems, saved, "#problems"
    )


def _save_round_text(
    inspection_id: int,
    form: NextStepsForm | BulletinTextForm,
    field: Field,
    save: Callable[[Session, User, Inspection, str, datetime], object],
    saved: str,
    anchor: str,
) -> ResponseReturnValue:
    """Save one of the round's texts from `field` of the posted `form` and go back to it; a
    refused text comes back in the bulletin's page with the reason next to it, never lost."""
    inspection = _visible_round(inspection_id)
    if _saved(
        form, field, lambda session, text: save(session, current_user, inspection, text, utcnow())
    ):
        flash(saved, "success")
        return _back_to(inspection_id, anchor)
    flash(_("The text could not be saved; it is kept in the form below."), "danger")
    selection = Selection(inspection=inspection)
    if isinstance(form, NextStepsForm):
        return _bulletin_page(selection, form=form, status=422)
    return _bulletin_page(selection, problems_form=form, status=422)


def _township(unit_id: int) -> Unit:
    unit = get_session().get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.post("/bulletin/<int:inspection_id>/accounts/<int:unit_id>")
@permission_required(Permission.EDIT_BULLETIN)
def write_account(inspection_id: int, unit_id: int) -> ResponseReturnValue:
    """An inspector's corrected version of a township's account (accepted as written)."""
    inspection = _visible_round(inspection_id)
    return _save_account(inspection, _township(unit_id), "reports.bulletin")


@bp.post("/bulletin/<int:inspection_id>/accounts/accept/<int:text_id>")
@permission_required(Permission.EDIT_BULLETIN)
def accept_account(inspection_id: int, text_id: int) -> ResponseReturnValue:
    inspection = _visible_round(inspection_id)
    session = get_session()
    try:
        bulletin_texts.accept_account(session, current_user, inspection, text_id, utcnow())
        session.commit()
    except ServiceError as error:
        session.rollback()
        abort(error.status)
    flash(_("The township's account is accepted."), "success")
    return _back_to(inspection_id, "#townships")


@bp.route("/inspections/<int:inspection_id>/account", methods=["GET", "POST"])
@login_required
def township_account(inspection_id: int) -> ResponseReturnValue:
    """A township's cadres write its account of the round's rectification (整改情况)."""
    inspection = _visible_round(inspection_id)
    session = get_session()
    township = bulletin_texts.own_township(session, current_user)
    if township is None:
        abort(403)
    if request.method == "POST":
        return _save_account(inspection, township, "reports.township_account")
    history = bulletin_texts.account_history(session, inspection.id, township.id)
    form = BulletinTextForm(text=history[0].text if history else "")
    return _account_page(inspection, township, form, history, 200)


def _account_page(
    inspection: Inspection,
    township: Unit,
    form: BulletinTextForm,
    history: list[BulletinText],
    status: int,
) -> ResponseReturnValue:
    return render_template(
        "reports/account.html",
        inspection=inspection,
        township=township,
        form=form,
        history=history,
    ), status


def _save_account(inspection: Inspection, township: Unit, page: str) -> ResponseReturnValue:
    session = get_session()
    form = BulletinTextForm()

    def submit(session: Session, text: str) -> object:
        return bulletin_texts.submit_account(
            session, current_user, inspection, township, text, utcnow()
        )

    if _saved(form, form.text, submit):
        flash(_("The account is saved."), "success")
        if page == "reports.bulletin":
            return _back_to(inspection.id, "#townships")
        return redirect(url_for(page, inspection_id=inspection.id))
    history = bulletin_texts.account_history(session, inspection.id, township.id)
    return _account_page(inspection, township, form, history, 422)
