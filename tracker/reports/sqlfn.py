"""Portable SQL expressions the reports need: local calendar dates and durations in days.

PostgreSQL converts with the named time zone; SQLite has no zone database, so it shifts by the
zone's UTC offset at `now` (exact for zones without daylight saving, such as Asia/Shanghai).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, cast, func
from sqlalchemy.sql import ColumnElement


def local_day(column, dialect: str, tz: str, now: datetime) -> ColumnElement:  # type: ignore[no-untyped-def]
    """The calendar date of a UTC timestamp column in `tz`, comparable with a Date column."""
    if dialect == "postgresql":
        return cast(func.timezone(tz, column), Date)
    offset = now.astimezone(ZoneInfo(tz)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes")


def days_between(start, end, dialect: str) -> ColumnElement:  # type: ignore[no-untyped-def]
    """`end - start` in (fractional) days."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float) / 86400.0
    return func.julianday(end) - func.julianday(start)
