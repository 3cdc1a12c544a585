"""Calendar overrides in the database: upsert, removal, and loading into a WorkdayCalendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import chinese_calendar
import pytest
from sqlmodel import Session, create_engine

from tracker.calendar.models import CalendarDay
from tracker.calendar.service import list_days, load_calendar, remove_day, set_day
from tracker.core.errors import ValidationFailed


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    CalendarDay.__table__.create(engine)  # type: ignore[attr-defined]
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_set_day_creates_then_updates(session: Session):
    day = date(2027, 1, 1)
    row = set_day(session, day, False, "New Year's Day")
    session.commit()
    assert row.created_at.tzinfo is not None
    created_at = row.created_at

    updated = set_day(session, day, True, "  make-up day  ")
    session.commit()
    rows = list_days(session, 2027)
    assert len(rows) == 1
    assert updated.day == day
    assert rows[0].is_workday is True
    assert rows[0].note == "make-up day"
    assert rows[0].created_at == created_at


def test_set_day_rejects_a_long_note(session: Session):
    with pytest.raises(ValidationFailed) as info:
        set_day(session, date(2027, 1, 1), False, "x" * 101)
    assert "note" in info.value.fields
    assert list_days(session, 2027) == []
    set_day(session, date(2027, 1, 1), False, "x" * 100)  # the limit itself is fine


def test_remove_day(session: Session):
    set_day(session, date(2027, 1, 1), False, "")
    session.commit()
    assert remove_day(session, date(2027, 1, 1)) is True
    session.commit()
    assert list_days(session, 2027) == []
    assert remove_day(session, date(2027, 1, 1)) is False


def test_list_days_is_per_year_and_ordered(session: Session):
    for day in (date(2027, 10, 1), date(2026, 12, 31), date(2027, 1, 1), date(2028, 1, 1)):
        set_day(session, day, False, "")
    session.commit()
    assert [r.day for r in list_days(session, 2027)] == [date(2027, 1, 1), date(2027, 10, 1)]


def test_load_calendar_honours_rows(session: Session):
    national_day = date(2026, 10, 1)
    assert not chinese_calendar.is_workday(national_day)
    set_day(session, national_day, True, "office open")  # overrides the package
    set_day(session, date(2027, 1, 1), False, "New Year's Day")  # a Friday
    set_day(session, date(2027, 1, 3), True, "make-up Sunday")
    session.commit()

    cal = load_calendar(session)
    assert cal.is_workday(national_day)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 3))
    assert cal.covered(2027)
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 3)
    assert cal.fallback_years == set()


def test_load_calendar_for_some_years_only(session: Session):
    set_day(session, date(2026, 10, 1), True, "")
    set_day(session, date(2027, 1, 1), False, "")
    session.commit()

    only_2027 = load_calendar(session, years=[2027])
    assert set(only_2027.overrides) == {date(2027, 1, 1)}
    assert not only_2027.is_workday(date(2026, 10, 1))  # package again

    assert load_calendar(session, years=[]).overrides == {}
    assert not load_calendar(session, years=[2028]).covered(2028)
