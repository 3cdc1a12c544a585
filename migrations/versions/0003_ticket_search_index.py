"""trigram index for free-text search on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:30:00

Hand-written: the pg_trgm extension and a GIN index over the searched columns; a frozen copy of
tracker/tickets/INDEX_DDL as it was then (the SQL `create_all` runs). Nothing on SQLite.
"""

from alembic import op

INDEX_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_ticket_search_trgm ON ticket USING gin ((title || ' ' || "
    "description || ' ' || code || ' ' || tags || ' ' || requirement || ' ' || person_in_charge) "
    "gin_trgm_ops)",
)
DROP_INDEX_DDL = ("DROP INDEX IF EXISTS ix_ticket_search_trgm",)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in INDEX_DDL:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in DROP_INDEX_DDL:
            bind.exec_driver_sql(statement)
