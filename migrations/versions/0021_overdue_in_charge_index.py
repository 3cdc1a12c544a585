"""overdue in charge index: a township leader's 分管逾期 by index-only scans at 1,000,000 tickets

Revision ID: overdue_in_charge_index
Revises: robot_for_leaders
Create Date: 2026-12-03 11:35:00

The overdue tickets of a subtree (responsible unit, state, no report awaiting checking, deadline
passed, no return pending) were a bitmap of every overdue row of the township: the responsible
unit's index holds state and deadline but not "awaiting verification", so the count could not
stop at the cap (bench/RESULTS.md, queues). ix_ticket_state_awaiting_deadline per responsible
unit, with the pending return included on PostgreSQL.
"""

from alembic import op

revision = "overdue_in_charge_index"
down_revision = "robot_for_leaders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_responsible_overdue",
        "ticket",
        ["responsible_unit_id", "state", "is_awaiting_verification", "deadline"],
        postgresql_include=["return_requested_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_responsible_overdue", table_name="ticket")
