"""Findings under special supervision (挂牌督办), listed apart for the dashboard and the bulletin.

One statement for the supervised open findings of a scoped selection (with their responsible
unit's name), one for their supervision and progress events: the reason is the comment of the
step that began supervision, the last progress report the latest progress step since. Which
steps those are is read from the workflow by their effects (`start_supervision`,
`record_progress`), not from their names. Whether the weekly report is overdue follows the
reminders' own rule (`reminders.supervision.SupervisionPolicy`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tracker.core.clock import local_date
from tracker.org.models import Unit, User
from tracker.reminders.supervision import SupervisionPolicy
from tracker.tickets.models import Ticket, TicketEvent
from tracker.tickets.queries import TicketFilter, open_states, scoped_query
from tracker.workflow.definition import WorkflowDefinition
from tracker.workflow.registry import active_workflow

LIMIT = 100  # rows shown; the ticket list (`?supervised=1`) has them all


@dataclass(frozen=True)
class SupervisedFinding:
    ticket: Ticket
    unit_name: str  # the responsible unit
    reason: str  # the comment given when supervision began
    since: date  # local day supervision began
    days_supervised: int
    days_open: int  # since the finding was filed
    last_report_at: datetime | None
    last_report_on: date | None  # its local day
    last_report: str  # its comment
    report_waited: int  # days since the last report (or since supervision began)
    report_overdue: bool

    @property
    def level(self) -> str:
        return self.ticket.supervision_level or ""

    @property
    def supervisor(self) -> str:
        return self.ticket.supervisor or ""


@dataclass(frozen=True)
class SupervisedList:
    findings: list[SupervisedFinding]
    total: int  # all of them, when more than LIMIT are listed
    report_every_days: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.findings)

    @property
    def reports_overdue(self) -> int:
        return sum(f.report_overdue for f in self.findings)


def _steps(workflow: WorkflowDefinition, effect: str) -> list[str]:
    return [t.name for t in workflow.transitions if effect in t.effects]


def supervised_findings(
    session: Session,
    base: Any,
    workflow: WorkflowDefinition,
    now: datetime,
    tz: str,
    policy: SupervisionPolicy,
    limit: int = LIMIT,
) -> SupervisedList:
    """The open findings of `base` (a scoped `select(Ticket)`) under supervision: county level
    first, then the longest supervised; two statements whatever their number."""
    today = local_date(now, tz)
    condition = col(Ticket.is_supervised).is_(True) & col(Ticket.state).in_(open_states(workflow))
    stmt = (
        base.where(condition)
        .join(Unit, Unit.id == Ticket.responsible_unit_id)
        .add_columns(Unit.name)
        .order_by(
            case((col(Ticket.supervision_level) == "county", 0), else_=1),
            col(Ticket.supervised_at).asc(),
            col(Ticket.id).asc(),
        )
        .limit(limit + 1)
    )
    rows = [tuple(row) for row in session.execute(stmt).all()]  # exec() would drop the name
    total = len(rows)
    rows = rows[:limit]
    if total > limit:
        total = session.exec(
            select(func.count()).select_from(base.where(condition).subquery())
        ).one()
    events = _events(session, [t.id for t, _name in rows], workflow)
    findings = []
    for ticket, unit_name in rows:
        began, report = events.get(ticket.id, (None, None))
        since = local_date(ticket.supervised_at, tz)
        waited = (today - policy.report_since(ticket, tz)).days
        findings.append(
            SupervisedFinding(
                ticket=ticket,
                unit_name=unit_name,
                reason=began.comment if began else "",
                since=since,
                days_supervised=(today - since).days,
                days_open=(today - local_date(ticket.created_at, tz)).days,
                last_report_at=ticket.progress_reported_at,
                last_report_on=(
                    local_date(ticket.progress_reported_at, tz)
                    if ticket.progress_reported_at
                    else None
                ),
                last_report=report.comment if report else "",
                report_waited=waited,
                report_overdue=policy.report_due(waited),
            )
        )
    return SupervisedList(findings, total, policy.report_every_days)


def _events(
    session: Session, ticket_ids: Sequence[int], workflow: WorkflowDefinition
) -> dict[int, tuple[TicketEvent | None, TicketEvent | None]]:
    """Per ticket: the latest step that began supervision and the latest progress report after
    it (an earlier supervision's reports do not count)."""
    began_steps = _steps(workflow, "start_supervision")
    report_steps = _steps(workflow, "record_progress")
    if not ticket_ids or not began_steps:
        return {}
    found: dict[int, tuple[TicketEvent | None, TicketEvent | None]] = {}
    stmt = (
        select(TicketEvent)
        .where(
            col(TicketEvent.ticket_id).in_(ticket_ids),
            col(TicketEvent.transition).in_(began_steps + report_steps),
        )
        .order_by(col(TicketEvent.ticket_id), col(TicketEvent.id))
    )
    for event in session.exec(stmt):
        if event.transition in began_steps:
            found[event.ticket_id] = (event, None)
        else:
            found[event.ticket_id] = (found.get(event.ticket_id, (None, None))[0], event)
    return found


def for_viewer(
    session: Session, user: User, flt: TicketFilter | None, now: datetime, config: Mapping
) -> SupervisedList:
    """What `user` may see of the supervised findings, under the page's filters."""
    workflow = active_workflow()
    tz = config["TIMEZONE"]
    base = scoped_query(
        session, user, flt or TicketFilter(), workflow, now, tz, int(config["AMBER_DAYS"])
    ).rows
    return supervised_findings(
        session, base, workflow, now, tz, SupervisionPolicy.from_config(config)
    )
