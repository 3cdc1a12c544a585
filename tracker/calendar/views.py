"""Admin page: a year's holidays and make-up working days, and which years fall back."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.calendar import service
from tracker.calendar.forms import DAY_KINDS, CalendarDayForm
from tracker.calendar.workdays import package_covers
from tracker.core.clock import local_date, utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.web.auth import admin_required

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


def _year(default: int) -> int:
    year = request.args.get("year", default, type=int)
    return year if 1900 <= year <= 2999 else default


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index() -> ResponseReturnValue:
    session = get_session()
    this_year = local_date(utcnow(), current_app.config["TIMEZONE"]).year
    year = _year(this_year)
    form = CalendarDayForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = service.set_day(
                session, form.day.data, form.kind.data == "workday", form.note.data or ""
            )
            session.commit()
        except ServiceError as error:
            session.rollback()
            form.note.errors = [*form.note.errors, error.fields.get("note", error.message)]
            status = 422
        else:
            flash(_("%(day)s saved.", day=row.day.isoformat()), "success")
            return redirect(url_for("calendar.index", year=row.day.year))
    elif request.method == "POST":
        status = 400
    days = service.list_days(session, year)
    years = sorted({this_year - 1, this_year, this_year + 1, this_year + 2, year})
    entered = service.years_with_days(session, years)
    coverage = [
        (y, "package" if package_covers(y) else ("entered" if y in entered else "fallback"))
        for y in years
    ]
    return render_template(
        "calendar/index.html",
        form=form,
        year=year,
        days=days,
        coverage=coverage,
        kinds=DAY_KINDS,
    ), status


@bp.post("/<day>/delete")
@admin_required
def delete(day: str) -> ResponseReturnValue:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return redirect(url_for("calendar.index"))
    session = get_session()
    if service.remove_day(session, when):
        session.commit()
        flash(_("%(day)s removed; the official calendar applies again.", day=day), "success")
    return redirect(url_for("calendar.index", year=when.year))


def init_app(app: Flask) -> None:
    from tracker.policy import Permission
    from tracker.web.template_helpers import register_nav

    register_nav(app, "calendar.index", _l("Calendar"), Permission.ADMINISTER)
