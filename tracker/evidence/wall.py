"""A round's photo wall: every visible finding of an inspection round with its before- and
after-photos, filterable by township and by flag, a page at a time.

A round holds hundreds of findings, not millions: the flags of all its photographed findings
are worked out in one batch (a fixed number of queries), then filtered and paged in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from tracker.evidence.flags import EvidenceFlags, Flag, FlagRules, flags_for_tickets
from tracker.evidence.models import Attachment, Purpose
from tracker.inspections.models import Inspection
from tracker.org.models import Unit, UnitKind, User
from tracker.org.service import scope_units, subtree_ids
from tracker.tickets.models import Ticket
from tracker.tickets.scope import visibility_condition

PAGE_SIZE = 20
# What the wall shows: the before- and after-photos (images, not documents).
_WALL_PHOTO = (
    col(Attachment.purpose).in_([Purpose.BEFORE, Purpose.AFTER]),
    col(Attachment.content_type).startswith("image/"),
)


@dataclass(frozen=True)
class WallItem:
    ticket: Ticket
    befores: list[Attachment]
    afters: list[Attachment]


@dataclass(frozen=True)
class Wall:
    items: list[WallItem]
    found: EvidenceFlags
    total: int
    page: int
    pages: int
    townships: list[Unit]

    def flags(self, attachment: Attachment) -> list[Flag]:
        return self.found.flags.get(attachment.id, [])


def townships_for(session: Session, user: User) -> list[Unit]:
    """The townships a user may filter by: all, or those within their scope."""
    query = select(Unit).where(Unit.kind == UnitKind.TOWNSHIP, Unit.is_active)
    roots = scope_units(session, user)
    if roots is not None:
        query = query.where(col(Unit.id).in_(subtree_ids(roots)))
    return list(session.exec(query.order_by(Unit.path)))


def _in_township(session: Session, township: Unit) -> ColumnElement[bool]:
    units = list(session.exec(subtree_ids([township])))
    return or_(col(Ticket.responsible_unit_id).in_(units), col(Ticket.location_unit_id).in_(units))


def build_wall(
    session: Session,
    user: User,
    inspection: Inspection,
    rules: FlagRules,
    *,
    township: Unit | None = None,
    flag: Flag | None = None,
    page: int = 1,
) -> Wall:
    """The round's photographed findings `user` may see, newest code last, filtered."""
    query = (
        select(Ticket)
        .where(Ticket.inspection_id == inspection.id, visibility_condition(session, user))
        .where(col(Ticket.id).in_(select(Attachment.ticket_id).where(*_WALL_PHOTO)))
        .order_by(Ticket.code)
    )
    if township is not None:
        query = query.where(_in_township(session, township))
    tickets = list(session.exec(query))
    photos = _photos_of(session, [t.id for t in tickets])
    found = flags_for_tickets(session, user, tickets, photos, rules)
    by_ticket: dict[int, list[Attachment]] = {}
    for a in photos:
        by_ticket.setdefault(a.ticket_id, []).append(a)
    if flag is not None:
        flagged = {a.ticket_id for a in photos if flag in found.flags.get(a.id, [])}
        tickets = [t for t in tickets if t.id in flagged]
    pages = max(1, -(-len(tickets) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = tickets[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    items = [
        WallItem(
            t,
            [a for a in by_ticket[t.id] if a.purpose == Purpose.BEFORE],
            [a for a in by_ticket[t.id] if a.purpose == Purpose.AFTER],
        )
        for t in shown
    ]
    return Wall(items, found, len(tickets), page, pages, townships_for(session, user))


def _photos_of(session: Session, ticket_ids: Sequence[int]) -> list[Attachment]:
    if not ticket_ids:
        return []
    return list(
        session.exec(
            select(Attachment)
            .where(col(Attachment.ticket_id).in_(ticket_ids), *_WALL_PHOTO)
            .order_by(col(Attachment.id))
        )
    )
