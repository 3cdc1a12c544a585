"""Time helpers. Storage is aware UTC; deadlines are local dates due at their end.

Only the outermost layer (a view, a CLI command, a scheduler job) reads the clock with `utcnow()`;
services take `now` as a parameter so that tests can pass any moment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Return an aware UTC datetime; naive values (SQLite round-trips) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_date(moment: datetime, tz: str | ZoneInfo) -> date:
    """The calendar date of `moment` in time zone `tz`."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return as_utc(moment).astimezone(zone).date()


def days_left(deadline: date, now: datetime, tz: str | ZoneInfo) -> int:
    """Whole days until the deadline's end: 0 on the day itself, negative once overdue."""
    return (deadline - local_date(now, tz)).days
