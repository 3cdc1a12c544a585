"""Reading and editing the calendar overrides (`CalendarDay`); the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from tracker.calendar.models import NOTE_MAX_LENGTH, CalendarDay
from tracker.calendar.workdays import WorkdayCalendar
from tracker.core.errors import ValidationFailed
from tracker.core.i18n import service_gettext as _


def _year_filter(years: Iterable[int]) -> ColumnElement[bool]:
    bounds = [
        and_(col(CalendarDay.day) >= date(year, 1, 1), col(CalendarDay.day) <= date(year, 12, 31))
        for year in sorted(set(years))
    ]
    return or_(*bounds) if bounds else false()


def load_calendar(session: Session, years: Iterable[int] | None = None) -> WorkdayCalendar:
    """A calendar with the stored days as overrides (all of them, or only those in `years`)."""
    statement = select(CalendarDay)
    if years is not None:
        statement = statement.where(_year_filter(years))
    return WorkdayCalendar({row.day: row.is_workday for row in session.exec(statement)})


def set_day(session: Session, day: date, is_workday: bool, note: str = "") -> CalendarDay:
    """Create or update the override for `day`."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        message = _("The note may have at most %(count)s characters.", count=NOTE_MAX_LENGTH)
        raise ValidationFailed(message, {"note": message})
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, note=note)
    else:
        row.is_workday = is_workday
        row.note = note
    session.add(row)
    session.flush()
    return row


def remove_day(session: Session, day: date) -> bool:
    """Delete the override for `day`; False if there was none."""
    row = session.get(CalendarDay, day)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def list_days(session: Session, year: int) -> list[CalendarDay]:
    """The overrides of `year`, in date order."""
    statement = select(CalendarDay).where(_year_filter([year])).order_by(col(CalendarDay.day))
    return list(session.exec(statement))


def years_with_days(session: Session, years: Iterable[int]) -> set[int]:
    """Which of `years` have at least one override entered."""
    return {
        row.year for row in session.exec(select(col(CalendarDay.day)).where(_year_filter(years)))
    }
