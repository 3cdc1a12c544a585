"""Check every ticket's history against its keyed chain, its row and its files.

For each ticket, in id order, streaming (memory for one event at a time on millions of rows):
- each event's `prev_hash` is its predecessor's MAC (an event removed or inserted breaks it);
- each event's MAC matches its content under AUDIT_KEY or one of AUDIT_PREVIOUS_KEYS (an
  edited event; a chain recomputed without the key);
- the last event and the count match the head kept on the ticket row, and the row's seal
  matches that head and the row's `state`, `deadline` and `version` (the last event, or the
  whole history, deleted; the row's state or deadline edited in SQL);
- replaying the history gives the row's state (the last event that moved it);
- each file an event added still has its row and its content (SHA-256) (a file replaced).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Row, Select, select, update
from sqlmodel import Session, col

from tracker.core.modelbase import table_of
from tracker.evidence import storage
from tracker.evidence.models import Attachment
from tracker.tickets.chain import (
    AuditKeys,
    current_keys,
    event_fields,
    event_mac,
    head_seal,
    matches,
)
from tracker.tickets.models import Ticket, TicketEvent

_TICKET = table_of(Ticket)


class BreakKind(StrEnum):
    LINK = "link"  # prev_hash is not the predecessor's MAC
    CONTENT = "content"  # MAC does not match the content under any key
    HEAD = "head"  # the history does not end where the ticket row's head says
    SEAL = "seal"  # the ticket row (state, deadline, version, head) was changed outside the app
    REPLAY = "replay"  # the history does not lead to the row's state
    ATTACHMENT = "attachment"  # a file an event added is missing or its content changed


REASONS = {
    BreakKind.LINK: "does not follow its predecessor "
    "(prev_hash mismatch: an event was removed, inserted or altered)",
    BreakKind.CONTENT: "was altered after it was written (its content no longer matches its MAC)",
    BreakKind.HEAD: "does not end where the ticket's head says "
    "(events at the end, or the whole history, were deleted or added)",
    BreakKind.SEAL: "the ticket row was changed outside the application (state, deadline or "
    "version no longer match its seal)",
    BreakKind.REPLAY: "the history does not lead to the ticket's state",
    BreakKind.ATTACHMENT: "added a file whose row or content has changed",
}


@dataclass(frozen=True)
class Break:
    """The first break found in one ticket's history."""

    ticket_id: int
    event_id: int | None
    kind: BreakKind
    detail: str = ""

    @property
    def reason(self) -> str:
        return REASONS[self.kind] + (f": {self.detail}" if self.detail else "")

    def describe(self) -> str:
        where = f"event {self.event_id}" if self.event_id else "history"
        return f"ticket {self.ticket_id}: {where} {self.reason} [{self.kind}]"


@dataclass
class AuditResult:
    tickets: int = 0
    events: int = 0
    files: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def _stream(session: Session, query: Select[Any], batch: int) -> Iterator[Row[Any]]:
    yield from session.execute(query.execution_options(yield_per=batch))


class _FileCheck:
    """Compare the files events added with their rows and the stored bytes."""

    def __init__(self, session: Session, upload_dir: str | None) -> None:
        self.session = session
        self.upload_dir = upload_dir

    def problem(self, event: TicketEvent) -> str | None:
        for item in (event.data or {}).get("files", []):
            attachment = self.session.get(Attachment, item["id"])
            if attachment is None:
                return f"attachment {item['id']} was deleted"
            if attachment.sha256 != item["sha256"]:
                return f"attachment {item['id']} row no longer matches"
            if self.upload_dir is not None:
                path = Path(storage.file_path(self.upload_dir, attachment.stored_name))
                if not path.is_file():
                    return f"attachment {item['id']} file is missing"
                if _sha256(path) != item["sha256"]:
                    return f"attachment {item['id']} file was replaced"
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_chain(
    session: Session,
    keys: AuditKeys | None = None,
    *,
    upload_dir: str | None = None,
    batch: int = 5000,
    limit: int = 100,
) -> AuditResult:
    """Walk every ticket's history; report the first break of each broken ticket.

    `keys`: the app's (AUDIT_KEY, AUDIT_PREVIOUS_KEYS) by default. `upload_dir`: also read each
    file an event added (None: check the rows only).
    """
    keys = keys or current_keys()
    result = AuditResult()
    files = _FileCheck(session, upload_dir)
    tickets = _stream(
        session,
        select(
            _TICKET.c.id,
            _TICKET.c.state,
            _TICKET.c.deadline,
            _TICKET.c.version,
            _TICKET.c.history_count,
            _TICKET.c.history_head,
            _TICKET.c.history_seal,
        ).order_by(_TICKET.c.id),
        batch,
    )
    events = _stream(
        session,
        select(TicketEvent).order_by(col(TicketEvent.ticket_id), col(TicketEvent.id)),
        batch,
    )
    pending = next(events, None)
    for ticket in tickets:
        result.tickets += 1
        history: list[TicketEvent] = []
        while pending is not None and pending[0].ticket_id <= ticket.id:
            if pending[0].ticket_id == ticket.id:
                history.append(pending[0])
            pending = next(events, None)
        result.events += len(history)
        found = _check_ticket(ticket, history, keys, files, result)
        if found is not None:
            result.breaks.append(found)
            if len(result.breaks) >= limit:
                break
    return result


def _check_ticket(
    ticket: Row[Any],
    history: list[TicketEvent],
    keys: AuditKeys,
    files: _FileCheck,
    result: AuditResult,
) -> Break | None:
    previous = ""
    state = None
    for event in history:
        if event.prev_hash != previous:
            return Break(ticket.id, event.id, BreakKind.LINK)
        if not matches(keys.all, event.hash, event_mac, event_fields(event)):
            return Break(ticket.id, event.id, BreakKind.CONTENT)
        problem = files.problem(event)
        if (event.data or {}).get("files"):
            result.files += len(event.data["files"])
        if problem:
            return Break(ticket.id, event.id, BreakKind.ATTACHMENT, problem)
        state = event.to_state or state
        previous = event.hash
    last = history[-1].id if history else None
    if len(history) != ticket.history_count or previous != ticket.history_head:
        detail = f"{len(history)} of {ticket.history_count} events"
        return Break(ticket.id, last, BreakKind.HEAD, detail)
    sealed = matches(
        keys.all,
        ticket.history_seal or "",
        head_seal,
        ticket.id,
        len(history),
        previous,
        ticket.state,
        ticket.deadline,
        ticket.version,
    )
    if not sealed:
        return Break(ticket.id, None, BreakKind.SEAL)
    if state != ticket.state:
        return Break(ticket.id, last, BreakKind.REPLAY, f"{state} ≠ {ticket.state}")
    return None


def rekey(session: Session, key: bytes, *, batch: int = 5000) -> int:
    """Re-MAC every event and re-seal every ticket under `key`; the number of events.

    The caller verified the history first (under the current or a previous key) and commits.
    On SQLite the caller's transaction holds the write lock; on PostgreSQL each ticket's row is
    locked while its chain is rewritten.
    """
    rewritten = 0
    ticket_ids = list(session.execute(select(_TICKET.c.id).order_by(_TICKET.c.id)).scalars())
    for start in range(0, len(ticket_ids), batch):
        chunk = ticket_ids[start : start + batch]
        tickets = session.execute(
            select(_TICKET.c.id, _TICKET.c.state, _TICKET.c.deadline, _TICKET.c.version)
            .where(_TICKET.c.id.in_(chunk))
            .with_for_update()
        ).all()
        events = session.execute(
            select(TicketEvent)
            .where(col(TicketEvent.ticket_id).in_(chunk))
            .order_by(col(TicketEvent.ticket_id), col(TicketEvent.id))
        ).scalars()
        heads: dict[int, tuple[int, str]] = {}
        for event in events:
            count, previous = heads.get(event.ticket_id, (0, ""))
            event.prev_hash = previous
            event.hash = event_mac(key, event_fields(event))
            heads[event.ticket_id] = (count + 1, event.hash)
            rewritten += 1
        session.flush()
        for ticket in tickets:
            count, head = heads.get(ticket.id, (0, ""))
            session.execute(
                update(_TICKET)
                .where(_TICKET.c.id == ticket.id)
                .values(
                    history_count=count,
                    history_head=head,
                    history_seal=head_seal(
                        key, ticket.id, count, head, ticket.state, ticket.deadline, ticket.version
                    ),
                )
            )
        session.expunge_all()
    return rewritten
