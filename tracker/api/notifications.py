"""The caller's in-app notices: `GET /notifications`, `POST /notifications/read`,
`POST /notifications/{id}/read` (the same service as the bell and /notifications)."""

from __future__ import annotations

from flask import g
from flask.typing import ResponseReturnValue

from tracker.api.auth import api_user
from tracker.api.blueprint import bp, respond
from tracker.api.inputs import body, query
from tracker.api.present import from_row
from tracker.api.schemas import (
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    NotificationRead,
    NotificationReadOut,
    NotificationTicket,
)
from tracker.core.clock import utcnow
from tracker.core.db import get_session
from tracker.reminders import inbox
from tracker.workflow.registry import active_workflow


@bp.get("/notifications")
def notifications() -> ResponseReturnValue:
    params = query(NotificationQuery)
    session, user = get_session(), api_user()
    size = params.per_page or inbox.PAGE_SIZE
    items = inbox.notices(
        session,
        user,
        active_workflow(),
        g.locale,
        before=params.before,
        limit=size + 1,
        unread_only=params.unread == "1",
    )
    more = len(items) > size
    items = items[:size]
    return respond(
        NotificationPage(
            items=[
                from_row(
                    NotificationOut,
                    n,
                    ticket=NotificationTicket(
                        id=n.ticket_id, code=n.ticket_code, title=n.ticket_title
                    )
                    if n.ticket_id
                    else None,
                )
                for n in items
            ],
            unread=inbox.unread_count(session, user),
            next_before=items[-1].id if more and items else None,
        )
    )


def _marked(ids: list[int] | None) -> ResponseReturnValue:
    session, user = get_session(), api_user()
    marked = inbox.mark_read(session, user, ids, utcnow())
    session.commit()
    return respond(NotificationReadOut(marked=marked, unread=inbox.unread_count(session, user)))


@bp.post("/notifications/read")
def notifications_read() -> ResponseReturnValue:
    data = body(NotificationRead)
    return _marked(None if data.all else data.ids)


@bp.post("/notifications/<int:notice_id>/read")
def notification_read(notice_id: int) -> ResponseReturnValue:
    return _marked([notice_id])
