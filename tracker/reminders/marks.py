"""Recording what became of a claimed row: sent, failed (to retry), given up, cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from tracker.reminders.models import OutboxMessage, OutboxStatus
from tracker.reminders.policy import Policy


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    cancelled: int = 0
    paced: int = 0  # waiting for their channel's next free slot (not a failure)

    def add(self, other: DispatchResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.cancelled += other.cancelled
        self.paced += other.paced


def mark(engine: Engine, ids: Sequence[int], **values: object) -> None:
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids))).values(**values)
        )


def mark_failed(
    engine: Engine,
    rows: Sequence[OutboxMessage],
    error: str,
    now: datetime,
    policy: Policy,
    result: DispatchResult,
) -> None:
    for row in rows:
        attempts = row.attempts  # already counted when claimed
        if attempts >= policy.max_attempts:
            mark(engine, [row.id], status=OutboxStatus.GIVEN_UP, last_error=error[:1000])
            result.given_up += 1
        else:
            retry_at = policy.into_window(now + policy.backoff(attempts))
            mark(
                engine,
                [row.id],
                status=OutboxStatus.FAILED,
                last_error=error[:1000],
                next_attempt_at=retry_at,
            )
            result.failed += 1
