"""partial index for the dispatcher's claim of sendable outbox rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:45:00

The claim reads the earliest sendable rows in order; with only (status, next_attempt_at) it
sorted the whole backlog for every batch (0.54 s at 10^6 pending rows).
"""

import sqlalchemy as sa
from alembic import op

# A frozen copy of tracker/reminders/models.SENDABLE_SQL as it was at this revision.
SENDABLE_SQL = "status IN ('pending', 'failed')"

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_message_sendable",
        "outbox_message",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text(SENDABLE_SQL),
        sqlite_where=sa.text(SENDABLE_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_sendable", table_name="outbox_message")
