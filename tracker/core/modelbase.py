"""Shared pieces of the table models: metadata naming convention and timestamp defaults.

Surrogate keys are declared `id: int = Field(default=None, primary_key=True)`: the database
assigns the id at the flush, and every row read back or flushed has one, so the code that uses
ids (nearly all of it) types them as `int` instead of narrowing `int | None` at each use. The
column is the same either way (a primary key is never nullable); only an object not yet flushed
holds None there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import Index, Table, text
from sqlmodel import Session, SQLModel, select

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


class Coded(Protocol):
    """A row of a tree of rows named by a unique code (units, problem categories)."""

    id: int
    code: str


_Coded = TypeVar("_Coded", bound=Coded)


def code_and_parent(
    session: Session, model: type[_Coded], code: str, parent_code: str | None
) -> tuple[bool, _Coded | None]:
    """Whether `code` is still free for a new `model` row, and the row `parent_code` names (None
    when no code is given or no row has it): the two checks before adding a row to a coded tree,
    each caller refusing in its own words."""
    free = not code or session.exec(select(model.id).where(model.code == code)).first() is None
    parent = None
    if parent_code:
        parent = session.exec(select(model).where(model.code == parent_code)).first()
    return free, parent
