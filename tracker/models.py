"""Import every table model so that `SQLModel.metadata` is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from tracker.calendar.models import CalendarDay
from tracker.inspections.models import Inspection, InspectionMember, InspectionUnit
from tracker.org.models import LeaderCharge, Unit, User
from tracker.tickets.models import (
    Category,
    Indicator,
    Ticket,
    TicketCodeCounter,
    TicketCoUnit,
    TicketEvent,
)

metadata = SQLModel.metadata

__all__ = [
    "CalendarDay",
    "Category",
    "Indicator",
    "Inspection",
    "InspectionMember",
    "InspectionUnit",
    "LeaderCharge",
    "Ticket",
    "TicketCoUnit",
    "TicketCodeCounter",
    "TicketEvent",
    "Unit",
    "User",
    "metadata",
]
