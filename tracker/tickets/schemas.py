"""Validated inputs for ticket services (non-table models: table models do not validate)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import ValidationError, field_validator
from sqlmodel import Field, SQLModel

from tracker.core.errors import ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.core.pydantic_errors import field_errors
from tracker.tickets.models import Severity, Source

M = TypeVar("M", bound=SQLModel)


class IndicatorIn(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    unit: str = Field(default="", max_length=16)
    target: float | None = Field(default=None, ge=0)
    achieved: float | None = Field(default=None, ge=0)


class TicketCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10000)
    category: str | None = Field(default=None, max_length=32)
    source: Source = Source.INSPECTION
    inspection_id: int | None = None
    location_unit: str | None = Field(default=None, max_length=32)
    responsible_unit: str = Field(min_length=1, max_length=32)
    co_units: list[str] = Field(default_factory=list, max_length=20)
    assignee: str | None = Field(default=None, max_length=64)
    person_in_charge: str = Field(default="", max_length=100)
    requirement: str = Field(default="", max_length=5000)
    severity: Severity = Severity.NORMAL
    tags: list[str] = Field(default_factory=list, max_length=20)
    deadline: date | None = None
    deadline_working_days: int | None = Field(default=None, ge=1, le=365)
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=50)

    @field_validator("title", "description", "requirement", "person_in_charge")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class TicketUpdate(SQLModel):
    """Fields a PATCH may change (state changes go through transitions)."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10000)
    category: str | None = Field(default=None, max_length=32)
    location_unit: str | None = Field(default=None, max_length=32)
    responsible_unit: str | None = Field(default=None, max_length=32)
    co_units: list[str] | None = Field(default=None, max_length=20)
    assignee: str | None = Field(default=None, max_length=64)
    person_in_charge: str | None = Field(default=None, max_length=100)
    requirement: str | None = Field(default=None, max_length=5000)
    severity: Severity | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    deadline: date | None = None
    indicators: list[IndicatorIn] | None = Field(default=None, max_length=50)


class TransitionIn(SQLModel):
    transition: str = Field(min_length=1, max_length=64)
    comment: str = Field(default="", max_length=5000)
    deadline: date | None = None
    attachments: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=20
    )
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=50)
    # Special supervision (挂牌督办): its level and the supervising leader.
    supervision_level: Literal["county", "township"] | None = None
    supervisor: str = Field(default="", max_length=100)
    # Reassignment (改派): the code of the unit the finding is handed to instead.
    unit: str | None = Field(default=None, max_length=32)

    def provided(self) -> set[str]:
        """Names of the inputs given, as the workflow's `requires` lists them."""
        given = set()
        if self.comment.strip():
            given.add("comment")
        if self.deadline is not None:
            given.add("deadline")
        if self.attachments:
            given.add("attachments")
        if any(i.achieved is not None for i in self.indicators):
            given.add("indicators")
        if self.supervision_level and self.supervisor.strip():
            given.add("supervision")
        if self.unit and self.unit.strip():
            given.add("unit")
        return given


def validate(model: type[M], data: dict) -> M:
    """Validate `data` into `model`, raising ValidationFailed with one message per field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_("invalid input"), field_errors(exc)) from exc
