"""return and reassign (退单/改派): the unit's return window and a pending return on the ticket

Revision ID: ticket_returns
Revises: directory_version
Create Date: 2026-12-03 07:15:00

Plain ALTER TABLE (no batch: a SQLite table copy would drop the rollup triggers on `ticket`).
Findings filed before this revision have no return window (`return_by` NULL): they cannot be
returned, as before.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "ticket_returns"
down_revision = "directory_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket", sa.Column("return_by", sa.Date(), nullable=True))
    op.add_column(
        "ticket",
        sa.Column("return_requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("ticket", "return_requested_at")
    op.drop_column("ticket", "return_by")
