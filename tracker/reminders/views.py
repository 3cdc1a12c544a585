"""Pages: the admin outbox (with resend), the manual chase, and a user's mail settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func
from sqlmodel import col, select

from tracker.clock import utcnow
from tracker.db import get_session
from tracker.errors import ServiceError
from tracker.org.models import Role, User
from tracker.org.views import admin_required
from tracker.reminders.chase import chase_ticket
from tracker.reminders.models import OutboxMessage, OutboxStatus
from tracker.tickets.models import Ticket
from tracker.tickets.scope import get_visible_ticket

bp = Blueprint("reminders", __name__)

PAGE = 100


@bp.post("/tickets/<int:ticket_id>/chase")
@login_required
def chase(ticket_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    ticket = get_visible_ticket(session, current_user, ticket_id)  # 404 if not visible
    try:
        chase_ticket(session, ticket, current_user, request.form.get("comment", ""), utcnow())
        session.commit()
    except ServiceError as error:
        session.rollback()
        if error.status == 403:
            abort(403)
        flash(error.message, "danger")
    else:
        flash(_("Reminder sent to the responsible unit."), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#history")


@bp.route("/admin/outbox")
@admin_required
def outbox():  # type: ignore[no-untyped-def]
    session = get_session()
    status = request.args.get("status", "")
    stmt = (
        select(OutboxMessage, User.username, Ticket.code)
        .join(User, User.id == OutboxMessage.recipient_id)
        .outerjoin(Ticket, Ticket.id == OutboxMessage.ticket_id)
    )
    if status in {s.value for s in OutboxStatus}:
        stmt = stmt.where(OutboxMessage.status == status)
    rows = session.exec(stmt.order_by(col(OutboxMessage.id).desc()).limit(PAGE)).all()
    counts = dict(
        session.exec(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "reminders/outbox.html",
        rows=rows,
        counts=counts,
        status=status,
        statuses=[s.value for s in OutboxStatus],
    )


@bp.post("/admin/outbox/<int:message_id>/resend")
@admin_required
def resend(message_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    message = session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.last_error = ""
    # Due at once for any dispatcher, whatever its clock (it was due since it was planned).
    message.next_attempt_at = message.created_at
    session.add(message)
    session.commit()
    flash(_("The mail will be sent again at the next sweep."), "success")
    return redirect(url_for("reminders.outbox", status=request.args.get("status", "")))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notifications():  # type: ignore[no-untyped-def]
    session = get_session()
    if request.method == "POST":
        user = session.get(User, current_user.id)
        user.is_mail_opted_out = request.form.get("reminders") != "on"
        session.add(user)
        session.commit()
        current_user.is_mail_opted_out = user.is_mail_opted_out
        flash(_("Your mail settings were saved."), "success")
        return redirect(url_for("reminders.notifications"))
    return render_template(
        "reminders/notifications.html", is_leader=current_user.role == Role.LEADER
    )
