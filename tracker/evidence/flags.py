"""Flags for the inspector: reasons to look twice at a photo, never a refusal.

`photo_flags` is the rule (pure); `flags_for_tickets` gathers what it needs for any number of
tickets in a fixed number of queries, as the viewer may see it (a copy on a finding beyond the
viewer's scope raises no flag for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from tracker.evidence import places
from tracker.evidence.duplicates import Similar, visible_similar
from tracker.evidence.exif import Position
from tracker.evidence.fingerprint import SAME_SHOT_MAX_DISTANCE
from tracker.evidence.models import Attachment, Purpose
from tracker.org.models import User
from tracker.tickets.models import EventKind, Ticket, TicketEvent
from tracker.workflow.definition import WorkflowDefinition

DEFAULT_MAX_DISTANCE_M = 500


class Flag(StrEnum):
    TAKEN_BEFORE_FILING = "taken_before_filing"
    TAKEN_BEFORE_ACCEPTANCE = "taken_before_acceptance"
    NO_CAPTURE_TIME = "no_capture_time"
    FAR_FROM_PLACE = "far_from_place"
    REUSED = "reused"


FLAG_LABELS = {
    Flag.TAKEN_BEFORE_FILING: _l("After-photo taken before the finding was filed"),
    Flag.TAKEN_BEFORE_ACCEPTANCE: _l("After-photo taken before the unit accepted the finding"),
    Flag.NO_CAPTURE_TIME: _l("No capture time in the photo"),
    Flag.FAR_FROM_PLACE: _l("Taken far from the finding's place"),
    Flag.REUSED: _l("The same picture is attached elsewhere"),
}


def flag_label(code: str) -> str:
    """The flag's words in the current language (the code itself for an unknown one)."""
    try:
        return str(FLAG_LABELS[Flag(code)])
    except ValueError:
        return code


@dataclass(frozen=True)
class TicketFacts:
    """What the flags of one ticket's photos are judged against."""

    filed_at: datetime
    accepted_at: datetime | None = None
    place: Position | None = None


def photo_flags(
    attachment: Attachment,
    ticket_id: int,
    facts: TicketFacts,
    similar: Sequence[Similar],
    max_distance_m: float,
) -> list[Flag]:
    """The flags of one photo (documents have none)."""
    if not attachment.is_image:
        return []
    flags: list[Flag] = []
    taken = attachment.taken_at
    if taken is None:
        flags.append(Flag.NO_CAPTURE_TIME)
    elif attachment.purpose == Purpose.AFTER:
        if taken < facts.filed_at:
            flags.append(Flag.TAKEN_BEFORE_FILING)
        elif facts.accepted_at is not None and taken < facts.accepted_at:
            flags.append(Flag.TAKEN_BEFORE_ACCEPTANCE)
    position = places.attachment_position(attachment)
    if position and facts.place and places.distance_m(position, facts.place) > max_distance_m:
        flags.append(Flag.FAR_FROM_PLACE)
    if any(_is_reuse(s, ticket_id, attachment.purpose) for s in similar):
        flags.append(Flag.REUSED)
    return flags


def _is_reuse(copy: Similar, ticket_id: int, purpose: str) -> bool:
    """Another finding's photo, or this finding's before-photo shot offered as its after-photo
    (a new photo from the same spot is what a before/after pair should be: not a reuse)."""
    if copy.ticket_id != ticket_id:
        return True
    return copy.purpose != purpose and copy.distance <= SAME_SHOT_MAX_DISTANCE


@dataclass(frozen=True)
class FlagRules:
    """What flags are judged by (read from the workflow and app.config by the caller)."""

    initial_state: str  # leaving it is the unit's acceptance (签收)
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M

    @classmethod
    def of(cls, workflow: WorkflowDefinition, config: Mapping[str, Any]) -> FlagRules:
        evidence = config.get("EVIDENCE", {})
        return cls(workflow.initial, float(evidence.get("MAX_DISTANCE_M", DEFAULT_MAX_DISTANCE_M)))


def acceptance_times(
    session: Session, ticket_ids: Sequence[int], initial: str
) -> dict[int, datetime]:
    """When each ticket first left the workflow's `initial` state (签收: the unit accepted it)."""
    if not ticket_ids:
        return {}
    rows = session.exec(
        select(TicketEvent.ticket_id, func.min(TicketEvent.created_at))
        .where(
            col(TicketEvent.ticket_id).in_(ticket_ids),
            TicketEvent.kind == EventKind.TRANSITION,
            TicketEvent.from_state == initial,
            TicketEvent.to_state != initial,
        )
        .group_by(col(TicketEvent.ticket_id))
    ).all()
    return dict(rows)


@dataclass
class EvidenceFlags:
    """Flags and visible copies of the photos of some tickets, by attachment id."""

    flags: dict[int, list[Flag]] = field(default_factory=dict)
    similar: dict[int, list[Similar]] = field(default_factory=dict)
    places: dict[int, Position] = field(default_factory=dict)

    def count_by_ticket(self, attachments: Iterable[Attachment]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for a in attachments:
            if self.flags.get(a.id):
                counts[a.ticket_id] = counts.get(a.ticket_id, 0) + len(self.flags[a.id])
        return counts


def flags_for_tickets(
    session: Session,
    user: User,
    tickets: Sequence[Ticket],
    attachments: Sequence[Attachment],
    rules: FlagRules,
) -> EvidenceFlags:
    """The flags of `attachments` (files of `tickets`), as `user` may see their copies."""
    ticket_places = places.ticket_places(session, tickets)
    accepted = acceptance_times(session, [t.id for t in tickets], rules.initial_state)
    images = [a for a in attachments if a.is_image]
    similar = visible_similar(session, user, [a.id for a in images])
    by_id = {t.id: t for t in tickets}
    flags = {}
    for a in images:
        ticket = by_id[a.ticket_id]
        facts = TicketFacts(
            ticket.created_at, accepted.get(ticket.id), ticket_places.get(ticket.id)
        )
        flags[a.id] = photo_flags(a, ticket.id, facts, similar.get(a.id, []), rules.max_distance_m)
    return EvidenceFlags(flags, similar, ticket_places)


def _photos_of(session: Session, tickets: Sequence[Ticket]) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment)
            .where(
                col(Attachment.ticket_id).in_([t.id for t in tickets]),
                Attachment.content_type.startswith("image/"),
            )
            .order_by(col(Attachment.id))
        )
    )


def flag_counts(
    session: Session, user: User, tickets: Sequence[Ticket], rules: FlagRules
) -> dict[int, int]:
    """Number of flags on each ticket's photos (tickets with none are absent), for a page of
    queue or list cards in a fixed number of queries, however many cards it has."""
    if not tickets:
        return {}
    attachments = _photos_of(session, tickets)
    if not attachments:
        return {}
    found = flags_for_tickets(session, user, tickets, attachments, rules)
    return found.count_by_ticket(attachments)


def flags_on_record(
    session: Session, user: User, ticket: Ticket, rules: FlagRules
) -> list[dict[str, Any]]:
    """The flagged photos of `ticket` as `user` sees them, for the history entry of a
    verification taken despite them: `[{"id", "name", "flags": [codes]}]` (empty: none)."""
    attachments = _photos_of(session, [ticket])
    found = flags_for_tickets(session, user, [ticket], attachments, rules)
    return [
        {"id": a.id, "name": a.original_name, "flags": [str(f) for f in found.flags[a.id]]}
        for a in attachments
        if found.flags.get(a.id)
    ]
