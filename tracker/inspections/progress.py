"""Progress of inspection rounds: their findings counted by state, overdue and closed.

One grouped query for any number of rounds, counted over the tickets the viewer may see (the same
scope as every list), so a township cadre's figures are their township's share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tracker.core.clock import local_date
from tracker.org.models import User
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.scope import visibility_condition
from tracker.workflow.definition import WorkflowDefinition


@dataclass
class Progress:
    """Counts for one round. Withdrawn findings (duplicates, invalid) are left out of `total`."""

    by_state: dict[str, int] = field(default_factory=dict)
    total: int = 0
    closed: int = 0  # in a terminal state, rectified (销号)
    stopped: int = 0  # clock stopped but not closed (e.g. verified, awaiting the leader)
    overdue: int = 0
    awaiting: int = 0  # completion reported, awaiting verification
    withdrawn: int = 0

    @property
    def remaining(self) -> int:
        """Findings still to clear: the figure that must reach zero (清零)."""
        return self.total - self.closed

    @property
    def percent(self) -> int:
        """Share closed, in whole percent (floored: 100 only when all are closed)."""
        return self.closed * 100 // self.total if self.total else 0

    @property
    def open_on_time(self) -> int:
        return self.total - self.closed - self.stopped - self.overdue

    def segments(self) -> list[tuple[str, int, float, float]]:
        """(css class, count, x, width) in percent, for a stacked bar."""
        out, x = [], 0.0
        for css, count in (
            ("seg-closed", self.closed),
            ("seg-verified", self.stopped),
            ("seg-open", self.open_on_time),
            ("seg-overdue", self.overdue),
        ):
            if count and self.total:
                width = count * 100 / self.total
                out.append((css, count, round(x, 3), round(width, 3)))
                x += width
        return out


def progress_by_inspection(
    session: Session,
    user: User,
    inspection_ids: Sequence[int],
    workflow: WorkflowDefinition,
    now: datetime,
    tz: str,
) -> dict[int, Progress]:
    """Progress per round id (every id present, zero when it has no visible findings)."""
    result = {i: Progress() for i in inspection_ids}
    if not inspection_ids:
        return result
    today = local_date(now, tz)
    clock_states = [s.key for s in workflow.states.values() if s.clock]
    running = and_(
        col(Ticket.state).in_(clock_states),
        ~col(Ticket.is_awaiting_verification),
        col(Ticket.return_requested_at).is_(None),
    )
    overdue = func.sum(case((and_(running, col(Ticket.deadline) < today), 1), else_=0))
    awaiting = func.sum(case((col(Ticket.is_awaiting_verification), 1), else_=0))
    rows = session.execute(
        sa_select(
            col(Ticket.inspection_id),
            col(Ticket.state),
            col(Ticket.resolution),
            func.count(),
            overdue,
            awaiting,
        )
        .where(visibility_condition(session, user), col(Ticket.inspection_id).in_(inspection_ids))
        .group_by(col(Ticket.inspection_id), col(Ticket.state), col(Ticket.resolution))
    ).all()
    for inspection_id, state_key, resolution, count, n_overdue, n_awaiting in rows:
        progress = result[inspection_id]
        if resolution == Resolution.WITHDRAWN:
            progress.withdrawn += count
            continue
        state = workflow.state(state_key)
        progress.total += count
        progress.by_state[state_key] = progress.by_state.get(state_key, 0) + count
        progress.overdue += int(n_overdue or 0)
        progress.awaiting += int(n_awaiting or 0)
        if state is not None and state.terminal:
            progress.closed += count
        elif state is not None and not state.clock:
            progress.stopped += count
    return result
