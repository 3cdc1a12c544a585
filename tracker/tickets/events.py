"""What the ticket service announces, for the domains built on it to act on (blinker signals).

The ticket service must not reach up into reminders or evidence; it sends these signals inside
the caller's transaction instead, and their subscribers (`tracker/reminders/subscribers.py`,
`tracker/evidence/subscribers.py`, connected by `create_app`) add their rows to the same
transaction. A subscriber that raises aborts the change: the caller rolls back.

Each signal is sent with the session as sender and keyword arguments:
- `tickets_filed`: `filed` (a list of `Filed`), `reporter`, `now`;
- `transition_recording`, before the transition's event is written: `ticket` (already changed),
  `user`, `transition`, `attachment_ids`, and `record`, the event's data, which listeners may
  add to or refuse (raise);
- `transition_taken`: `ticket`, `event`, `transition` (the workflow's), `attachment_ids` (cited
  as evidence, in order, each once), `now`.
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

from tracker.tickets.models import Ticket

signals = Namespace()
tickets_filed = signals.signal("tickets-filed")
transition_recording = signals.signal("transition-recording")
transition_taken = signals.signal("transition-taken")


@dataclass(frozen=True)
class Filed:
    """A ticket just filed, with its `created` event and co-operating units."""

    ticket: Ticket
    event_id: int
    co_unit_ids: tuple[int, ...]
