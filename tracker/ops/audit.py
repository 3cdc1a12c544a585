"""Check the ticket history's hash chain: each event names its predecessor's hash and its own.

An event is broken when its stored hash differs from the digest of its content (an edited
comment, actor, time...) or when its `prev_hash` is not the hash of the ticket's previous event
(an event deleted or inserted). The walk streams events in (ticket, id) order, so it needs memory
for one event at a time even on millions of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, select

from tracker.tickets.history import event_digest
from tracker.tickets.models import TicketEvent


@dataclass(frozen=True)
class Break:
    """The first broken event of one ticket's history."""

    ticket_id: int
    event_id: int
    reason: str

    def describe(self) -> str:
        return f"ticket {self.ticket_id}: event {self.event_id} {self.reason}"


@dataclass
class AuditResult:
    tickets: int = 0
    events: int = 0
    breaks: list[Break] | None = None

    @property
    def ok(self) -> bool:
        return not self.breaks


def _events(session: Session, batch: int) -> Iterator[TicketEvent]:
    query = select(TicketEvent).order_by(TicketEvent.ticket_id, TicketEvent.id)
    yield from session.exec(query.execution_options(yield_per=batch))


def verify_chain(session: Session, *, batch: int = 5000, limit: int = 100) -> AuditResult:
    """Walk every ticket's chain; report the first broken event of each broken ticket."""
    result = AuditResult(breaks=[])
    breaks: list[Break] = result.breaks  # type: ignore[assignment]
    current: int | None = None
    previous_hash = ""
    broken = False
    for event in _events(session, batch):
        result.events += 1
        if event.ticket_id != current:
            current, previous_hash, broken = event.ticket_id, "", False
            result.tickets += 1
        if broken:
            continue
        reason = None
        if event.prev_hash != previous_hash:
            reason = (
                "does not follow its predecessor "
                "(prev_hash mismatch: an event was removed, inserted or altered)"
            )
        elif event.hash != event_digest(event):
            reason = "was altered after it was written (its content no longer matches its hash)"
        if reason:
            broken = True
            breaks.append(Break(event.ticket_id, event.id or 0, reason))
            if len(breaks) >= limit:
                break
        previous_hash = event.hash
    return result
