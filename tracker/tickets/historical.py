"""History entered afterwards: a finished round's findings, with their past dates and final states.

An office that starts with the tracker mid-year enters what it already did (`tracker import
--historical`, the import page's "history" box). Each finding is checked as a new one would be
(units, category, indicators), except that its dates lie in the past: it was handed over on its
filing date, its deadline counted from then, and it ended in a state where the deadline clock no
longer runs (已核查, 已销号) on the dates given. Nothing is announced: no notices, and no
reminders, since the clock is stopped in those states. The `created` event, written now, carries
the dates under `historical`: the history says it was entered afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import groupby, pairwise
from zoneinfo import ZoneInfo

from sqlmodel import Session

from tracker.calendar.workdays import WorkdayCalendar
from tracker.core.errors import Forbidden
from tracker.core.i18n import service_gettext as _
from tracker.org.models import User
from tracker.policy import Permission, offers
from tracker.tickets import filing, service
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.schemas import TicketCreate
from tracker.workflow.definition import WorkflowDefinition


@dataclass(frozen=True)
class PastRecord:
    """What a finding of the past went through: filed, completed, verified, closed (local dates)."""

    filed_on: date
    state: str
    completed_on: date | None = None
    verified_on: date | None = None
    closed_on: date | None = None
    progress: str = ""  # the last progress note (整改进展), kept on the history


def check_may_import_history(user: User) -> None:
    if not offers(user, Permission.IMPORT_HISTORY):
        raise Forbidden(_("only inspectors and admins enter past rounds"))


def finished_states(workflow: WorkflowDefinition) -> list[str]:
    """States a past finding may be entered in: those where the deadline clock is stopped."""
    return [s.key for s in workflow.states.values() if not s.clock]


def _reached_by(workflow: WorkflowDefinition, state: str, effect: str) -> bool:
    """Whether a transition into `state` carries `effect` (e.g. verification marks it verified)."""
    return any(t.target == state and effect in t.effects for t in workflow.transitions)


def complete(record: PastRecord, workflow: WorkflowDefinition) -> PastRecord:
    """Fill the dates a sheet may leave out from those it gives: a closed finding's 销号 date
    stands for its verification and completion when those are not given, and so on."""
    terminal = workflow.states[record.state].terminal
    closed = record.closed_on or (record.completed_on if terminal else None)
    verified = record.verified_on
    if verified is None and (terminal or _reached_by(workflow, record.state, "mark_verified")):
        verified = closed or record.completed_on
    completed = record.completed_on or verified or closed
    return PastRecord(record.filed_on, record.state, completed, verified, closed, record.progress)


def problems_of(record: PastRecord, deadline: date, today: date) -> list[tuple[str, str]]:
    """What is wrong with a completed record: (column, message) pairs; none when it is sound."""
    problems = []
    if record.filed_on > today:
        problems.append(("交办日期", _("must not be in the future")))
    if deadline < record.filed_on:
        problems.append(("整改时限", _("must not be before the filing date")))
    if record.completed_on is None:
        problems.append(("完成时间", _("required for a finished finding")))
    steps = [
        ("交办日期", record.filed_on),
        ("完成时间", record.completed_on),
        ("核查时间", record.verified_on),
        ("销号时间", record.closed_on),
    ]
    known = [(column, day) for column, day in steps if day is not None]
    for (_before, earlier), (column, later) in pairwise(known):
        if later < earlier:
            problems.append((column, _("must not be before %(date)s", date=earlier.isoformat())))
    if any(day > today for _column, day in known[1:]):
        problems.append(("完成时间", _("dates must not be in the future")))
    return problems


def _moment(day: date | None, zone: ZoneInfo) -> datetime | None:
    """A local date as a UTC moment (noon: the same date in every zone in use)."""
    return datetime.combine(day, time(12), zone) if day else None


def file_historical(
    session: Session,
    reporter: User,
    items: Sequence[tuple[TicketCreate, PastRecord]],
    workflow: WorkflowDefinition,
    now: datetime,
    settings: service.Settings,
    calendar: WorkdayCalendar | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Ticket]:
    """Write checked past findings in their final states, silently (the caller commits).

    Codes are those of the year each was filed (DC-2025-… for last year's round).
    """
    check_may_import_history(reporter)
    zone = ZoneInfo(settings.timezone)
    prepared = [
        _past_finding(session, reporter, data, given, workflow, now, settings, calendar, zone)
        for data, given in items
    ]
    tickets: list[Ticket] = []
    prepared.sort(key=lambda pair: pair[0])  # stable: the sheet's order within a year
    for year, group in groupby(prepared, key=lambda pair: pair[0]):
        chunk = [new for _year, new in group]
        codes = filing.reserve_codes(session, settings.code_prefix, year, len(chunk))
        tickets += filing.write_tickets(
            session, reporter, chunk, codes, now, progress, announce=False
        )
    return tickets


def _past_finding(
    session: Session,
    reporter: User,
    data: TicketCreate,
    given: PastRecord,
    workflow: WorkflowDefinition,
    now: datetime,
    settings: service.Settings,
    calendar: WorkdayCalendar | None,
    zone: ZoneInfo,
) -> tuple[int, filing.NewTicket]:
    """One past finding prepared in its final state, with the year of its code."""
    record = complete(given, workflow)
    filed_at = _moment(record.filed_on, zone)
    assert filed_at is not None
    new = service.prepare_finding(
        session,
        reporter,
        data,
        workflow,
        filed_at,
        record.filed_on,
        calendar,
        None,
        settings.deadline_horizon_days,
        0,
    )
    terminal = workflow.states[record.state].terminal
    last = record.closed_on or record.verified_on or record.completed_on or record.filed_on
    new.columns.update(
        state=record.state,
        return_by=None,
        resolution=Resolution.DONE if terminal else None,
        is_awaiting_verification=_reached_by(workflow, record.state, "mark_awaiting_verification"),
        completed_at=_moment(record.completed_on, zone),
        completed_on=record.completed_on,
        verified_at=_moment(record.verified_on, zone),
        closed_at=_moment(record.closed_on, zone) if terminal else None,
        closed_on=record.closed_on if terminal else None,
        updated_at=_moment(last, zone),
        last_activity_at=_moment(last, zone),
    )
    new.event_data["historical"] = {
        "entered_at": now.isoformat(),
        "filed_on": record.filed_on.isoformat(),
        "completed_on": record.completed_on.isoformat() if record.completed_on else None,
        "verified_on": record.verified_on.isoformat() if record.verified_on else None,
        "closed_on": record.closed_on.isoformat() if record.closed_on else None,
        "progress": record.progress,
    }
    return record.filed_on.year, new
