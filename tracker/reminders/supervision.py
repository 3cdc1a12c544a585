"""Reminders of special supervision (挂牌督办), planned with the others (reminders/planner.py).

While a supervised finding is open, its unit is reminded every working day (`[supervision]
daily`), and asked for a progress report once `report_every_days` have passed since supervision
began or since its last report (the `report_progress` transition), once per such period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from tracker.core.clock import local_date
from tracker.reminders.keys import outbox_key
from tracker.reminders.models import Rule
from tracker.reminders.outbox import OutboxRow
from tracker.reminders.recipients import Directory
from tracker.tickets.models import Ticket
from tracker.tickets.queries import open_states
from tracker.workflow.definition import WorkflowDefinition


@dataclass(frozen=True)
class SupervisionPolicy:
    daily: bool
    report_every_days: int  # 0: no report requests
    in_bulletin: bool = True  # the supervised findings are listed in the bulletin

    @classmethod
    def from_config(cls, config: Mapping) -> SupervisionPolicy:
        section = config.get("SUPERVISION", {})
        return cls(
            daily=bool(section.get("DAILY", True)),
            report_every_days=int(section.get("REPORT_EVERY_DAYS", 7)),
            in_bulletin=bool(section.get("IN_BULLETIN", True)),
        )

    @staticmethod
    def report_since(ticket: Ticket, tz: str) -> date:
        """The local day the report count starts from: the last report, or supervision's start."""
        since = ticket.progress_reported_at or ticket.supervised_at
        assert since is not None  # asked of supervised findings only
        return local_date(since, tz)

    def report_due(self, waited: int) -> bool:
        """Whether a progress report is due (overdue) after `waited` days without one."""
        return bool(self.report_every_days) and waited >= self.report_every_days


def supervision_rows(
    session: Session,
    config: Mapping,
    workflow: WorkflowDefinition,
    directory: Directory,
    today: date,
    is_working_day: bool,
    send_at: datetime,
) -> list[OutboxRow]:
    """The supervision reminders due today, as outbox rows (keys make them idempotent)."""
    policy = SupervisionPolicy.from_config(config)
    if not is_working_day or not (policy.daily or policy.report_every_days):
        return []
    tz = config["TIMEZONE"]
    tickets = session.exec(
        select(Ticket).where(Ticket.is_supervised, col(Ticket.state).in_(open_states(workflow)))
    ).all()
    rows: list[OutboxRow] = []
    for ticket in tickets:
        people = directory.unit_people_ids(ticket.responsible_unit_id, ticket.assignee_id)
        payload = {"level": ticket.supervision_level, "supervisor": ticket.supervisor}
        if policy.daily:
            rows += _rows(Rule.SUPERVISION, (ticket.id, today), people, ticket, payload, send_at)
        since = policy.report_since(ticket, tz)
        waited = (today - since).days
        if policy.report_due(waited):
            about = (ticket.id, since, waited // policy.report_every_days)
            report = {**payload, "days": waited}
            rows += _rows(Rule.SUPERVISION_REPORT, about, people, ticket, report, send_at)
    return rows


def _rows(
    rule: Rule,
    about: tuple,
    people: Iterable[int],
    ticket: Ticket,
    payload: dict,
    send_at: datetime,
) -> list[OutboxRow]:
    """One row per person, keyed (rule, *about, person)."""
    return [
        OutboxRow(outbox_key(rule, *about, u), rule, u, ticket.id, None, None, payload, send_at)
        for u in people
    ]
