"""Turn tickets and their history into API models, with a fixed number of queries per page.

Relations (responsible unit, leader in charge...) are worked out from batch-loaded data by
`tracker.tickets.relations.Viewpoint`, so a list never queries once per ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, overload
from zoneinfo import ZoneInfo

from flask import current_app, request
from sqlmodel import Session, SQLModel, col, select

from tracker.api.schemas import EventOut, IndicatorOut, SupervisionOut, TicketOut, TransitionOut
from tracker.core.clock import as_utc, local_date
from tracker.org.directory import UnitRef
from tracker.org.models import Unit, User
from tracker.tickets.models import Ticket, TicketEvent
from tracker.tickets.related import Related, load_related
from tracker.tickets.relations import Viewpoint
from tracker.tickets.service import facts_of
from tracker.tickets.status import ticket_status
from tracker.workflow.definition import WorkflowDefinition
from tracker.workflow.engine import Actor, Facts, available

Out = TypeVar("Out", bound=SQLModel)


def from_row(model: type[Out], row: object, **computed: Any) -> Out:
    """`model` with each field read from `row`'s attribute of the same name, except `computed`:
    the fields the row does not hold as the API shows them (codes for ids, local times, links).

    Only the attributes named are read, so a computed field never touches a row's relationship."""
    copied = {name: getattr(row, name) for name in model.model_fields if name not in computed}
    return model(**copied, **computed)


def api_locale() -> str:
    """Labels follow Accept-Language (Chinese unless English is preferred)."""
    return request.accept_languages.best_match(["zh", "en"]) or "zh"


@overload
def local_moment(moment: datetime, zone: ZoneInfo | None = None) -> datetime: ...
@overload
def local_moment(moment: datetime | None, zone: ZoneInfo | None = None) -> datetime | None: ...
def local_moment(moment: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    """An aware datetime in the configured zone (ISO 8601 with its offset, e.g. +08:00)."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(zone or ZoneInfo(current_app.config["TIMEZONE"]))


@dataclass(frozen=True)
class Context:
    """What every ticket of a page shares, read once per request rather than once per ticket."""

    locale: str
    zone: ZoneInfo
    timezone: str
    amber_days: int
    transitions: dict[tuple[str, Facts, Actor], list[TransitionOut]] = field(
        default_factory=dict, compare=False
    )

    @classmethod
    def current(cls) -> Context:
        config = current_app.config
        return cls(
            locale=api_locale(),
            zone=ZoneInfo(config["TIMEZONE"]),
            timezone=config["TIMEZONE"],
            amber_days=config["AMBER_DAYS"],
        )


def _code(unit: Unit | UnitRef | None) -> str | None:
    return unit.code if unit else None


def ticket_out(
    ticket: Ticket,
    related: Related,
    caller: Viewpoint,
    workflow: WorkflowDefinition,
    now: datetime,
    context: Context | None = None,
) -> TicketOut:
    ctx = context or Context.current()
    status = ticket_status(ticket, workflow, now, ctx.timezone, ctx.amber_days)
    actor = Actor(role=caller.user.role, relations=caller.relations_in(ticket, related))
    category = related.category(ticket.category_id)
    assignee, reporter = related.user(ticket.assignee_id), related.user(ticket.reporter_id)
    return from_row(
        TicketOut,
        ticket,
        category=category.code if category else None,
        location_unit=_code(related.unit(ticket.location_unit_id)),
        responsible_unit=_code(related.unit(ticket.responsible_unit_id)) or "",
        co_units=sorted(
            u.code for u in (related.unit(i) for i in related.co_units.get(ticket.id, [])) if u
        ),
        assignee=assignee.username if assignee else None,
        reporter=reporter.username if reporter else None,
        tags=ticket.tag_list(),
        overdue=status.is_overdue,
        rag=status.rag,
        awaiting_verification=ticket.is_awaiting_verification,
        return_pending=ticket.return_requested_at is not None,
        supervision=(
            SupervisionOut.model_validate(  # the schema checks the level and that `since` is set
                {
                    "level": ticket.supervision_level,
                    "supervisor": ticket.supervisor or "",
                    "since": local_moment(ticket.supervised_at, ctx.zone),
                    "progress_reported_at": local_moment(ticket.progress_reported_at, ctx.zone),
                }
            )
            if ticket.is_supervised
            else None
        ),
        indicators=[from_row(IndicatorOut, i) for i in related.indicators.get(ticket.id, [])],
        created_at=local_moment(ticket.created_at, ctx.zone),
        updated_at=local_moment(ticket.updated_at, ctx.zone),
        closed_at=local_moment(ticket.closed_at, ctx.zone),
        transitions=_transitions(
            workflow,
            ticket.state,
            facts_of(ticket, local_date(now, ctx.timezone)),
            actor,
            ctx,
        ),
    )


def _transitions(
    workflow: WorkflowDefinition, state: str, facts: Facts, actor: Actor, ctx: Context
) -> list[TransitionOut]:
    """The transitions offered, worked out once per (state, facts, actor) on a page: a page
    of 25 tickets has only a handful of distinct combinations."""
    key = (state, facts, actor)
    found = ctx.transitions.get(key)
    if found is None:
        found = ctx.transitions[key] = [
            TransitionOut(
                name=t.name,
                to=t.target_from(state),
                label=t.label(ctx.locale),
                requires=sorted({*t.requires, *t.requires_any}),
            )
            for t in available(workflow, state, facts, actor)
        ]
    return found


def tickets_out(
    session: Session,
    tickets: Sequence[Ticket],
    user: User,
    workflow: WorkflowDefinition,
    now: datetime,
) -> list[TicketOut]:
    """Present a page of tickets: a fixed number of queries whatever its length."""
    related = load_related(session, tickets, inspections=False)
    caller = Viewpoint.load(session, user)
    context = Context.current()
    return [ticket_out(t, related, caller, workflow, now, context) for t in tickets]


def events_out(session: Session, events: Sequence[TicketEvent]) -> list[EventOut]:
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = (
        dict(
            session.exec(
                select(col(User.id), col(User.username)).where(col(User.id).in_(actor_ids))
            ).all()
        )
        if actor_ids
        else {}
    )
    return [
        from_row(
            EventOut,
            e,
            actor=names.get(e.actor_id) if e.actor_id else None,
            data=e.data or {},
            created_at=local_moment(e.created_at),
        )
        for e in events
    ]
