"""API models (non-table): request models beside the ticket service's own, and response shapes.

The OpenAPI document is generated from these (tracker/api/openapi.py), so they are the contract.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import Field, SQLModel

from tracker.tickets.models import Severity, Source
from tracker.tickets.queries import SORTS
from tracker.tickets.schemas import TicketUpdate, TransitionIn

ID_MAX = 2**31 - 1
SortKey = Literal[tuple(SORTS)]  # type: ignore[valid-type]


# --- requests ------------------------------------------------------------------------------


class TicketPatch(TicketUpdate):
    """Fields to change, with the `version` read (or an If-Match header)."""

    version: int | None = Field(default=None, ge=1, le=ID_MAX)


class TransitionRequest(TransitionIn):
    """A transition by name with the inputs it requires and the `version` read."""

    version: int | None = Field(default=None, ge=1, le=ID_MAX)


class CommentIn(SQLModel):
    comment: str = Field(min_length=1, max_length=5000)


class Paging(SQLModel):
    page: int = Field(default=1, ge=1, le=1_000_000)
    per_page: int | None = Field(
        default=None, ge=1, le=10_000, description="capped at MAX_PAGE_SIZE"
    )


class TicketQuery(Paging):
    """Filters of `GET /tickets` (read by tracker.tickets.queries.parse_filter)."""

    state: str | None = Field(
        default=None, max_length=200, description="state keys, comma-separated"
    )
    unit: str | None = Field(
        default=None, max_length=32, description="unit code, sub-units included"
    )
    category: str | None = Field(default=None, max_length=32, description="category code")
    source: Source | None = None
    inspection: int | None = Field(default=None, ge=1, le=ID_MAX)
    overdue: Literal["0", "1"] | None = None
    rag: Literal["red", "amber", "green"] | None = None
    due_before: date | None = None
    due_after: date | None = None
    q: str | None = Field(default=None, max_length=200)
    sort: SortKey | None = None  # type: ignore[valid-type]


# --- responses -----------------------------------------------------------------------------


class IndicatorOut(SQLModel):
    name: str
    unit: str
    target: float | None
    achieved: float | None


class TransitionOut(SQLModel):
    name: str
    to: str
    label: str
    requires: list[str]


class TicketOut(SQLModel):
    id: int
    code: str
    title: str
    description: str
    category: str | None
    source: str
    inspection_id: int | None
    location_unit: str | None
    responsible_unit: str
    co_units: list[str]
    assignee: str | None
    reporter: str | None
    person_in_charge: str
    requirement: str
    severity: Severity | str
    tags: list[str]
    deadline: date
    original_deadline: date
    requested_deadline: date | None
    state: str
    resolution: str | None
    version: int
    overdue: bool
    rag: Literal["red", "amber", "green"] | None
    awaiting_verification: bool
    rejection_count: int
    rebound_count: int
    indicators: list[IndicatorOut]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    transitions: list[TransitionOut]


class TicketPage(SQLModel):
    items: list[TicketOut]
    page: int
    per_page: int
    total: int


class EventOut(SQLModel):
    id: int
    kind: str
    transition: str | None
    from_state: str | None
    to_state: str | None
    comment: str
    actor: str | None
    data: dict[str, Any]
    created_at: datetime


class EventList(SQLModel):
    items: list[EventOut]


class UnitOut(SQLModel):
    id: int
    code: str
    name: str
    kind: str
    parent: str | None
    depth: int
    is_active: bool


class UnitList(SQLModel):
    items: list[UnitOut]


class CategoryOut(SQLModel):
    id: int
    code: str
    name_zh: str
    name_en: str
    parent: str | None
    is_active: bool


class CategoryList(SQLModel):
    items: list[CategoryOut]


class InspectionOut(SQLModel):
    id: int
    title: str
    kind: str
    started_on: date
    ended_on: date | None
    description: str
    created_at: datetime
    findings: int = Field(description="findings filed in this round (withdrawn ones left out)")
    closed: int
    overdue: int
    remaining: int = Field(description="findings still to clear (清零 when 0)")
    unit_count: int


class InspectionPage(SQLModel):
    items: list[InspectionOut]
    page: int
    per_page: int
    total: int


class StatsOut(SQLModel):
    """Dashboard figures over the caller's scope (tracker.reports.queries.dashboard_stats)."""

    generated_at: datetime
    today: date
    timezone: str
    amber_days: int
    scope: dict[str, Any]
    totals: dict[str, Any]
    units: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    weekly: list[dict[str, Any]]


class WorkflowOut(SQLModel):
    name: str
    initial: str
    states: list[dict[str, Any]]
    transitions: list[dict[str, Any]]


class AttachmentOut(SQLModel):
    id: int
    ticket_id: int
    filename: str
    content_type: str
    size: int
    created_at: datetime


class ErrorBody(SQLModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(SQLModel):
    error: ErrorBody
