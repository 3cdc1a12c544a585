"""overdue index include: the county-wide 分管逾期 count by an index-only scan again

Revision ID: overdue_index_include
Revises: overdue_in_charge_index
Create Date: 2026-12-03 12:10:00

With ix_ticket_responsible_overdue (0021) carrying the pending return, PostgreSQL counted a county
leader's overdue tickets through it, skipping over its leading unit column: 13.5 ms of a 15 ms
queue statement at 1,000,000 tickets, where ix_ticket_state_awaiting_deadline would stop at the
cap but had to visit the heap for the pending return. That index now carries it too (2.4 ms).
"""

from alembic import op

revision = "overdue_index_include"
down_revision = "overdue_in_charge_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_state_awaiting_deadline", table_name="ticket")
    op.create_index(
        "ix_ticket_state_awaiting_deadline",
        "ticket",
        ["state", "is_awaiting_verification", "deadline"],
        postgresql_include=["return_requested_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_state_awaiting_deadline", table_name="ticket")
    op.create_index(
        "ix_ticket_state_awaiting_deadline",
        "ticket",
        ["state", "is_awaiting_verification", "deadline"],
    )
