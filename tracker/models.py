"""Import every table model so that `SQLModel.metadata` is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from tracker.auth.models import ApiToken, LoginThrottle, UserSession
from tracker.calendar.models import CalendarDay
from tracker.documents.models import IssuedDocument
from tracker.evidence.models import (
    Attachment,
    AttachmentMatch,
    PhotoHashBlock,
    TicketPosition,
    UnitPosition,
)
from tracker.inspections.models import Inspection, InspectionMember, InspectionUnit
from tracker.org.models import LeaderCharge, Unit, User
from tracker.reminders.models import OutboxMessage, Robot
from tracker.reports.models import BulletinText, TicketFlowRollup, TicketRollup
from tracker.tickets import search  # noqa: F401  (the search index's DDL on `ticket`)
from tracker.tickets.models import (
    Category,
    Indicator,
    StandardIndicator,
    Ticket,
    TicketCodeCounter,
    TicketCoUnit,
    TicketEvent,
)

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Attachment",
    "AttachmentMatch",
    "BulletinText",
    "CalendarDay",
    "Category",
    "Indicator",
    "Inspection",
    "InspectionMember",
    "InspectionUnit",
    "IssuedDocument",
    "LeaderCharge",
    "LoginThrottle",
    "OutboxMessage",
    "PhotoHashBlock",
    "Robot",
    "StandardIndicator",
    "Ticket",
    "TicketCoUnit",
    "TicketCodeCounter",
    "TicketEvent",
    "TicketFlowRollup",
    "TicketPosition",
    "TicketRollup",
    "Unit",
    "UnitPosition",
    "User",
    "UserSession",
    "metadata",
]
