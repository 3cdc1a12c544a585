"""Inspection rounds (督查轮次): creating them, who sees which, their progress and next steps.

Inspectors and admins see every round. Leaders and cadres see a round that covered a unit of
their scope (or an ancestor of it, e.g. a county-wide round) or that produced a finding they can
see; any other round id is "not found". Progress figures count only findings the viewer may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, exists, false, or_, true
from sqlmodel import Session, col, select

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.inspections.models import Inspection, InspectionMember, InspectionUnit
from tracker.inspections.progress import Progress, progress_by_inspection
from tracker.inspections.schemas import InspectionCreate
from tracker.org.directory import directory
from tracker.org.models import Role, Unit, User
from tracker.policy import Permission, offers
from tracker.tickets.models import Ticket
from tracker.tickets.schemas import validate
from tracker.tickets.scope import scope_roots, visibility_condition
from tracker.workflow.definition import WorkflowDefinition

MAX_ROUND_DAYS = 366
MAX_FINDINGS_SHOWN = 500
MAX_NEXT_STEPS = 20000  # characters of the next steps (三、), on either page that writes them


@dataclass
class InspectionSummary:
    inspection: Inspection
    progress: Progress
    unit_count: int = 0


@dataclass
class InspectionDetail:
    inspection: Inspection
    progress: Progress
    team: list[User] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    has_more_tickets: bool = False


# --- creating ------------------------------------------------------------------------------


# long: one check per field, every problem collected as a field error
def create_inspection(
    session: Session,
    actor: User,
    data: InspectionCreate | Mapping[str, Any],
    now: datetime,
) -> Inspection:
    """Record a round with its team and the units it covered; every problem is a field error."""
    if not offers(actor, Permission.CREATE_INSPECTION):
        raise Forbidden(_("Only inspectors and administrators create inspection rounds."))
    if not isinstance(data, InspectionCreate):
        data = validate(InspectionCreate, dict(data))
    errors: dict[str, str] = {}
    if not data.title:
        errors["title"] = _("A title is required.")
    if data.ended_on is not None:
        if data.ended_on < data.started_on:
            errors["ended_on"] = _("The end cannot come before the start.")
        elif data.ended_on - data.started_on > timedelta(days=MAX_ROUND_DAYS):
            errors["ended_on"] = _("A round lasts at most a year.")
    team_names = list(dict.fromkeys(n.strip() for n in data.team if n.strip()))
    members = []
    if team_names:
        members = list(session.exec(select(User).where(col(User.username).in_(team_names))))
    found = {u.username: u for u in members}
    unknown = [n for n in team_names if n not in found]
    wrong_role = [
        u.username
        for u in members
        if not offers(u, Permission.JOIN_INSPECTION_TEAM) or not u.is_enabled
    ]
    if unknown:
        errors["team"] = _("Unknown users: %(names)s.", names=", ".join(unknown))
    elif wrong_role:
        errors["team"] = _(
            "Only inspectors and leaders can be on a team: %(names)s.", names=", ".join(wrong_role)
        )
    codes = list(dict.fromkeys(c.strip() for c in data.units if c.strip()))
    units = list(session.exec(select(Unit).where(col(Unit.code).in_(codes)))) if codes else []
    missing = sorted(set(codes) - {u.code for u in units})
    if not codes:
        errors["units"] = _("Choose the units the round covered.")
    elif missing:
        errors["units"] = _("Unknown units: %(codes)s.", codes=", ".join(missing))
    if errors:
        raise ValidationFailed("; ".join(errors.values()), errors)
    if not members and actor.role == Role.INSPECTOR:
        members = [actor]
    inspection = Inspection(
        title=data.title,
        kind=data.kind,
        started_on=data.started_on,
        ended_on=data.ended_on,
        description=data.description,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(inspection)
    session.flush()
    for member in members:
        session.add(InspectionMember(inspection_id=inspection.id, user_id=member.id))
    for unit in units:
        session.add(InspectionUnit(inspection_id=inspection.id, unit_id=unit.id))
    session.flush()
    return inspection


def update_next_steps(
    session: Session, actor: User, inspection: Inspection, text: str, now: datetime
) -> Inspection:
    """Set 三、下一步工作措施及建议 (the bulletin's next steps), and who wrote it when.

    The one rule for the text, whether it is written on the round's page or the bulletin's."""
    if not offers(actor, Permission.EDIT_NEXT_STEPS):
        raise Forbidden(_("only leaders, inspectors and admins edit the bulletin"))
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_NEXT_STEPS:
        raise ValidationFailed(
            _("the next steps are too long"),
            {"next_steps": _("at most %(count)s characters", count=MAX_NEXT_STEPS)},
        )
    inspection.next_steps = text
    inspection.next_steps_updated_at = now
    inspection.next_steps_updated_by_id = actor.id
    session.add(inspection)
    session.flush()
    return inspection


# --- seeing --------------------------------------------------------------------------------


def inspection_visibility(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE condition on `Inspection` selecting the rounds `user` may see."""
    roots = scope_roots(session, user)
    if roots is None:
        return true()
    if not roots:
        return false()
    ancestors = {int(part) for root in roots for part in root.path.strip("/").split("/") if part}
    subtrees = directory(session).subtree_ids(roots)
    covered = exists().where(
        col(InspectionUnit.inspection_id) == col(Inspection.id),
        col(InspectionUnit.unit_id).in_({*subtrees, *ancestors}),
    )
    has_finding = exists().where(
        col(Ticket.inspection_id) == col(Inspection.id), visibility_condition(session, user)
    )
    return or_(covered, has_finding)


def list_inspections(
    session: Session, user: User, workflow: WorkflowDefinition, now: datetime, tz: str
) -> list[InspectionSummary]:
    """The rounds `user` may see, newest first, each with its progress (three queries)."""
    inspections = list(
        session.exec(
            select(Inspection)
            .where(inspection_visibility(session, user))
            .order_by(col(Inspection.started_on).desc(), col(Inspection.id).desc())
        )
    )
    ids = [i.id for i in inspections]
    progress = progress_by_inspection(session, user, ids, workflow, now, tz)
    unit_counts: dict[int, int] = {}
    if ids:
        for link in session.exec(
            select(InspectionUnit).where(col(InspectionUnit.inspection_id).in_(ids))
        ):
            unit_counts[link.inspection_id] = unit_counts.get(link.inspection_id, 0) + 1
    return [InspectionSummary(i, progress[i.id], unit_counts.get(i.id, 0)) for i in inspections]


def visible_inspections(session: Session, user: User) -> list[Inspection]:
    """The rounds `user` may see, newest first, for filters and pickers (no progress)."""
    return list(
        session.exec(
            select(Inspection)
            .where(inspection_visibility(session, user))
            .order_by(col(Inspection.started_on).desc(), col(Inspection.id).desc())
        )
    )


def get_visible_inspection(session: Session, user: User, inspection_id: int) -> Inspection:
    inspection = session.exec(
        select(Inspection).where(
            Inspection.id == inspection_id, inspection_visibility(session, user)
        )
    ).first()
    if inspection is None:
        raise NotFound(_("inspection not found"))
    return inspection


_Linked = TypeVar("_Linked", User, Unit)


def _linked(
    session: Session, inspection: Inspection, model: type[_Linked], link_id: Any, order: Any
) -> list[_Linked]:
    """The rows of `model` linked to the round by a link table, `link_id` being that table's
    column of their id: the team (`InspectionMember.user_id`) or the units (`.unit_id`)."""
    link = link_id.class_
    return list(
        session.exec(
            select(model)
            .join(link, col(link_id) == col(model.id))
            .where(link.inspection_id == inspection.id)
            .order_by(order)
        )
    )


def get_inspection(
    session: Session,
    user: User,
    inspection_id: int,
    workflow: WorkflowDefinition,
    now: datetime,
    tz: str,
) -> InspectionDetail:
    """A round with its team, units, progress and the findings `user` may see."""
    inspection = get_visible_inspection(session, user, inspection_id)
    team = _linked(session, inspection, User, InspectionMember.user_id, User.username)
    units = _linked(session, inspection, Unit, InspectionUnit.unit_id, Unit.path)
    tickets = list(
        session.exec(
            select(Ticket)
            .where(Ticket.inspection_id == inspection.id, visibility_condition(session, user))
            .order_by(col(Ticket.deadline), col(Ticket.id))
            .limit(MAX_FINDINGS_SHOWN + 1)
        )
    )
    progress = progress_by_inspection(session, user, [inspection.id], workflow, now, tz)
    return InspectionDetail(
        inspection=inspection,
        progress=progress[inspection.id],
        team=team,
        units=units,
        tickets=tickets[:MAX_FINDINGS_SHOWN],
        has_more_tickets=len(tickets) > MAX_FINDINGS_SHOWN,
    )
