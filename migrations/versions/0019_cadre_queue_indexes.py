"""cadre queue indexes: a unit's work queues by index-only scans at 1,000,000 tickets

Revision ID: cadre_queue_indexes
Revises: ticket_returns
Create Date: 2026-12-03 10:40:00

A cadre's queues (to accept, returned, rectifying, reported awaiting check) filtered tens of
thousands of heap rows per township: the responsible unit's index held the state only, so
"awaiting verification", "rejected before" and "no return pending" were read from the table
(bench/RESULTS.md, queues). One index holds them per responsible unit (the pending return as an
included column on PostgreSQL), and a partial index the few tickets a unit asked to return.
"""

import sqlalchemy as sa
from alembic import op

revision = "cadre_queue_indexes"
down_revision = "ticket_returns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_responsible_queue",
        "ticket",
        ["responsible_unit_id", "state", "is_awaiting_verification", "rejection_count"],
        postgresql_include=["return_requested_at"],
    )
    op.create_index(
        "ix_ticket_return_pending",
        "ticket",
        ["state", "responsible_unit_id"],
        postgresql_where=sa.text("return_requested_at IS NOT NULL"),
        sqlite_where=sa.text("return_requested_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_return_pending", table_name="ticket")
    op.drop_index("ix_ticket_responsible_queue", table_name="ticket")
