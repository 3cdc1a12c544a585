"""A short-lived cache of the dashboard's aggregate rows, invalidated by any change to the data.

Why: at 10^6 tickets every aggregate is a scan of the whole scope (a second or more on two
cores, see bench/RESULTS.md), while leaders reload the same dashboard many times between two
changes. Only the raw aggregate rows are cached, keyed by what the SQL depends on — the
viewer's scope (the paths of the units in their charge, not their id: a changed charge is a new
key), the filters, the local date, the zone and workflow — and by the data's version:

- the last ticket event (id and chained hash): every ticket change made through the ticket
  service writes one, in whichever worker or host, so another process's change is seen on the
  next view (one index lookup per dashboard);
- a per-process counter bumped by every INSERT, UPDATE or DELETE this process runs (whatever the
  table) on an engine the counter is installed on (`install`: `create_app` installs it on the
  app's engine), so a change made here without an event (a unit moved, a bulk load) is seen too.
  Importing this module installs nothing.

Unit names and inspection titles are read fresh on every view; entries live at most
`DASHBOARD_CACHE_SECONDS` (0 turns the cache off), which also bounds how long a change made
elsewhere without a ticket event (e.g. a unit moved by another worker) can go unseen.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlmodel import Session, col

from tracker.tickets.models import TicketEvent

MAX_ENTRIES = 256
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCA", "ALTER ", "DROP T", "CREATE", "COPY ")

_lock = threading.Lock()
_entries: OrderedDict[tuple, tuple[float, list[tuple]]] = OrderedDict()
_writes = 0


def install(engine: Engine) -> None:
    """Count the writes `engine` runs into the data version (once per engine)."""
    if not event.contains(engine, "after_cursor_execute", _count_writes):
        event.listen(engine, "after_cursor_execute", _count_writes)


def _count_writes(
    conn: Connection,
    cursor: object,
    statement: str,
    parameters: object,
    context: DefaultExecutionContext | None,
    executemany: bool,
) -> None:
    """Bump the write counter after any statement that may change data."""
    global _writes
    dml = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if dml or statement.lstrip()[:6].upper() in WRITES:
        _writes += 1


def data_version(session: Session) -> tuple[Any, ...]:
    """What changes whenever the ticket data may have changed (see the module docstring)."""
    last = session.execute(
        select(col(TicketEvent.id), col(TicketEvent.hash))
        .order_by(col(TicketEvent.id).desc())
        .limit(1)
    ).first()
    return (str(session.get_bind().engine.url), _writes, tuple(last) if last else None)


def cached_rows(key: tuple | None, ttl: float, compute: Callable[[], list[tuple]]) -> list[tuple]:
    """`compute()`'s rows, from the cache when `key` (which must include `data_version`) was
    computed less than `ttl` seconds ago. No key or no ttl: computed every time."""
    if key is None or ttl <= 0:
        return compute()
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and hit[0] > now:
            _entries.move_to_end(key)
            return hit[1]
    rows = compute()
    with _lock:
        _entries[key] = (now + ttl, rows)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return rows


def clear() -> None:
    """Forget every entry (tests, or after restoring a backup)."""
    with _lock:
        _entries.clear()
