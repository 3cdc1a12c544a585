"""robot for leaders: a group robot that carries the leaders' messages

Revision ID: robot_for_leaders
Revises: cadre_queue_indexes
Create Date: 2026-12-03 11:15:00

A county office often has a leaders' work group: a robot marked for leaders posts the messages
of the leaders in charge of its unit (their daily escalations and weekly digest) instead of its
cadres'.
"""

import sqlalchemy as sa
from alembic import op

revision = "robot_for_leaders"
down_revision = "cadre_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): no batch copy of a table that others' keys name.
    op.add_column(
        "robot",
        sa.Column("is_for_leaders", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("robot") as batch:
        batch.drop_column("is_for_leaders")
