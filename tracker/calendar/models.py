"""Calendar table: admin-entered holidays and make-up working days (调休), over the package."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from tracker.core.modelbase import created_now

NOTE_MAX_LENGTH = 100


class CalendarDay(SQLModel, table=True):
    """One day whose status an administrator has fixed: a holiday or a working day."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    is_workday: bool
    note: str = Field(default="", max_length=NOTE_MAX_LENGTH)
    created_at: datetime = Field(default_factory=created_now)

    def __repr__(self) -> str:
        kind = "workday" if self.is_workday else "holiday"
        return f"<CalendarDay {self.day.isoformat()} {kind}>"
