"""Working-day arithmetic on China's official calendar, with overrides and a Monday–Friday fallback.

Pure: no Flask, no database. The order of authority for a day is: an override (admin table), then
the `chinese_calendar` package, then — for a year neither knows — Monday to Friday, in which case
the year is recorded in `WorkdayCalendar.fallback_years` so the caller can show a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

import chinese_calendar

_ONE_DAY = timedelta(days=1)


@cache
def package_covers(year: int) -> bool:
    """Whether `chinese_calendar` has data for `year` (probed once per year, then cached)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8192)
def _package_is_workday(day: date) -> bool:
    """`chinese_calendar.is_workday`, remembered: the package checks each date against the
    bounds of its whole holiday table on every call, which made working-day deadlines the
    largest cost of a SQLite import (bench/RESULTS.md). Its answer for a date never changes."""
    return chinese_calendar.is_workday(day)


def _as_date(day: date) -> date:
    # A datetime is a date too, but it would never match a date key in the overrides.
    return day.date() if isinstance(day, datetime) else day


class WorkdayCalendar:
    """Answers "is this a working day?" and counts working days."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides: dict[date, bool] = {
            _as_date(day): bool(value) for day, value in (overrides or {}).items()
        }
        self._override_years = {day.year for day in self.overrides}
        self.fallback_years: set[int] = set()

    def is_workday(self, day: date) -> bool:
        day = _as_date(day)
        override = self.overrides.get(day)
        if override is not None:
            return override
        if package_covers(day.year):
            return _package_is_workday(day)
        if day.year not in self._override_years:
            self.fallback_years.add(day.year)
        # The year is unknown to the package: plain Monday–Friday (with or without overrides).
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The date of the n-th working day after `start` (`start` itself never counts; n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        day = _as_date(start)
        remaining = n
        while remaining:
            day += _ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, counted the same way, if `end` is before `start`.

        Consistent with `add_working_days`: `working_days_between(s, add_working_days(s, n)) == n`.
        """
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            if self.is_workday(day):
                count += 1
        return count

    def covered(self, year: int) -> bool:
        """Whether the package knows `year` or the overrides hold at least one day of it."""
        return package_covers(year) or year in self._override_years

    def __repr__(self) -> str:
        return f"<WorkdayCalendar {len(self.overrides)} overrides>"


def fallback_warning(years: Iterable[int]) -> str | None:
    """An English warning for years counted Monday–Friday, or None if there are none."""
    ordered = sorted(set(years))
    if not ordered:
        return None
    listed = ", ".join(str(year) for year in ordered)
    return (
        f"No official holiday calendar for {listed}: counting Monday–Friday. "
        "An administrator can enter the holidays under Calendar."
    )
