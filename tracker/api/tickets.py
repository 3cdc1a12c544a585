"""Ticket endpoints: list, file, read, edit, transitions, history, comments."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import Session

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, page_size, respond
from tracker.api.errors import ApiError
from tracker.api.inputs import body, json_object, query, version_from
from tracker.api.present import events_out, from_row, tickets_out
from tracker.api.schemas import (
    ID_MAX,
    CommentIn,
    EventList,
    EventQuery,
    TicketPage,
    TicketPatch,
    TicketQuery,
    TransitionRequest,
)
from tracker.core.clock import utcnow
from tracker.core.config import get_settings
from tracker.core.db import get_session
from tracker.core.errors import NotFound, ValidationFailed
from tracker.evidence import service as evidence
from tracker.evidence.models import Purpose
from tracker.reminders import inbox
from tracker.tickets import service
from tracker.tickets.models import Ticket
from tracker.tickets.queries import (
    count_cap,
    deepest_offset,
    paginate,
    parse_filter,
    scoped_query,
)
from tracker.tickets.schemas import TicketCreate, validate
from tracker.tickets.scope import get_visible_ticket
from tracker.tickets.timeline import events_page
from tracker.workflow.registry import active_workflow


def _settings() -> service.Settings:
    return service.Settings.of(get_settings())


def visible_ticket(ticket_id: int, opened: bool = False) -> Ticket:
    """The caller's ticket, or 404 (also for another unit's ticket and for absurd ids);
    `opened`: the caller reads it, and their unread notices about it become read."""
    if not 1 <= ticket_id <= ID_MAX:
        raise NotFound(_("ticket not found"))
    if opened:
        return inbox.open_ticket(get_session(), api_user(), ticket_id, utcnow())[0]
    return get_visible_ticket(get_session(), api_user(), ticket_id)


def _ticket_response(ticket: Ticket, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    (item,) = tickets_out(session, [ticket], api_user(), active_workflow(), utcnow())
    return respond(item, status, {"ETag": f'"{ticket.version}"'})


@bp.get("/tickets")
def list_tickets() -> ResponseReturnValue:
    session, user, workflow = get_session(), api_user(), active_workflow()
    params = query(TicketQuery)
    flt = parse_filter(request.args, workflow)
    config = current_app.config
    now = utcnow()
    tickets = scoped_query(
        session, user, flt, workflow, now, config["TIMEZONE"], config["AMBER_DAYS"]
    )
    if params.cursor is not None and "page" in request.args:
        message = _("give either page or cursor")
        raise ValidationFailed(message, {"cursor": message})
    page = paginate(
        session,
        tickets,
        flt.sort,
        params.page,
        page_size(params.per_page),
        count_cap=count_cap(flt, config["LIST_COUNT_CAP"], config["LIST_FILTERED_COUNT_CAP"]),
        cursor=params.cursor,
        max_offset=deepest_offset(config),
    )
    return respond(
        from_row(TicketPage, page, items=tickets_out(session, page.items, user, workflow, now))
    )


@bp.post("/tickets")
def create_ticket() -> ResponseReturnValue:
    """File a finding from a JSON body, or from multipart/form-data: the same JSON in the part
    `ticket` and photos of the problem in `files` (stored as before-photos, with the finding)."""
    session, user, config, now = get_session(), api_user(), current_app.config, utcnow()
    files = []
    if request.mimetype == "multipart/form-data":
        data = validate(TicketCreate, json_object(request.form.get("ticket", "")))
        files = request.files.getlist("files")
    else:
        data = body(TicketCreate)
    workflow = active_workflow()
    ticket = service.file_ticket(session, user, data, workflow, now, _settings())
    try:
        uploads = evidence.store_many(
            session, ticket, user, files, Purpose.BEFORE, now, config, workflow
        )
        if uploads.added:
            evidence.record_uploads(session, ticket, user, uploads.added, now)
        session.commit()  # the photos take their names now; a failure before deletes them
    except evidence.FileTooLarge as error:
        session.rollback()
        raise ApiError(413, "payload_too_large", error.message, error.fields) from error
    return _ticket_response(ticket, 201)


@bp.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int) -> ResponseReturnValue:
    """One ticket; the caller's unread notices about it become read, as on its page."""
    return _ticket_response(visible_ticket(ticket_id, opened=True))


Versioned = TypeVar("Versioned", TicketPatch, TransitionRequest)
Change = Callable[[Session, Ticket, Versioned, int], object]


def _versioned_change(
    schema: type[Versioned],
) -> Callable[[Change[Versioned]], Callable[[int], ResponseReturnValue]]:
    """A view that changes a ticket from a body carrying the version the client read.

    It reads the ticket (404 before the body is looked at), the body and the version, lets the
    decorated function make the change, commits, and answers the ticket with its new ETag."""

    def decorate(change: Change[Versioned]) -> Callable[[int], ResponseReturnValue]:
        @wraps(change)
        def view(ticket_id: int) -> ResponseReturnValue:
            session = get_session()
            ticket = visible_ticket(ticket_id)
            data = body(schema)
            change(session, ticket, data, version_from(data.version))
            session.commit()
            return _ticket_response(ticket)

        return view

    return decorate


@bp.patch("/tickets/<int:ticket_id>")
@_versioned_change(TicketPatch)
def patch_ticket(session: Session, ticket: Ticket, data: TicketPatch, expected: int) -> None:
    service.update_ticket(session, ticket, api_user(), data, expected, utcnow(), _settings())


@bp.post("/tickets/<int:ticket_id>/transitions")
@_versioned_change(TransitionRequest)
def transition_ticket(
    session: Session, ticket: Ticket, data: TransitionRequest, expected: int
) -> None:
    service.apply_transition(
        session, ticket, api_user(), data, expected, active_workflow(), utcnow(), _settings()
    )


@bp.get("/tickets/<int:ticket_id>/events")
def ticket_events(ticket_id: int) -> ResponseReturnValue:
    """A page of the history, oldest first unless `order=desc`, continued with `cursor`."""
    session = get_session()
    ticket = visible_ticket(ticket_id)
    params = query(EventQuery)
    cursor = params.cursor or ""
    if cursor and not (cursor.isascii() and cursor.isdigit() and int(cursor) <= ID_MAX):
        message = _("invalid cursor")
        raise ValidationFailed(message, {"cursor": message})
    after = int(cursor) if cursor else None
    per_page = min(
        params.per_page or current_app.config["HISTORY_PAGE_SIZE"],
        current_app.config["MAX_PAGE_SIZE"],
    )
    page = events_page(session, ticket.id, per_page, after=after, order=params.order)
    next_cursor = str(page.items[-1].id) if page.has_more else None
    return respond(
        EventList(items=events_out(session, page.items), per_page=per_page, next_cursor=next_cursor)
    )


@bp.post("/tickets/<int:ticket_id>/comments")
def comment_ticket(ticket_id: int) -> ResponseReturnValue:
    session = get_session()
    ticket = visible_ticket(ticket_id)
    data = body(CommentIn)
    event = service.add_comment(session, ticket, api_user(), data.comment, utcnow())
    session.commit()
    (item,) = events_out(session, [event])
    return respond(item, 201)
