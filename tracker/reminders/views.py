"""Pages: the admin outbox (with resend) and group robots, the manual chase, a user's mail and
channel settings, and the in-app notices (/notifications)."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func
from sqlmodel import col, select

from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.core.errors import ServiceError
from tracker.org.models import Role, Unit, User
from tracker.reminders import inbox
from tracker.reminders.channels import ChannelSettings
from tracker.reminders.chase import chase_ticket
from tracker.reminders.models import OutboxMessage, OutboxStatus
from tracker.reminders.robots import add_robot, change_robot, list_robots
from tracker.tickets.models import Ticket
from tracker.tickets.scope import get_visible_ticket
from tracker.web.auth import admin_required
from tracker.workflow.registry import active_workflow

bp = Blueprint("reminders", __name__)

PAGE = 100
MOBILE = re.compile(r"(\+?86)?1\d{10}")  # a mainland mobile number, as robots and SMS take it


def unread_notices() -> int:
    """The bell's count for the signed-in person, asked once per request (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notices" not in g:
        g.unread_notices = inbox.unread_count(get_session(), current_user, g.get("read_ticket_id"))
    return g.unread_notices


def open_ticket(ticket_id: int) -> Ticket:
    """The ticket the signed-in person opens on a page (NotFound if out of their sight): their
    notices about it become read, and the bell this page draws counts them no more."""
    ticket, read = inbox.open_ticket(get_session(), current_user, ticket_id, utcnow())
    if read:
        g.read_ticket_id = ticket.id
    return ticket


@bp.app_context_processor
def bell() -> dict:
    """Every page's bell (base.html) asks `unread_notices()` only when it is drawn."""
    return {"unread_notices": unread_notices}


@bp.post("/tickets/<int:ticket_id>/chase")
@login_required
def chase(ticket_id: int) -> ResponseReturnValue:
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
def outbox() -> ResponseReturnValue:
    session = get_session()
    status = request.args.get("status", "")
    channel = request.args.get("channel", "")[:32]
    stmt = (
        select(OutboxMessage, User.username, Ticket.code)
        .join(User, col(User.id) == col(OutboxMessage.recipient_id))
        .outerjoin(Ticket, col(Ticket.id) == col(OutboxMessage.ticket_id))
    )
    if status in {s.value for s in OutboxStatus}:
        stmt = stmt.where(OutboxMessage.status == status)
    if channel:
        stmt = stmt.where(OutboxMessage.channel == channel)
    rows = session.exec(stmt.order_by(col(OutboxMessage.id).desc()).limit(PAGE)).all()
    # Failures per channel and recipient: what an admin puts right (an address, a robot's key).
    failing = (OutboxStatus.FAILED.value, OutboxStatus.GIVEN_UP.value)
    failures = session.exec(
        select(OutboxMessage.channel, User.username, OutboxMessage.status, func.count())
        .join(User, col(User.id) == col(OutboxMessage.recipient_id))
        .where(col(OutboxMessage.status).in_(failing))
        .group_by(OutboxMessage.channel, User.username, OutboxMessage.status)
        .order_by(OutboxMessage.channel, User.username)
    ).all()
    channels = session.exec(select(OutboxMessage.channel).distinct()).all()
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
        channel=channel,
        channels=sorted(channels),
        failures=failures,
    )


@bp.post("/admin/outbox/<int:message_id>/resend")
@admin_required
def resend(message_id: int) -> ResponseReturnValue:
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
    return redirect(
        url_for(
            "reminders.outbox",
            status=request.args.get("status", ""),
            channel=request.args.get("channel", ""),
        )
    )


@bp.route("/admin/robots", methods=["GET", "POST"])
@admin_required
def robots() -> ResponseReturnValue:
    session = get_session()
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        unit = session.exec(select(Unit).where(Unit.code == form.get("unit", ""))).first()
        try:
            if unit is None:
                raise ServiceError(_("the robot was not saved"), {"unit": _("choose a unit")})
            add_robot(
                session,
                unit,
                form.get("kind", ""),
                form.get("name", ""),
                form.get("url", ""),
                form.get("secret", ""),
                for_leaders=form.get("for_leaders") == "1",
            )
            session.commit()
        except ServiceError as error:
            session.rollback()
            errors = error.fields
        else:
            flash(_("Robot added."), "success")
            return redirect(url_for("reminders.robots"))
    units = session.exec(select(Unit).where(Unit.is_active).order_by(Unit.path)).all()
    page = render_template(
        "reminders/robots.html",
        robots=list_robots(session),
        units=units,
        errors=errors,
        form={k: form.get(k, "") for k in ("unit", "kind", "name", "for_leaders")},
    )
    return page, 422 if errors else 200


@bp.post("/admin/robots/<int:robot_id>")
@admin_required
def robot_change(robot_id: int) -> ResponseReturnValue:
    session = get_session()
    try:
        change_robot(
            session,
            robot_id,
            url=request.form.get("url", ""),
            secret=request.form.get("secret", ""),
            is_enabled=request.form.get("is_enabled") == "1",
        )
        session.commit()
    except ServiceError as error:
        session.rollback()
        if error.status == 404:
            abort(404)
        flash(" ".join([error.message, *error.fields.values()]), "danger")
    else:
        flash(_("Robot saved."), "success")
    return redirect(url_for("reminders.robots"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> ResponseReturnValue:
    session = get_session()
    offered = ChannelSettings.from_config(current_app.config).enabled()
    errors: dict[str, str] = {}
    if request.method == "POST":
        mobile = re.sub(r"[\s-]", "", request.form.get("mobile", ""))
        if mobile and not MOBILE.fullmatch(mobile):
            errors["mobile"] = _("a mobile number of 11 digits, or nothing")
        else:
            user = session.get_one(User, current_user.id)
            user.is_mail_opted_out = request.form.get("reminders") != "on"
            user.mobile = mobile or None
            user.notify_channels = [c for c in offered if c in request.form.getlist("channels")]
            session.add(user)
            session.commit()
            flash(_("Your mail settings were saved."), "success")
            return redirect(url_for("reminders.notifications"))
    user = session.get_one(User, current_user.id)
    page = render_template(
        "reminders/notifications.html",
        is_leader=current_user.role == Role.LEADER,
        person=user,
        channels_offered=offered,
        errors=errors,
    )
    return page, 422 if errors else 200


@bp.get("/notifications")
@login_required
def inbox_page() -> ResponseReturnValue:
    session = get_session()
    unread_only = request.args.get("unread") == "1"
    before = request.args.get("before", type=int)
    items = inbox.notices(
        session,
        current_user,
        active_workflow(),
        g.locale,
        before=before,
        limit=inbox.PAGE_SIZE + 1,
        unread_only=unread_only,
    )
    more = len(items) > inbox.PAGE_SIZE
    items = items[: inbox.PAGE_SIZE]
    return render_template(
        "reminders/inbox.html",
        items=items,
        unread_only=unread_only,
        next_before=items[-1].id if more and items else None,
    )


@bp.post("/notifications/read")
@login_required
def inbox_read() -> ResponseReturnValue:
    """Mark the listed notices read (`ids`), or all of them (`all`)."""
    session = get_session()
    ids = None if request.form.get("all") else request.form.getlist("ids", type=int)
    marked = inbox.mark_read(session, current_user, ids, utcnow())
    session.commit()
    if ids is None:
        flash(_("%(count)s notices marked read.", count=marked), "success")
    return redirect(url_for("reminders.inbox_page", unread=request.form.get("unread") or None))


@bp.post("/notifications/<int:notice_id>/open")
@login_required
def inbox_open(notice_id: int) -> ResponseReturnValue:
    """Mark one notice read and go to its ticket (back to the list if it names none)."""
    session = get_session()
    inbox.mark_read(session, current_user, [notice_id], utcnow())
    ticket_id = inbox.ticket_of(session, current_user, notice_id)
    session.commit()
    if ticket_id is None:
        return redirect(url_for("reminders.inbox_page"))
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))
