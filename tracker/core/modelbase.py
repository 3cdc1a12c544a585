"""Shared pieces of the table models: metadata naming convention and timestamp defaults.

Surrogate keys are declared `id: int = Field(default=None, primary_key=True)`: the database
assigns the id at the flush, and every row read back or flushed has one, so the code that uses
ids (nearly all of it) types them as `int` instead of narrowing `int | None` at each use. The
column is the same either way (a primary key is never nullable); only an object not yet flushed
holds None there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Table, text
from sqlmodel import SQLModel

from tracker.core.clock import utcnow
from tracker.core.db import NAMING_CONVENTION

SQLModel.metadata.naming_convention = NAMING_CONVENTION


def created_now() -> datetime:
    """Default factory for `created_at` columns (aware UTC)."""
    return utcnow()


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model, for statements written in SQLAlchemy Core.

    SQLAlchemy's declarative scan sets `__table__` on the class; SQLModel does not declare it."""
    table = model.__dict__["__table__"]
    assert isinstance(table, Table)
    return table


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of only the rows matching the SQL condition `where`, on PostgreSQL and SQLite."""
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))
