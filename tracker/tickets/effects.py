"""Carry a transition's effects out on a stored ticket: one registered function per effect name.

The names are those of `tracker.workflow.facts.EFFECTS`; `check_implemented` (called at start-up)
refuses a workflow naming an effect with no function here, so none is skipped silently, and one
giving a step with a guarded effect (`PERMISSIONS`) to a role or relation `tracker/policy.py` does
not: the workflow file narrows who supervises, the policy table is the ceiling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.core.errors import ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.org.models import Unit
from tracker.policy import ANY, RULES, Permission
from tracker.tickets.models import Resolution, Ticket
from tracker.workflow.definition import WorkflowDefinition, WorkflowError

# How far ahead a deadline may lie (DEADLINE_HORIZON_DAYS): a deadline in 9999 never escalates.
DEFAULT_HORIZON_DAYS = 1096


@dataclass
class Context:
    """What an effect may read (`deadline`: the one the user gave) and `record`, what it changed
    for the history event."""

    now: datetime
    today: date
    deadline: date | None
    followup_days: int
    record: dict = field(default_factory=dict)
    supervision: tuple[str, str] | None = None  # (level, supervising leader) given
    horizon_days: int = DEFAULT_HORIZON_DAYS
    unit: Unit | None = None  # the unit a reassignment hands the finding to (checked)
    return_by: date | None = None  # the return window a unit receiving it now would have


Effect = Callable[[Ticket, Context], None]
REGISTRY: dict[str, Effect] = {}


def effect(function: Effect) -> Effect:
    """Register `function` under its name."""
    REGISTRY[function.__name__] = function
    return function


# Effects whose steps only holders of a permission may take (for every role the workflow names).
PERMISSIONS: dict[str, Permission] = {
    "start_supervision": Permission.SUPERVISE,
    "lift_supervision": Permission.SUPERVISE,
}


def apply_effects(ticket: Ticket, names: Iterable[str], context: Context) -> None:
    for name in names:
        REGISTRY[name](ticket, context)


def check_implemented(workflow: WorkflowDefinition) -> None:
    """Refuse a workflow whose effects include one without an implementation, or whose `who`
    lets a role take a step the policy does not permit it (see the module docstring)."""
    for transition in workflow.transitions:
        for name in transition.effects:
            if name not in REGISTRY:
                raise WorkflowError(
                    workflow.source,
                    f"transitions.{transition.name}.effects",
                    f"effect {name!r} has no implementation in tracker/tickets/effects.py",
                )
            if name in PERMISSIONS:
                _check_permitted(workflow, transition.name, transition.who, PERMISSIONS[name])


def _check_permitted(
    workflow: WorkflowDefinition, name: str, who: dict[str, str], permission: Permission
) -> None:
    for role, relation in who.items():
        needed = RULES[permission].get(role)
        if needed is None or (needed != ANY and relation != needed):
            allowed = ", ".join(f"{r} ({n})" for r, n in RULES[permission].items())
            raise WorkflowError(
                workflow.source,
                f"transitions.{name}.who.{role}",
                f"{role} ({relation}) may not hold permission {permission.value!r}; "
                f"tracker/policy.py gives it to: {allowed}",
            )


def future_deadline(
    value: date | None,
    today: date,
    field: str = "deadline",
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> date:
    """`value` if it lies between today and the horizon; otherwise a field error saying which."""
    if value is None or value < today:
        raise ValidationFailed(
            _("deadline must be today or later"), {field: _("must be today or later")}
        )
    last = today + timedelta(days=horizon_days)
    if value > last:
        message = _(
            "the deadline is too far ahead: at most %(days)s days from today (%(last)s)",
            days=horizon_days,
            last=last.isoformat(),
        )
        raise ValidationFailed(message, {field: message})
    return value


@effect
def mark_awaiting_verification(ticket: Ticket, ctx: Context) -> None:
    ticket.is_awaiting_verification = True
    ticket.completed_at, ticket.completed_on = ctx.now, ctx.today


@effect
def clear_awaiting_verification(ticket: Ticket, ctx: Context) -> None:
    ticket.is_awaiting_verification = False


@effect
def count_rejection(ticket: Ticket, ctx: Context) -> None:
    ticket.rejection_count += 1


@effect
def count_rebound(ticket: Ticket, ctx: Context) -> None:
    ticket.rebound_count += 1


@effect
def request_extension(ticket: Ticket, ctx: Context) -> None:
    asked = future_deadline(ctx.deadline, ctx.today, horizon_days=ctx.horizon_days)
    if asked <= ticket.deadline:
        raise ValidationFailed(
            _("an extension must move the deadline later"),
            {"deadline": _("must be after the current deadline %(date)s", date=ticket.deadline)},
        )
    ticket.requested_deadline = asked
    ctx.record["requested_deadline"] = asked.isoformat()


@effect
def approve_extension(ticket: Ticket, ctx: Context) -> None:
    assert ticket.requested_deadline is not None  # the workflow's guard: extension_pending
    ctx.record["old_deadline"] = ticket.deadline.isoformat()
    ctx.record["new_deadline"] = ticket.requested_deadline.isoformat()
    ticket.deadline = ticket.requested_deadline
    ticket.requested_deadline = None
    ticket.extension_count += 1


@effect
def refuse_extension(ticket: Ticket, ctx: Context) -> None:
    assert ticket.requested_deadline is not None  # the workflow's guard: extension_pending
    ctx.record["refused_deadline"] = ticket.requested_deadline.isoformat()
    ticket.requested_deadline = None


@effect
def set_deadline(ticket: Ticket, ctx: Context) -> None:
    ctx.record["old_deadline"] = ticket.deadline.isoformat()
    ticket.deadline = future_deadline(ctx.deadline, ctx.today, horizon_days=ctx.horizon_days)
    ctx.record["new_deadline"] = ticket.deadline.isoformat()


@effect
def mark_verified(ticket: Ticket, ctx: Context) -> None:
    ticket.verified_at = ctx.now


def _close(ticket: Ticket, ctx: Context, resolution: Resolution) -> None:
    ticket.resolution, ticket.closed_at, ticket.closed_on = resolution, ctx.now, ctx.today
    ticket.requested_deadline = None  # a closed ticket has no pending extension
    ticket.return_requested_at = ticket.return_by = None  # nor a return (退单) to answer


@effect
def resolve_done(ticket: Ticket, ctx: Context) -> None:
    _close(ticket, ctx, Resolution.DONE)


@effect
def resolve_withdrawn(ticket: Ticket, ctx: Context) -> None:
    _close(ticket, ctx, Resolution.WITHDRAWN)


@effect
def clear_resolution(ticket: Ticket, ctx: Context) -> None:
    ticket.resolution = ticket.closed_at = ticket.verified_at = None
    ticket.closed_on = None
    ticket.is_awaiting_verification = False


@effect
def schedule_followup(ticket: Ticket, ctx: Context) -> None:
    """A follow-up check (回头看) is due `followup_days` after closing; none when 0."""
    if ctx.followup_days > 0:
        ticket.followup_due_on = ctx.today + timedelta(days=ctx.followup_days)
        ctx.record["followup_due_on"] = ticket.followup_due_on.isoformat()


@effect
def record_followup(ticket: Ticket, ctx: Context) -> None:
    ctx.record["followup_due_on"] = (
        ticket.followup_due_on.isoformat() if ticket.followup_due_on else None
    )
    ticket.followup_due_on = None


@effect
def start_supervision(ticket: Ticket, ctx: Context) -> None:
    """Special supervision (挂牌督办): level and supervising leader from the input "supervision"."""
    assert ctx.supervision is not None  # the workflow requires the input
    ticket.supervision_level, ticket.supervisor = ctx.supervision
    ticket.is_supervised, ticket.supervised_at = True, ctx.now
    ticket.progress_reported_at = None
    ctx.record["supervision"] = {"level": ticket.supervision_level, "supervisor": ticket.supervisor}


@effect
def record_progress(ticket: Ticket, ctx: Context) -> None:
    """The unit's progress report under supervision: restarts the weekly report's count."""
    ticket.progress_reported_at = ctx.now


@effect
def lift_supervision(ticket: Ticket, ctx: Context) -> None:
    ctx.record["supervision"] = {"level": ticket.supervision_level, "supervisor": ticket.supervisor}
    ticket.is_supervised = False
    ticket.supervision_level = ticket.supervisor = None
    ticket.supervised_at = ticket.progress_reported_at = None


@effect
def request_return(ticket: Ticket, ctx: Context) -> None:
    """The unit returns the finding (申请退单): the clock stops until the dispatcher answers."""
    ticket.return_requested_at = ctx.now
    ctx.record["unit_id"] = ticket.responsible_unit_id


@effect
def refuse_return(ticket: Ticket, ctx: Context) -> None:
    """The dispatcher keeps the unit (退单不予同意): it may not return the finding again."""
    ctx.record["unit_id"] = ticket.responsible_unit_id
    ticket.return_requested_at = ticket.return_by = None


@effect
def reassign(ticket: Ticket, ctx: Context) -> None:
    """Hand the finding to another unit (改派), with a new deadline if one is given; the new
    unit has its own return window. `unit_id` in the record is the unit that returned it."""
    if ctx.unit is None or ctx.unit.id == ticket.responsible_unit_id:
        raise ValidationFailed(
            _("choose the unit to hand the finding to"),
            {"unit": _("another unit than the one that returned it")},
        )
    ctx.record.update(
        unit_id=ticket.responsible_unit_id, to_unit_id=ctx.unit.id, to_unit=ctx.unit.code
    )
    if ctx.deadline is not None:
        ctx.record["old_deadline"] = ticket.deadline.isoformat()
        ticket.deadline = future_deadline(ctx.deadline, ctx.today, horizon_days=ctx.horizon_days)
        ctx.record["new_deadline"] = ticket.deadline.isoformat()
    ticket.responsible_unit_id = ctx.unit.id
    ticket.assignee_id = None  # a person of the unit that gave it back
    ticket.return_requested_at = None
    ticket.return_by = ctx.return_by or ctx.today
