"""What a ticket's history says for the documents printed from it, batched per list of ids:
the unit's latest report, the last verification, the number of evidence files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.evidence.models import Attachment
from tracker.org.models import Role, User
from tracker.tickets.models import TicketEvent
from tracker.workflow.definition import WorkflowDefinition

# Workflow effects that mark a step as a verification (核查): passing it or sending it back.
VERIFICATION_EFFECTS = frozenset({"mark_verified", "count_rejection"})


@dataclass(frozen=True)
class Step:
    """One step of the history as documents print it: who, when, its label, the comment."""

    who: str
    at: datetime
    label: str
    comment: str

    @property
    def opinion(self) -> str:
        return f"{self.label}：{self.comment}" if self.comment else self.label


def figure(value: float | None) -> str:
    """A figure as printed: 12 not 12.0, "—" when none was given."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def person(user: User | None) -> str:
    return (user.display_name or user.username) if user else ""


def unit_reports(session: Session, ids: list[int]) -> dict[int, str]:
    """Each ticket's latest non-empty comment written by a cadre (the units' own people): a
    leader's closing remark or an inspector's opinion is never a unit's report."""
    if not ids:
        return {}
    latest = (
        select(func.max(TicketEvent.id))
        .join(User, col(User.id) == col(TicketEvent.actor_id))
        .where(
            col(TicketEvent.ticket_id).in_(ids),
            col(TicketEvent.comment) != "",
            col(User.role) == Role.CADRE,
        )
        .group_by(col(TicketEvent.ticket_id))
    )
    rows = session.exec(
        select(col(TicketEvent.ticket_id), col(TicketEvent.comment)).where(
            col(TicketEvent.id).in_(latest)
        )
    )
    return dict(rows.all())


def last_steps(
    session: Session, ids: list[int], workflow: WorkflowDefinition, effects: frozenset[str]
) -> dict[int, Step]:
    """Each ticket's last step by a transition having one of `effects` (e.g. the verification
    effects, or `resolve_done` for closing)."""
    names = [t.name for t in workflow.transitions if effects & set(t.effects)]
    if not ids or not names:
        return {}
    latest = (
        select(func.max(TicketEvent.id))
        .where(col(TicketEvent.ticket_id).in_(ids), col(TicketEvent.transition).in_(names))
        .group_by(col(TicketEvent.ticket_id))
    )
    rows = session.exec(
        select(TicketEvent, User)
        .join(User, col(User.id) == col(TicketEvent.actor_id), isouter=True)
        .where(col(TicketEvent.id).in_(latest))
    )
    steps = {}
    for event, actor in rows.all():
        transition = workflow.transition(event.transition)
        label = transition.label_zh if transition else str(event.transition)
        steps[event.ticket_id] = Step(person(actor), event.created_at, label, event.comment)
    return steps


def evidence_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """Files attached to each ticket."""
    if not ids:
        return {}
    rows = session.exec(
        select(Attachment.ticket_id, func.count())
        .where(col(Attachment.ticket_id).in_(ids))
        .group_by(col(Attachment.ticket_id))
    )
    return dict(rows.all())
