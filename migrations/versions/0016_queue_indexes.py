"""queue indexes: the work queues at 1,000,000 tickets

Revision ID: queue_indexes
Revises: outbox_channels
Create Date: 2026-12-03 07:40:00

The county leader's queues counted with a sequential scan for pending extension requests (no
index held requested_deadline) and filtered heap rows for "awaiting verification" (bench/
RESULTS.md, queues). A state + awaiting + deadline index serves to-verify, rectifying and
overdue; two partial indexes hold the few tickets asking for more time or due a follow-up check.
"""

import sqlalchemy as sa
from alembic import op

revision = "queue_indexes"
down_revision = "outbox_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_state_awaiting_deadline",
        "ticket",
        ["state", "is_awaiting_verification", "deadline"],
    )
    op.create_index(
        "ix_ticket_extension_pending",
        "ticket",
        ["state", "responsible_unit_id"],
        postgresql_where=sa.text("requested_deadline IS NOT NULL"),
        sqlite_where=sa.text("requested_deadline IS NOT NULL"),
    )
    op.create_index(
        "ix_ticket_followup_due",
        "ticket",
        ["followup_due_on"],
        postgresql_where=sa.text("followup_due_on IS NOT NULL"),
        sqlite_where=sa.text("followup_due_on IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_followup_due", table_name="ticket")
    op.drop_index("ix_ticket_extension_pending", table_name="ticket")
    op.drop_index("ix_ticket_state_awaiting_deadline", table_name="ticket")
