"""WorkdayCalendar: the package's answers, overrides, the Monday–Friday fallback (no app needed)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.calendar.workdays import WorkdayCalendar, fallback_warning, package_covers


def _weekend_workdays(start: date, end: date) -> list[date]:
    """Make-up working days (调休) in [start, end], as the package reports them."""
    return [d for d in chinese_calendar.get_workdays(start, end) if d.weekday() >= 5]


def _weekday_holidays(start: date, end: date) -> list[date]:
    return [d for d in chinese_calendar.get_holidays(start, end) if d.weekday() < 5]


# --- 2026, as the package knows it -------------------------------------------------------------


def test_package_covers_2026_but_not_2027():
    assert package_covers(2026)
    assert not package_covers(2027)
    cal = WorkdayCalendar()
    assert cal.covered(2026)
    assert not cal.covered(2027)


def test_national_day_2026_golden_week_is_off():
    cal = WorkdayCalendar()
    detail = chinese_calendar.get_holiday_detail(date(2026, 10, 1))
    assert detail[0] is True
    for day in range(1, 8):
        assert cal.is_workday(date(2026, 10, day)) is chinese_calendar.is_workday(
            date(2026, 10, day)
        )
    assert not cal.is_workday(date(2026, 10, 1))
    # Weekday holidays in early October exist and are off.
    holidays = _weekday_holidays(date(2026, 9, 20), date(2026, 10, 10))
    assert holidays
    assert not any(cal.is_workday(d) for d in holidays)
    assert cal.fallback_years == set()


def test_mid_autumn_2026_is_off():
    cal = WorkdayCalendar()
    mid_autumn = [
        d
        for d in chinese_calendar.get_holidays(date(2026, 9, 1), date(2026, 10, 31))
        if chinese_calendar.get_holiday_detail(d)[1]
        == chinese_calendar.Holiday.mid_autumn_festival.value
    ]
    assert mid_autumn
    assert not any(cal.is_workday(d) for d in mid_autumn)


def test_national_day_2026_make_up_weekend_days_are_on_and_counted():
    cal = WorkdayCalendar()
    make_up = _weekend_workdays(date(2026, 9, 1), date(2026, 10, 31))
    assert make_up, "the package should list at least one make-up working weekend day"
    for day in make_up:
        assert cal.is_workday(day)
        # From the day before, the next working day is the make-up (weekend) day itself.
        before = day - timedelta(days=1)
        expected = next(
            before + timedelta(days=k)
            for k in range(1, 30)
            if chinese_calendar.is_workday(before + timedelta(days=k))
        )
        assert expected == day
        assert cal.add_working_days(before, 1) == day


def test_add_working_days_crosses_golden_week():
    cal = WorkdayCalendar()
    start = date(2026, 9, 28)  # Monday before National Day
    expected = chinese_calendar.get_workdays(start + timedelta(days=1), date(2026, 11, 30))[4]
    assert cal.add_working_days(start, 5) == expected
    # The golden week is skipped: five working days from 28 September are well past 7 October.
    assert expected > date(2026, 10, 7)
    assert cal.working_days_between(start, expected) == 5


def test_spring_festival_2026_and_its_make_up_days():
    cal = WorkdayCalendar()
    start, end = date(2026, 2, 1), date(2026, 3, 15)
    holidays = [
        d
        for d in chinese_calendar.get_holidays(start, end)
        if chinese_calendar.get_holiday_detail(d)[1]
        == chinese_calendar.Holiday.spring_festival.value
    ]
    assert holidays
    assert not any(cal.is_workday(d) for d in holidays)
    assert any(d.weekday() < 5 for d in holidays)  # a holiday really costs working days

    make_up = _weekend_workdays(start, end)
    assert make_up
    assert all(cal.is_workday(d) for d in make_up)

    # Counting across the festival equals the package's own count of working days.
    first, last = min(holidays) - timedelta(days=7), max(holidays) + timedelta(days=10)
    package_count = len(chinese_calendar.get_workdays(first + timedelta(days=1), last))
    assert cal.working_days_between(first, last) == package_count
    assert cal.add_working_days(first, package_count) <= last
    assert cal.working_days_between(first, cal.add_working_days(first, package_count)) == (
        package_count
    )


# --- Overrides ---------------------------------------------------------------------------------


def test_overrides_take_precedence_in_a_year_the_package_knows():
    national_day = date(2026, 10, 1)
    make_up = _weekend_workdays(date(2026, 9, 1), date(2026, 10, 31))[0]
    cal = WorkdayCalendar({national_day: True, make_up: False})
    assert cal.is_workday(national_day)
    assert not cal.is_workday(make_up)


def test_overrides_in_2027_holiday_and_make_up_sunday():
    holiday = date(2027, 1, 1)  # Friday
    make_up_sunday = date(2027, 1, 3)  # Sunday
    assert holiday.weekday() == 4 and make_up_sunday.weekday() == 6
    cal = WorkdayCalendar({holiday: False, make_up_sunday: True})
    assert not cal.is_workday(holiday)
    assert cal.is_workday(make_up_sunday)
    assert not cal.is_workday(date(2027, 1, 2))  # Saturday, no override: weekend
    assert cal.is_workday(date(2027, 1, 4))  # Monday
    # 31 Dec 2026 (Thu) + 1 working day: 1 Jan is off, 2 Jan Saturday, 3 Jan the make-up Sunday.
    assert cal.add_working_days(date(2026, 12, 31), 1) == make_up_sunday
    assert cal.covered(2027)
    # A year the admins have entered is not a fallback year.
    assert cal.fallback_years == set()
    assert fallback_warning(cal.fallback_years) is None


def test_datetime_argument_matches_a_date_override():
    from datetime import datetime

    cal = WorkdayCalendar({date(2027, 1, 1): False})
    assert not cal.is_workday(datetime(2027, 1, 1, 9, 30))


# --- A year nobody knows -----------------------------------------------------------------------


def test_first_of_january_2027_without_overrides_falls_back_to_monday_to_friday():
    cal = WorkdayCalendar()
    assert cal.is_workday(date(2027, 1, 1))  # a Friday: no error, counted as working
    assert not cal.is_workday(date(2027, 1, 2))  # Saturday
    assert not cal.is_workday(date(2027, 1, 3))  # Sunday
    assert cal.fallback_years == {2027}
    warning = fallback_warning(cal.fallback_years)
    assert warning is not None
    assert "2027" in warning
    assert "Monday–Friday" in warning


def test_fallback_warning_lists_years_in_order_and_is_none_when_empty():
    assert fallback_warning(set()) is None
    assert fallback_warning([]) is None
    warning = fallback_warning({2028, 2027})
    assert warning is not None
    assert "2027, 2028" in warning


def test_add_working_days_across_the_year_boundary_2026_to_2027():
    cal = WorkdayCalendar()
    start = date(2026, 12, 30)  # Wednesday
    assert cal.is_workday(date(2026, 12, 31)) is chinese_calendar.is_workday(date(2026, 12, 31))
    # Thu 31 Dec (package), Fri 1 Jan 2027 (fallback: working), Mon 4 Jan, Tue 5 Jan.
    assert cal.add_working_days(start, 1) == date(2026, 12, 31)
    assert cal.add_working_days(start, 2) == date(2027, 1, 1)
    assert cal.add_working_days(start, 3) == date(2027, 1, 4)
    assert cal.fallback_years == {2027}
    assert cal.working_days_between(start, date(2027, 1, 4)) == 3


def test_n_must_be_positive():
    cal = WorkdayCalendar()
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 5, 1), 0)


def test_working_days_between_edges():
    cal = WorkdayCalendar()
    monday = date(2026, 3, 2)
    assert cal.working_days_between(monday, monday) == 0
    assert cal.working_days_between(monday, date(2026, 3, 6)) == 4  # Tue..Fri
    assert cal.working_days_between(date(2026, 3, 6), monday) == -4


@settings(max_examples=80, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_working_days_between_inverts_add_working_days(start: date, n: int):
    cal = WorkdayCalendar({date(2027, 2, 8): False, date(2027, 2, 6): True})
    end = cal.add_working_days(start, n)
    assert end > start
    assert cal.is_workday(end)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(start, end - timedelta(days=1)) == n - 1
