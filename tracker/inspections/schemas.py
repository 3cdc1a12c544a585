"""Validated input for creating an inspection round (table models do not validate)."""

from __future__ import annotations

from datetime import date

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from tracker.inspections.models import InspectionKind


class InspectionCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    kind: InspectionKind = InspectionKind.ROUTINE
    started_on: date
    ended_on: date | None = None
    description: str = Field(default="", max_length=10000)
    team: list[str] = Field(default_factory=list, max_length=50)  # usernames
    units: list[str] = Field(default_factory=list, max_length=500)  # unit codes

    @field_validator("title", "description", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value
