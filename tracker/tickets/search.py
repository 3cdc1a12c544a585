"""Free-text search of tickets (the `q` filter), with a trigram index on PostgreSQL.

`q` matches a substring of any of SEARCH_COLUMNS, case-insensitively. Without an index that is
a scan of every visible row: fine for a county on SQLite, over a second for a province at 10^6
tickets. On PostgreSQL a `pg_trgm` GIN index over the columns joined into one text serves the
search (Chinese included: pg_trgm hashes multibyte trigrams; patterns need 3 characters for the
index to narrow anything, shorter ones fall back to the scan). The query adds the joined-text
condition in front of the per-column ones: a substring of one column is a substring of the
joined text, so the result is unchanged, and the planner can use the index for the first.

The index is created by migration 0003 and, for `create_all`, by DDL on the ticket table
(INDEX_DDL below is the one source of both).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, ColumnClause, ColumnElement, event, literal_column, or_

from tracker.core.modelbase import table_of
from tracker.tickets.models import Ticket

SEARCH_COLUMNS = ("title", "description", "code", "tags", "requirement", "person_in_charge")
INDEX_NAME = "ix_ticket_search_trgm"


def _joined(prefix: str = "") -> str:
    """The searched columns as one text. Every column is NOT NULL, so it is never NULL. The
    query spells the same expression as the index (constants inline, no bound parameters), or
    PostgreSQL would not match them."""
    return "(" + " || ' ' || ".join(prefix + name for name in SEARCH_COLUMNS) + ")"


INDEX_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON ticket USING gin ({_joined()} gin_trgm_ops)",
)
# The extension stays: other objects of the database may use it.
DROP_INDEX_DDL = (f"DROP INDEX IF EXISTS {INDEX_NAME}",)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(q: str, dialect: str) -> ColumnElement[bool]:
    """Tickets with `q` in any searched column (LIKE wildcards in `q` are taken literally)."""
    pattern = f"%{escape_like(q)}%"
    per_column = or_(
        *(getattr(Ticket, name).ilike(pattern, escape="\\") for name in SEARCH_COLUMNS)
    )
    if dialect != "postgresql":
        return per_column
    joined: ColumnClause[Any] = literal_column(_joined("ticket."))
    return joined.ilike(pattern, escape="\\") & per_column


for _statement in INDEX_DDL:
    event.listen(
        table_of(Ticket),
        "after_create",
        DDL(_statement).execute_if(dialect="postgresql"),
    )
