"""List-page actions: spreadsheet import, its template, the ledger export and bulk changes."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from types import ModuleType

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from wtforms import BooleanField

from tracker.calendar.messages import fallback_message
from tracker.core.clock import local_date, utcnow
from tracker.core.config import get_settings
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.documents.chase_notice import notice_file, prepare_notices
from tracker.documents.views import send_notices
from tracker.policy import Permission, offers
from tracker.tickets import service
from tracker.tickets.bulk import bulk_update
from tracker.tickets.models import Ticket
from tracker.tickets.views import requested_list
from tracker.web.auth import permission_required
from tracker.workflow.registry import active_workflow

bp = Blueprint("ledger", __name__)


def _ledger() -> ModuleType:
    """The spreadsheet module, imported on first use: openpyxl costs every worker ~20 MB."""
    from tracker.tickets import ledger

    return ledger


def _ledger_export() -> ModuleType:
    """The export module, imported on first use like `_ledger`."""
    from tracker.tickets import ledger_export

    return ledger_export


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (.xlsx)"),
        validators=[FileRequired(), FileAllowed(["xlsx"], _l("An Excel .xlsx file, please."))],
    )
    notices = BooleanField(
        _l("Download the supervision notices (督办通知单) of the imported findings")
    )
    historical = BooleanField(
        _l("A finished round, entered as history (past dates and final states; nothing is sent)")
    )


@bp.route("/tickets/import", methods=["GET", "POST"])
@permission_required(Permission.FILE_FINDINGS)
def import_page() -> ResponseReturnValue:
    form = ImportForm()
    result = None
    status = 200
    may_enter_history = offers(current_user, Permission.IMPORT_HISTORY)
    if form.validate_on_submit():
        if form.historical.data and not may_enter_history:
            abort(403)
        session = get_session()
        try:
            max_rows = int(current_app.config["IMPORT_MAX_ROWS"])
            _total, rows = _ledger().read_rows(form.file.data.stream, max_rows)
            result = _ledger().import_findings(
                session,
                current_user,
                rows,
                active_workflow(),
                utcnow(),
                service.Settings.of(get_settings()),
                historical_rows=bool(form.historical.data),
            )
        except ServiceError as error:
            session.rollback()
            hint = error.fields.get("file")
            form.file.errors = [*form.file.errors, error.message, *([hint] if hint else [])]
            status = 422
        else:
            if result.ok:
                session.commit()
                flash(_("%(count)s findings imported.", count=len(result.codes)), "success")
                if result.fallback_years:
                    flash(fallback_message(result.fallback_years), "warning")
                if form.notices.data and not form.historical.data:
                    return _imported_notices(result.codes)
                return redirect(url_for("tickets.index", queue="all", sort="-created"))
            session.rollback()
            status = 422
    elif request.method == "POST":
        status = 400
    return render_template(
        "tickets/import.html", form=form, result=result, may_enter_history=may_enter_history
    ), status


def _imported_notices(codes: list[str]) -> ResponseReturnValue:
    """The 督办通知单 of the findings just imported, one per unit; if the importer may not
    issue them, the findings stay imported and the list says why."""
    session = get_session()
    ids = list(session.exec(select(col(Ticket.id)).where(col(Ticket.code).in_(codes))))
    try:
        notices = prepare_notices(
            session, current_user, ids, active_workflow(), current_app.config, utcnow()
        )
        files = [notice_file(content) for content in notices]
    except ServiceError as error:
        session.rollback()
        flash(_("No supervision notice was issued: %(reason)s", reason=error.message), "warning")
        return redirect(url_for("tickets.index", queue="all", sort="-created"))
    session.commit()
    return send_notices(files)


@bp.route("/tickets/import/template")
@login_required
def import_template() -> ResponseReturnValue:
    return send_file(
        BytesIO(_ledger().template_workbook()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="findings-import-template.xlsx",
    )


@bp.route("/tickets/export.xlsx")
@login_required
def export() -> ResponseReturnValue:
    """The list's current filter (or role queue) as the ledger, scoped like the list."""
    session = get_session()
    config = current_app.config
    workflow = active_workflow()
    now = utcnow()
    listed = requested_list(session, workflow, now)
    buffer = BytesIO()
    export = _ledger_export()
    export.write_ledger(
        session,
        listed.query.rows,
        listed.flt.sort,
        workflow,
        now,
        config["TIMEZONE"],
        config["AMBER_DAYS"],
        buffer,
        title=export.ledger_title(session, current_user, listed.flt, now, config["TIMEZONE"]),
        base_url=config.get("BASE_URL") or "",
    )
    buffer.seek(0)
    today = local_date(now, config["TIMEZONE"]).isoformat()
    return send_file(
        buffer, mimetype=XLSX, as_attachment=True, download_name=f"ledger-{today}.xlsx"
    )


def _back_to_list() -> str:
    """Where the bulk form came from: a /tickets list URL, never another site."""
    target = request.form.get("next", "")
    if target.startswith("/tickets") and not target.startswith("//"):
        return target
    return url_for("tickets.index", queue="all")


@bp.post("/tickets/bulk")
@login_required
def bulk() -> ResponseReturnValue:
    session = get_session()
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    deadline_text = request.form.get("deadline", "").strip()
    try:
        deadline = date.fromisoformat(deadline_text) if deadline_text else None
    except ValueError:
        flash(_("The new deadline is not a date."), "danger")
        return redirect(_back_to_list())
    try:
        result = bulk_update(
            session,
            current_user,
            ids,
            utcnow(),
            service.Settings.of(get_settings()),
            deadline=deadline,
            responsible_unit=request.form.get("responsible_unit", "").strip() or None,
        )
        session.commit()
    except StaleDataError:
        session.rollback()
        flash(_("Someone changed one of these findings meanwhile; nothing was changed."), "warning")
    except ServiceError as error:
        session.rollback()
        if error.status == 404:
            abort(404)
        if error.status == 403:
            abort(403)
        detail = "; ".join(error.fields.values()) or error.message
        flash(_("Nothing was changed: %(detail)s", detail=detail), "danger")
    else:
        flash(
            _(
                "%(changed)s of %(selected)s selected findings changed.",
                changed=result.changed,
                selected=result.selected,
            ),
            "success",
        )
    return redirect(_back_to_list())
