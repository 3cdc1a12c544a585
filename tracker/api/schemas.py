"""API models (non-table): request models beside the ticket service's own, and response shapes.

The OpenAPI document is generated from these (tracker/api/openapi.py), so they are the contract.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import Field, SQLModel

from tracker.evidence.models import Purpose
from tracker.tickets.models import Severity, Source
from tracker.tickets.queries import SORTS
from tracker.tickets.schemas import TicketUpdate, TransitionIn

ID_MAX = 2**31 - 1
SortKey = Literal[tuple(SORTS)]  # type: ignore[valid-type]  # built from SORTS at import time


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


class EventQuery(SQLModel):
    """Paging of `GET /tickets/<id>/events` (keyset: any depth costs the same)."""

    per_page: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="default HISTORY_PAGE_SIZE, capped at MAX_PAGE_SIZE",
    )
    order: Literal["asc", "desc"] = Field(
        default="asc", description="asc: oldest first (the default); desc: the latest first"
    )
    cursor: str | None = Field(
        default=None,
        max_length=20,
        description="the previous answer's `next_cursor`; empty or absent for the first page",
    )


class DownloadQuery(SQLModel):
    download: Literal["0", "1"] | None = Field(
        default=None, description="1: as a download even for a photo (shown inline otherwise)"
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
    queue: str | None = Field(
        default=None, max_length=64, description="a work queue's name (GET /queues)"
    )
    overdue: Literal["0", "1"] | None = None
    supervised: Literal["0", "1"] | None = Field(
        default=None, description="1: only findings under special supervision (挂牌督办)"
    )
    rag: Literal["red", "amber", "green"] | None = None
    due_before: date | None = None
    due_after: date | None = None
    q: str | None = Field(default=None, max_length=200)
    sort: SortKey | None = None  # type: ignore[valid-type]  # SortKey: see above
    cursor: str | None = Field(
        default=None,
        max_length=200,
        description=(
            "keyset pagination instead of `page`: empty for the first page, then the previous "
            "answer's `next_cursor` (same filters and sort); no total is counted"
        ),
    )


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


class SupervisionOut(SQLModel):
    level: Literal["county", "township"]
    supervisor: str = Field(description="the supervising leader")
    since: datetime
    progress_reported_at: datetime | None


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
    return_by: date | None = Field(
        description="last day the responsible unit may return the finding (退单), or null"
    )
    return_pending: bool = Field(
        description="the unit returned it and it waits to be reassigned (待改派); the clock stops"
    )
    supervision: SupervisionOut | None = Field(
        description="special supervision (挂牌督办) in force, or null"
    )
    indicators: list[IndicatorOut]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    transitions: list[TransitionOut]


class TicketPage(SQLModel):
    items: list[TicketOut]
    page: int = Field(description="1 on keyset (`cursor`) pages")
    per_page: int
    total: int | None = Field(
        description=(
            "matching tickets, counted exactly up to LIST_COUNT_CAP (10,000 by default; "
            "LIST_FILTERED_COUNT_CAP, 1,000, when filters other than state narrow the list); "
            'past it the cap itself with `total_is_capped` true (read it as "10000+"); null on '
            "keyset (`cursor`) pages, which count nothing"
        )
    )
    total_is_capped: bool = Field(
        default=False, description="true when more than `total` tickets match"
    )
    next_cursor: str | None = Field(
        default=None,
        description="pass as `cursor` for the page after this one; null on the last page",
    )


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
    per_page: int
    next_cursor: str | None = Field(
        default=None,
        description="pass as `cursor` for the next page (same `order`); null on the last page",
    )


class UserOut(SQLModel):
    username: str
    display_name: str
    email: str | None
    role: str
    unit: str | None
    charges: list[str]
    is_enabled: bool
    must_change_password: bool
    last_login_at: datetime | None


class UserList(SQLModel):
    items: list[UserOut]


class UserPatch(SQLModel):
    """Fields to change; `is_enabled: false` ends the user's sessions and tokens at once."""

    display_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    role: str | None = Field(default=None, max_length=16)
    unit: str | None = Field(default=None, max_length=32)
    charges: list[str] | None = None
    is_enabled: bool | None = None


class TemporaryPassword(SQLModel):
    username: str
    temporary_password: str


class TokenOut(SQLModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenList(SQLModel):
    items: list[TokenOut]


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
    position: int = 0


class CategoryList(SQLModel):
    items: list[CategoryOut]


class CategoryCreate(SQLModel):
    """A new category; `parent` is a top category's code, `position` defaults to last."""

    code: str = Field(min_length=1, max_length=32)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    parent: str | None = Field(default=None, max_length=32)
    position: int | None = Field(default=None, ge=0, le=ID_MAX)


class CategoryPatch(SQLModel):
    """Fields to change; `is_active: false` disables (old tickets keep the category)."""

    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    position: int | None = Field(default=None, ge=0, le=ID_MAX)
    is_active: bool | None = None


class StandardIndicatorOut(SQLModel):
    id: int
    group: str
    name: str
    unit: str
    is_paired: bool
    position: int
    is_active: bool


class StandardIndicatorList(SQLModel):
    items: list[StandardIndicatorOut]


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


class RankingItemOut(SQLModel):
    kind: str = Field(description="overdue, overdue_days_N, rejections, rebounds, ...")
    label: str
    count: int
    points: float = Field(description="signed: deductions negative, bonuses positive")


class RankingUnitOut(SQLModel):
    unit: str = Field(description="the township's code")
    name: str
    base: float
    total: float
    rank: int = Field(description="equal totals share a rank")
    items: list[RankingItemOut]


class RankingOut(SQLModel):
    """The township ranking out of 100 (tracker.reports.ranking), best first."""

    items: list[RankingUnitOut]
    formula: dict[str, Any] = Field(description="the `[ranking]` settings the scores follow")
    formula_text: list[str] = Field(description="the formula in words, one sentence per item")


class WorkflowOut(SQLModel):
    name: str
    initial: str
    states: list[dict[str, Any]]
    transitions: list[dict[str, Any]]


class QueueOut(SQLModel):
    name: str
    label: str = Field(description="in the caller's language")
    count: int = Field(description="tickets in it, counted up to QUEUE_COUNT_CAP")
    count_is_capped: bool = Field(description="more tickets than `count` are in it")
    kind: Literal["todo", "waiting"] = Field(
        description="todo: the caller may act now; waiting: the caller is involved, others act"
    )


class QueueList(SQLModel):
    items: list[QueueOut]


class NotificationQuery(SQLModel):
    """Paging of `GET /notifications`: newest first, `before` an id to page back."""

    before: int | None = Field(default=None, ge=1, description="only notices older than this id")
    per_page: int | None = Field(default=None, ge=1, le=100, description="at most 100; default 30")
    unread: Literal["0", "1"] | None = Field(default=None, description="1: unread notices only")


class NotificationTicket(SQLModel):
    id: int
    code: str
    title: str


class NotificationOut(SQLModel):
    id: int
    rule: str = Field(description="before, due, overdue, escalate, red, stale, notice, chase, ...")
    text: str = Field(description="what the notice says, in the caller's language")
    ticket: NotificationTicket | None = Field(
        description="the finding it is about, while the caller may see it; null for a digest"
    )
    count: int = Field(description="findings a digest lists; 1 for other notices")
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class NotificationPage(SQLModel):
    items: list[NotificationOut]
    unread: int = Field(description="the caller's unread notices (the bell's figure)")
    next_before: int | None = Field(
        description="pass as `before` for the next page; null at the end"
    )


class NotificationRead(SQLModel):
    """`POST /notifications/read`: the ids to mark read, or `all`."""

    ids: list[int] = Field(default_factory=list, max_length=1000)
    all: bool = False


class NotificationReadOut(SQLModel):
    marked: int = Field(description="notices that changed from unread to read")
    unread: int


class AttachmentUpload(SQLModel):
    """The multipart form of `POST /tickets/{id}/attachments` (documents the form; the file is
    checked by its content in tracker.evidence.service)."""

    file: bytes = Field(
        description="a photo (JPEG, PNG, WebP, HEIC) or a document (PDF, .docx, .xlsx); "
        "recognised by its content, not its name"
    )
    purpose: Purpose = Field(default=Purpose.EVIDENCE, description="what the file shows")


class PositionOut(SQLModel):
    """A point in WGS 84 decimal degrees, as phones record it (AMap and Baidu expect it
    converted to GCJ-02 / BD-09)."""

    lat: float = Field(description="latitude, WGS 84")
    lon: float = Field(description="longitude, WGS 84")


class AttachmentOut(SQLModel):
    id: int
    ticket_id: int
    event_id: int | None = Field(description="the transition event that cited it as evidence")
    filename: str
    content_type: str
    size: int
    sha256: str
    purpose: Purpose | str
    created_at: datetime
    download_url: str = Field(description="GET it with the same bearer token")
    taken_at: datetime | None = Field(
        default=None, description="capture time from the photo's EXIF; null if it has none"
    )
    position: PositionOut | None = Field(
        default=None, description="where the photo was taken (EXIF GPS), or null"
    )
    camera: str = ""
    flags: list[str] = Field(
        default_factory=list,
        description="reasons to look twice: taken_before_filing, taken_before_acceptance, "
        "no_capture_time, far_from_place, reused",
    )
    similar: list[int] = Field(
        default_factory=list,
        description="ids of attachments the caller may see that are the same picture",
    )


class AttachmentList(SQLModel):
    items: list[AttachmentOut]


class ErrorBody(SQLModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(SQLModel):
    error: ErrorBody
