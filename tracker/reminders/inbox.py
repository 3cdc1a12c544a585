"""In-app notices: the outbox's items, as the bell and /notifications show them.

Every reminder, escalation, digest and event notice planned for a person is one outbox item
(`outbox.enqueue_rows`); whatever channel later carries it, the same item is the person's notice
in the app, from the moment it is planned. Only the recipient sees their notices, and a notice
names its ticket only while the person may still see that ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, text, update
from sqlmodel import Session, col, select

from tracker.auth.tokens import write_briefly
from tracker.core.db import get_engine
from tracker.core.errors import NotFound
from tracker.core.i18n import service_gettext as _
from tracker.org.models import User
from tracker.reminders.messages import TicketView, subject_for
from tracker.reminders.models import NOTICE_SQL, UNREAD_KEY, UNREAD_SQL, OutboxMessage, Rule
from tracker.tickets.models import Ticket
from tracker.tickets.scope import visibility_condition, visible_tickets
from tracker.workflow.definition import WorkflowDefinition

MAX_PAGE = 100
PAGE_SIZE = 30  # notices on one page of /notifications
DIGEST_RULES = frozenset({Rule.CADRE_DIGEST, Rule.LEADER_DIGEST})


@dataclass(frozen=True)
class Notice:
    """One notice as shown: its text in the reader's language and the ticket it is about."""

    id: int
    rule: str
    text: str
    created_at: datetime
    read_at: datetime | None
    ticket_id: int | None  # None for a digest, or a ticket the reader may no longer see
    ticket_code: str
    ticket_title: str
    count: int  # tickets a digest lists; 1 otherwise

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def unread_count(session: Session, user: User, except_ticket: int | None = None) -> int:
    """The bell's figure: as read with the signed-in user (`UNREAD_KEY`, tracker/auth/sessions.py),
    else one count over the partial index `ix_outbox_message_unread`.

    `except_ticket`: the ticket whose notices this request made read, in a transaction of its
    own that SQLite's snapshot of the request does not see (nor the count read with the user)."""
    noted = session.info.get(UNREAD_KEY)
    if except_ticket is None and noted is not None and noted[0] == user.id:
        return int(noted[1])
    stmt = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.recipient_id == user.id, text(UNREAD_SQL))
    )
    if except_ticket is not None:
        stmt = stmt.where(
            or_(
                col(OutboxMessage.ticket_id).is_(None),
                col(OutboxMessage.ticket_id) != except_ticket,
            )
        )
    return session.exec(stmt).one()


def notices(
    session: Session,
    user: User,
    workflow: WorkflowDefinition,
    locale: str,
    before: int | None = None,
    limit: int = 30,
    unread_only: bool = False,
) -> list[Notice]:
    """The person's notices, newest first; `before` (an id) pages back."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.recipient_id == user.id, text(UNREAD_SQL if unread_only else NOTICE_SQL)
    )
    if before is not None:
        stmt = stmt.where(col(OutboxMessage.id) < before)
    rows = session.exec(
        stmt.order_by(col(OutboxMessage.id).desc()).limit(max(1, min(limit, MAX_PAGE)))
    ).all()
    ticket_ids = {row.ticket_id for row in rows if row.ticket_id}
    visible: dict[int, tuple[str, str]] = {}
    if ticket_ids:
        visible = {
            tid: (code, title)
            for tid, code, title in session.exec(
                select(Ticket.id, Ticket.code, Ticket.title).where(
                    col(Ticket.id).in_(ticket_ids), visibility_condition(session, user)
                )
            )
        }
    return [_notice(row, visible, workflow, locale) for row in rows]


def _notice(
    row: OutboxMessage,
    visible: dict[int, tuple[str, str]],
    workflow: WorkflowDefinition,
    locale: str,
) -> Notice:
    payload = dict(row.payload)
    code, title = visible.get(row.ticket_id or 0, ("", ""))
    count = int(payload.get("total", 1)) if row.rule in DIGEST_RULES else 1
    view = None
    if row.rule not in DIGEST_RULES:
        days = payload.get("days")
        view = TicketView(
            id=row.ticket_id or 0,
            code=code or "—",
            title=title,
            unit="",
            deadline=row.deadline.isoformat() if row.deadline else "",
            days_left=int(days) if days is not None else None,
            link="",
        )
    transition = workflow.transition(payload["transition"]) if payload.get("transition") else None
    if transition:
        payload["action"] = transition.label(locale)
    return Notice(
        id=row.id,
        rule=row.rule,
        text=str(subject_for(row.rule, payload, view, count)),
        created_at=row.created_at,
        read_at=row.read_at,
        ticket_id=row.ticket_id if code else None,
        ticket_code=code,
        ticket_title=title,
        count=count,
    )


def mark_read(session: Session, user: User, ids: Sequence[int] | None, now: datetime) -> int:
    """Mark the person's notices `ids` (all of them when None) read; return how many changed.

    Ids of other people's notices are ignored, as unknown ones are. The caller commits."""
    session.info.pop(UNREAD_KEY, None)
    stmt = (
        update(OutboxMessage)
        .where(col(OutboxMessage.recipient_id) == user.id, text(UNREAD_SQL))
        .values(read_at=now)
    )
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(col(OutboxMessage.id).in_(list(ids)))
    return session.exec(stmt).rowcount


def open_ticket(session: Session, user: User, ticket_id: int, now: datetime) -> tuple[Ticket, int]:
    """The ticket `user` opens (NotFound if out of their sight), and how many of their unread
    notices about it this made read.

    Whether any is unread comes with the ticket, in the same statement, so that opening a
    ticket with nothing unread costs nothing more. Opening it is a GET, read through the
    reader's session (on PostgreSQL without a transaction): the marking is a short transaction
    of its own (`write_briefly`), made only when there is something to mark."""
    theirs = (col(OutboxMessage.recipient_id) == user.id, text(UNREAD_SQL))
    unread = exists().where(*theirs, col(OutboxMessage.ticket_id) == Ticket.id)
    found = session.execute(
        visible_tickets(session, user).where(Ticket.id == ticket_id).add_columns(unread)
    ).first()
    if found is None:
        raise NotFound(_("ticket not found"))
    ticket, has_unread = found
    if not has_unread:
        return ticket, 0
    statement = (
        update(OutboxMessage)
        .where(*theirs, col(OutboxMessage.ticket_id) == ticket_id)
        .values(read_at=now)
    )
    return ticket, write_briefly(get_engine(), statement, f"notices of ticket {ticket_id}: read")


def ticket_of(session: Session, user: User, notice_id: int) -> int | None:
    """The ticket a person's notice is about, if it is theirs and the ticket is visible."""
    return session.exec(
        select(Ticket.id)
        .join(OutboxMessage, col(OutboxMessage.ticket_id) == Ticket.id)
        .where(
            OutboxMessage.id == notice_id,
            OutboxMessage.recipient_id == user.id,
            visibility_condition(session, user),
        )
    ).first()
