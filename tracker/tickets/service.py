"""Ticket rules: filing, transitions (through the workflow engine), comments and edits.

Each function works inside the caller's transaction and flushes; the caller commits once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.calendar.service import load_calendar
from tracker.calendar.workdays import WorkdayCalendar, fallback_warning
from tracker.core.clock import local_date
from tracker.core.config import Settings as AppSettings
from tracker.core.errors import (
    Conflict,
    Forbidden,
    ServiceError,
    TransitionRefused,
    ValidationFailed,
)
from tracker.core.i18n import input_label
from tracker.core.i18n import service_gettext as _
from tracker.inspections.models import Inspection
from tracker.org.models import Unit, User
from tracker.org.service import visible_user
from tracker.policy import Permission, may, offers
from tracker.tickets import effects, events, filing
from tracker.tickets.history import append_event
from tracker.tickets.models import (
    Category,
    EventKind,
    Indicator,
    Resolution,
    Ticket,
    TicketCoUnit,
    TicketEvent,
)
from tracker.tickets.relations import Viewpoint, co_unit_ids, relations_of
from tracker.tickets.schemas import IndicatorIn, TicketCreate, TicketUpdate, TransitionIn
from tracker.workflow.definition import Transition, WorkflowDefinition
from tracker.workflow.engine import Actor, Facts, TransitionNotAllowed, available, decide

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """The settings a ticket service needs, taken by the caller from the app's (`of`)."""

    timezone: str
    code_prefix: str
    followup_days: int
    deadline_horizon_days: int
    return_days: int  # working days a unit has to return a finding it received (0: never)

    @classmethod
    def of(cls, settings: AppSettings) -> Settings:
        return cls(
            timezone=settings.timezone,
            code_prefix=settings.ticket_code_prefix,
            followup_days=settings.followup_days,
            deadline_horizon_days=settings.deadline_horizon_days,
            return_days=settings.return_working_days,
        )


# --- facts and actors -------------------------------------------------------------------


def facts_of(ticket: Ticket, today: date) -> Facts:
    """The engine's facts about `ticket` on the local date `today` (the return window closes)."""
    return Facts(
        awaiting_verification=ticket.is_awaiting_verification,
        extension_pending=ticket.requested_deadline is not None,
        followup_pending=ticket.followup_due_on is not None,
        resolved_done=ticket.resolution == Resolution.DONE,
        supervised=ticket.is_supervised,
        return_window_open=ticket.return_by is not None and today <= ticket.return_by,
        return_pending=ticket.return_requested_at is not None,
    )


def actor_for(session: Session, user: User, ticket: Ticket) -> Actor:
    return Actor(role=user.role, relations=relations_of(session, user, ticket))


def transitions_for(
    session: Session, user: User, ticket: Ticket, workflow: WorkflowDefinition, today: date
) -> list[Transition]:
    """What `user` may do with `ticket` on the local date `today`."""
    return available(
        workflow, ticket.state, facts_of(ticket, today), actor_for(session, user, ticket)
    )


# --- filing --------------------------------------------------------------------------------

_Coded = TypeVar("_Coded", Unit, Category)


def _by_code(session: Session, model: type[_Coded], code: str) -> _Coded | None:
    """Look a unit or category up by code, remembering hits for the session (imports file
    hundreds of tickets naming the same few units)."""
    memo = session.info.setdefault("references_by_code", {})
    key = (model.__name__, code)
    if key not in memo:
        found = session.exec(select(model).where(col(model.code) == code)).first()
        if found is None:
            return None
        memo[key] = found
    return memo[key]


def _unit_by_code(session: Session, code: str, field: str, errors: dict[str, str]) -> Unit | None:
    unit = _by_code(session, Unit, code)
    if unit is None:
        errors[field] = _("unknown unit %(code)s", code=repr(code))
    return unit


def _resolve_references(session: Session, actor: User, data: TicketCreate | TicketUpdate) -> dict:
    """Turn codes and usernames into ids; collect every unknown reference as a field error.

    An assignee outside `actor`'s scope is refused exactly like a name nobody has."""
    errors: dict[str, str] = {}
    resolved: dict = {}
    if data.category is not None:
        category = _by_code(session, Category, data.category)
        if category is None:
            errors["category"] = _("unknown category %(code)s", code=repr(data.category))
        elif not category.is_active:
            errors["category"] = _(
                "category %(code)s is disabled: choose another", code=repr(data.category)
            )
        else:
            resolved["category_id"] = category.id
    if data.responsible_unit is not None:
        unit = _unit_by_code(session, data.responsible_unit, "responsible_unit", errors)
        resolved["responsible_unit_id"] = unit.id if unit else None
    if data.location_unit is not None:
        unit = _unit_by_code(session, data.location_unit, "location_unit", errors)
        resolved["location_unit_id"] = unit.id if unit else None
    if data.co_units is not None:
        ids = []
        for code in dict.fromkeys(data.co_units):
            unit = _unit_by_code(session, code, "co_units", errors)
            if unit:
                ids.append(unit.id)
        if resolved.get("responsible_unit_id") in ids:
            errors["co_units"] = _("the responsible unit cannot also co-operate")
        resolved["co_unit_ids"] = ids
    if data.assignee is not None:
        assignee = visible_user(session, actor, data.assignee)
        if assignee is None:
            errors["assignee"] = _("unknown user %(name)s", name=repr(data.assignee))
        else:
            resolved["assignee_id"] = assignee.id
    inspection_id = getattr(data, "inspection_id", None)
    if inspection_id is not None and session.get(Inspection, inspection_id) is None:
        errors["inspection_id"] = _("unknown inspection %(id)s", id=inspection_id)
    if errors:
        raise ValidationFailed("; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    return resolved


def _add_indicators(session: Session, ticket: Ticket, items: Sequence[IndicatorIn]) -> None:
    for position, item in enumerate(items):
        session.add(Indicator(ticket_id=ticket.id, position=position, **item.model_dump()))


def _replace_indicators(session: Session, ticket: Ticket, items: Sequence[IndicatorIn]) -> None:
    for old in session.exec(select(Indicator).where(Indicator.ticket_id == ticket.id)):
        session.delete(old)
    _add_indicators(session, ticket, items)


def _record_achievements(session: Session, ticket: Ticket, items: Sequence[IndicatorIn]) -> list:
    """Set achieved figures on the ticket's indicators by name and unit (a paired measure,
    拆除废弃房屋 in 间 and in 平方米, is two figures), adding ones not yet listed; a figure
    given without a unit goes to the indicator of that name."""
    rows = list(session.exec(select(Indicator).where(Indicator.ticket_id == ticket.id)))
    existing = {(i.name, i.unit): i for i in rows}
    by_name = {i.name: i for i in reversed(rows)}
    changes = []
    for item in items:
        if item.achieved is None:
            continue
        indicator = existing.get((item.name, item.unit))
        if indicator is None and not item.unit:
            indicator = by_name.get(item.name)
        if indicator is None:
            indicator = Indicator(
                ticket_id=ticket.id,
                name=item.name,
                unit=item.unit,
                target=item.target,
                position=len(existing),
            )
            existing[(item.name, item.unit)] = indicator
            by_name.setdefault(item.name, indicator)
        indicator.achieved = item.achieved
        session.add(indicator)
        changes.append({"name": item.name, "unit": indicator.unit, "achieved": item.achieved})
    return changes


@dataclass
class FilingNotes:
    """What filing wants the user to know without refusing: years counted Monday–Friday."""

    fallback_years: set[int] = dataclasses.field(default_factory=set)

    @property
    def warnings(self) -> list[str]:
        message = fallback_warning(self.fallback_years)
        return [message] if message else []


def deadline_calendar(session: Session, today: date) -> WorkdayCalendar:
    """The working-day calendar for deadlines counted from `today` (up to 365 working days)."""
    return load_calendar(session, range(today.year, today.year + 3))


def resolve_deadline(
    data: TicketCreate,
    today: date,
    calendar: WorkdayCalendar | None = None,
    notes: FilingNotes | None = None,
    horizon_days: int = effects.DEFAULT_HORIZON_DAYS,
) -> date:
    """The deadline as a date: given directly, or N working days after today; never past the
    horizon (`horizon_days` after today).

    Working days follow China's official calendar (admin overrides first); a year nobody has
    entered is counted Monday–Friday and recorded in `notes.fallback_years`.
    """
    if data.deadline is not None:
        return effects.future_deadline(data.deadline, today, horizon_days=horizon_days)
    if data.deadline_working_days is not None:
        calendar = calendar if calendar is not None else WorkdayCalendar()
        deadline = calendar.add_working_days(today, data.deadline_working_days)
        if notes is not None:
            # Every year from the day after `today` to the deadline was walked through.
            first = (today + timedelta(days=1)).year
            notes.fallback_years |= {
                y for y in calendar.fallback_years if first <= y <= deadline.year
            }
        return effects.future_deadline(deadline, today, horizon_days=horizon_days)
    raise ValidationFailed(_("a deadline is required"), {"deadline": _("required")})


def return_window_end(calendar: WorkdayCalendar | None, received: date, days: int) -> date | None:
    """The last day a unit that received a finding on `received` may return it: `days` working
    days later (None when returns are off, `days` 0)."""
    if days <= 0:
        return None
    return (calendar or WorkdayCalendar()).add_working_days(received, days)


def check_may_file(user: User) -> None:
    """Only inspectors, leaders and admins file findings (one at a time or from a sheet)."""
    if not offers(user, Permission.FILE_FINDINGS):
        raise Forbidden(_("only inspectors, leaders and admins file findings"))


def check_may_file_for(session: Session, user: User, unit_code: str) -> None:
    """Whether `user` may hand a finding to this unit: a leader only within their charge.

    Raises ValidationFailed on the `responsible_unit` field (a sheet's row names it)."""
    if may(user, Permission.FILE_FINDINGS):
        return  # no relation needed
    unit = _by_code(session, Unit, unit_code)
    if unit is None:
        return  # reported as an unknown unit
    viewpoints = session.info.setdefault("filing_viewpoints", {})
    if user.id not in viewpoints:
        viewpoints[user.id] = Viewpoint.load(session, user)
    if not may(user, Permission.FILE_FINDINGS, viewpoints[user.id].relations(Ticket(), unit, ())):  # type: ignore[call-arg]  # SQLModel types table models as validated
        message = _("%(unit)s is not in your charge", unit=unit.name)
        raise ValidationFailed(message, {"responsible_unit": message})


def _collecting(errors: dict[str, str], check: Callable[[], T]) -> T | None:
    """Run one independent check of a finding, adding its field errors to `errors` (the first
    message per field) instead of stopping there: a form shows every refusal in one round."""
    try:
        return check()
    except ValidationFailed as error:
        for name, message in (error.fields or {"": error.message}).items():
            errors.setdefault(name, message)
        return None


def prepare_finding(
    session: Session,
    reporter: User,
    data: TicketCreate,
    workflow: WorkflowDefinition,
    now: datetime,
    today: date,
    calendar: WorkdayCalendar | None,
    notes: FilingNotes | None,
    horizon_days: int,
    return_days: int,
) -> filing.NewTicket:
    """Check one finding's references, the reporter's charge and its deadline (from `today`
    on), all of them (one ValidationFailed with every field's refusal); the ticket it becomes,
    not yet written (`tracker/tickets/filing.py` writes it)."""
    errors: dict[str, str] = {}
    refs = _collecting(errors, lambda: _resolve_references(session, reporter, data)) or {}
    _collecting(errors, lambda: check_may_file_for(session, reporter, data.responsible_unit))
    deadline = _collecting(
        errors, lambda: resolve_deadline(data, today, calendar, notes, horizon_days)
    )
    if errors or deadline is None:
        message = "; ".join(f"{k}: {v}" if k else v for k, v in errors.items())
        raise ValidationFailed(message, {k: v for k, v in errors.items() if k})
    return_by = return_window_end(calendar, today, return_days)
    columns = {
        "title": data.title,
        "description": data.description,
        "category_id": refs.get("category_id"),
        "source": data.source,
        "inspection_id": data.inspection_id,
        "location_unit_id": refs.get("location_unit_id"),
        "responsible_unit_id": refs["responsible_unit_id"],
        "assignee_id": refs.get("assignee_id"),
        "person_in_charge": data.person_in_charge,
        "requirement": data.requirement,
        "severity": data.severity,
        "tags": ",".join(t.strip() for t in data.tags if t.strip()),
        "reporter_id": reporter.id,
        "state": workflow.initial,
        "deadline": deadline,
        "original_deadline": deadline,
        "return_by": return_by,
        "created_at": now,
        "updated_at": now,
        "last_activity_at": now,
        "version": 1,
    }
    return filing.NewTicket(
        columns=columns,
        co_unit_ids=tuple(refs.get("co_unit_ids", ())),
        indicators=tuple(item.model_dump() for item in data.indicators),
        event_data={"deadline": deadline.isoformat()},
    )


def prepare_findings(
    session: Session,
    reporter: User,
    items: Sequence[TicketCreate],
    workflow: WorkflowDefinition,
    now: datetime,
    settings: Settings,
    *,
    notes: FilingNotes | None = None,
    calendar: WorkdayCalendar | None = None,
) -> list[filing.NewTicket]:
    """Check findings as `file_tickets` does, writing nothing: the first bad one raises, with
    every refusal of that item (a form re-checks what it accepted with it, see tickets.views)."""
    check_may_file(reporter)
    today = local_date(now, settings.timezone)
    if calendar is None and (
        settings.return_days > 0 or any(d.deadline_working_days is not None for d in items)
    ):
        calendar = deadline_calendar(session, today)
    return [
        prepare_finding(
            session,
            reporter,
            data,
            workflow,
            now,
            today,
            calendar,
            notes,
            settings.deadline_horizon_days,
            settings.return_days,
        )
        for data in items
    ]


def file_tickets(
    session: Session,
    reporter: User,
    items: Sequence[TicketCreate],
    workflow: WorkflowDefinition,
    now: datetime,
    settings: Settings,
    *,
    notes: FilingNotes | None = None,
    calendar: WorkdayCalendar | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Ticket]:
    """File findings: each starts in the workflow's initial state, handed to its unit.

    All or nothing: every item is checked (references, deadline) before anything is written,
    and the first bad one raises. Then the codes are reserved at once and the tickets, their
    co-units, indicators, `created` events and notices written in bulk (tracker/tickets/filing.py).
    `notes` collects warnings (a deadline counted Monday–Friday); pass `calendar` if already
    loaded; `progress(n)` is told as each chunk of n tickets is written.
    """
    new = prepare_findings(
        session, reporter, items, workflow, now, settings, notes=notes, calendar=calendar
    )
    if not new:
        return []
    today = local_date(now, settings.timezone)
    codes = filing.reserve_codes(session, settings.code_prefix, today.year, len(new))
    return filing.write_tickets(session, reporter, new, codes, now, progress)


def file_ticket(
    session: Session,
    reporter: User,
    data: TicketCreate,
    workflow: WorkflowDefinition,
    now: datetime,
    settings: Settings,
    *,
    notes: FilingNotes | None = None,
    calendar: WorkdayCalendar | None = None,
) -> Ticket:
    """File one finding (the web form, the API): `file_tickets` with one item."""
    [ticket] = file_tickets(
        session, reporter, [data], workflow, now, settings, notes=notes, calendar=calendar
    )
    return ticket


# --- transitions ---------------------------------------------------------------------------


def _check_version(ticket: Ticket, expected: int | None) -> None:
    if expected is not None and expected != ticket.version:
        raise Conflict(
            _(
                "ticket %(code)s changed since you loaded it (version %(expected)s, now "
                "%(version)s); reload and try again",
                code=ticket.code,
                expected=expected,
                version=ticket.version,
            ),
            {"version": "stale"},
        )


def _refusal_message(refusal: TransitionNotAllowed, name: str, state: str) -> str:
    """The engine's refusal in the reader's language (the engine itself knows no Babel)."""
    match refusal.code:
        case "unknown":
            return _("unknown transition %(name)s", name=repr(name))
        case "wrong_state":
            return _(
                "%(name)s cannot be taken from state %(state)s", name=repr(name), state=repr(state)
            )
        case "guard":
            return _("%(name)s is not possible now", name=repr(name))
        case "forbidden":
            return _("you may not take %(name)s on this finding", name=repr(name))
        case "missing_input":
            return _(
                "%(name)s requires: %(inputs)s",
                name=repr(name),
                inputs=", ".join(input_label(field) for field in refusal.fields),
            )
    return refusal.message


def _refused(refusal: TransitionNotAllowed, name: str, state: str) -> ServiceError:
    """The service's error for the engine's refusal: forbidden, missing inputs, or refused."""
    message = _refusal_message(refusal, name, state)
    if refusal.code == "forbidden":
        return Forbidden(message)
    if refusal.code == "missing_input":
        return ValidationFailed(message, dict.fromkeys(refusal.fields, _("required")))
    return TransitionRefused(message)


# long: decide, assemble (no autoflush), flush, event, signal: one order, kept in view
def apply_transition(
    session: Session,
    ticket: Ticket,
    user: User,
    data: TransitionIn,
    expected_version: int | None,
    workflow: WorkflowDefinition,
    now: datetime,
    settings: Settings,
) -> TicketEvent:
    """Check the version and the rule, change the state, apply effects, append the event.

    Attachment ids given as evidence are recorded on the event; the evidence domain checks they
    are files of this ticket and links them (`tracker/tickets/events.py`).
    """
    _check_version(ticket, expected_version)
    actor = actor_for(session, user, ticket)
    today = local_date(now, settings.timezone)
    try:
        decision = decide(
            workflow, ticket.state, facts_of(ticket, today), actor, data.transition, data.provided()
        )
    except TransitionNotAllowed as refusal:
        raise _refused(refusal, data.transition, ticket.state) from refusal
    attachment_ids = list(dict.fromkeys(data.attachments))
    record: dict = {}
    handover = _handover(session, ticket, data, decision.effects, today, settings, record)
    # One UPDATE of the ticket (one version step): no autoflush while the changes are assembled.
    with session.no_autoflush:
        effects.apply_effects(
            ticket,
            decision.effects,
            effects.Context(
                now,
                today,
                data.deadline,
                settings.followup_days,
                record,
                (data.supervision_level, data.supervisor.strip())
                if data.supervision_level
                else None,
                settings.deadline_horizon_days,
                *handover,
            ),
        )
        if data.indicators:
            record["indicators"] = _record_achievements(session, ticket, data.indicators)
        if attachment_ids:
            record["attachments"] = attachment_ids
        # Listeners check what the record cites and add to it (evidence: flagged photos).
        events.transition_recording.send(
            session,
            ticket=ticket,
            user=user,
            transition=decision.transition,
            attachment_ids=attachment_ids,
            record=record,
        )
        ticket.state = decision.target
        ticket.updated_at = ticket.last_activity_at = now
        session.add(ticket)
    session.flush()  # raises StaleDataError if another transaction changed the ticket meanwhile
    event = append_event(
        session,
        ticket.id,
        kind=EventKind.TRANSITION,
        actor_id=user.id,
        now=now,
        transition=decision.transition.name,
        from_state=decision.source,
        to_state=decision.target,
        comment=data.comment.strip(),
        data=record,
    )
    # Evidence links the cited files, reminders queue the notices: rows in this transaction
    # only, nothing is sent during the request.
    events.transition_taken.send(
        session,
        ticket=ticket,
        event=event,
        transition=decision.transition,
        attachment_ids=attachment_ids,
        now=now,
    )
    return event


def _handover(
    session: Session,
    ticket: Ticket,
    data: TransitionIn,
    names: Sequence[str],
    today: date,
    settings: Settings,
    record: dict,
) -> tuple[Unit | None, date | None]:
    """For a reassignment (改派): the unit named in `data.unit`, checked, and the return window
    it gets; the unit leaves the co-operating units if it was one. (None, None) otherwise."""
    if "reassign" not in names:
        return None, None
    unit = _by_code(session, Unit, (data.unit or "").strip())
    if unit is None:
        raise ValidationFailed(
            _("unknown unit %(code)s", code=repr(data.unit)),
            {"unit": _("unknown unit %(code)s", code=repr(data.unit))},
        )
    previous = session.get(Unit, ticket.responsible_unit_id)
    record["from_unit"] = previous.code if previous else None
    link = session.get(TicketCoUnit, (ticket.id, unit.id))
    if link is not None:
        session.delete(link)
        record["left_co_units"] = unit.code
    calendar = deadline_calendar(session, today) if settings.return_days > 0 else None
    return unit, return_window_end(calendar, today, settings.return_days)


# --- comments and edits --------------------------------------------------------------------


def record_activity(
    session: Session,
    ticket: Ticket,
    user: User,
    kind: str,
    now: datetime,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """A history entry that leaves the ticket's fields as they are (a comment, added files): its
    activity is recorded without bumping the version, since it must not make forms stale."""
    session.exec(update(Ticket).where(col(Ticket.id) == ticket.id).values(last_activity_at=now))
    return append_event(
        session, ticket.id, kind=kind, actor_id=user.id, now=now, comment=comment, data=data
    )


def add_comment(
    session: Session, ticket: Ticket, user: User, text: str, now: datetime
) -> TicketEvent:
    text = text.strip()
    if not text:
        raise ValidationFailed(_("comment is empty"), {"comment": _("required")})
    if len(text) > 5000:
        raise ValidationFailed(_("comment too long"), {"comment": _("at most 5000 characters")})
    return record_activity(session, ticket, user, EventKind.COMMENT, now, comment=text)


# long: one block per editable field, each recording its old and new value
def update_ticket(
    session: Session,
    ticket: Ticket,
    user: User,
    data: TicketUpdate,
    expected_version: int | None,
    now: datetime,
    settings: Settings,
) -> TicketEvent | None:
    """Change a ticket's fields (not its state); each change is recorded with old and new."""
    _check_version(ticket, expected_version)
    if not offers(user, Permission.EDIT_FINDINGS):
        raise Forbidden(_("only inspectors, leaders and admins edit findings"))
    if not may(user, Permission.EDIT_FINDINGS, relations_of(session, user, ticket)):
        raise Forbidden(_("this ticket is not in your charge"))
    refs = _resolve_references(session, user, data)
    changes: dict[str, list] = {}

    def change(field: str, new: object) -> None:
        old = getattr(ticket, field)
        if new != old:
            changes[field] = [_plain(old), _plain(new)]
            setattr(ticket, field, new)

    for field in ("title", "description", "person_in_charge", "requirement", "severity"):
        value = getattr(data, field)
        if value is not None:
            change(field, value)
    if data.tags is not None:
        change("tags", ",".join(t.strip() for t in data.tags if t.strip()))
    for field in ("category_id", "location_unit_id", "responsible_unit_id", "assignee_id"):
        if field in refs:
            change(field, refs[field])
    if "responsible_unit_id" in changes:
        # Handed to another unit by an edit: as a reassignment, it gets its own return window
        # and any return the previous unit asked for is answered by the move.
        today = local_date(now, settings.timezone)
        calendar = deadline_calendar(session, today) if settings.return_days > 0 else None
        ticket.return_requested_at = None
        ticket.return_by = return_window_end(calendar, today, settings.return_days)
    if data.deadline is not None:
        change(
            "deadline",
            effects.future_deadline(
                data.deadline,
                local_date(now, settings.timezone),
                horizon_days=settings.deadline_horizon_days,
            ),
        )
    if "co_unit_ids" in refs:
        old_ids = sorted(co_unit_ids(session, ticket))
        new_ids = sorted(refs["co_unit_ids"])
        if old_ids != new_ids:
            changes["co_units"] = [old_ids, new_ids]
            for link in session.exec(
                select(TicketCoUnit).where(TicketCoUnit.ticket_id == ticket.id)
            ):
                session.delete(link)
            for unit_id in new_ids:
                session.add(TicketCoUnit(ticket_id=ticket.id, unit_id=unit_id))
    if data.indicators is not None:
        _replace_indicators(session, ticket, data.indicators)
        changes["indicators"] = [None, [i.model_dump() for i in data.indicators]]
    if not changes:
        return None
    ticket.updated_at = ticket.last_activity_at = now
    session.add(ticket)
    session.flush()
    return append_event(
        session,
        ticket.id,
        kind=EventKind.UPDATE,
        actor_id=user.id,
        now=now,
        data={"changes": changes},
    )


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value
