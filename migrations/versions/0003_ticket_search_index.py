"""trigram index for free-text search on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:30:00

Hand-written: the pg_trgm extension and a GIN index over the searched columns, from
tracker/tickets/search.py (the same SQL `create_all` runs). Nothing on SQLite.
"""

from alembic import op

from tracker.tickets import search

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in search.INDEX_DDL:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in search.DROP_INDEX_DDL:
            bind.exec_driver_sql(statement)
