"""ticket supervision (挂牌督办): flag, level, supervising leader, dates on the ticket

Revision ID: ticket_supervision
Revises: official_documents
Create Date: 2026-12-03 05:00:00

Adds columns with plain ALTER TABLE (no batch: a SQLite table copy would drop the rollup
triggers on `ticket`); the flag has a server default so existing rows read false.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "ticket_supervision"
down_revision = "official_documents"
branch_labels = None
depends_on = None

COLUMNS = ("progress_reported_at", "supervised_at", "supervisor", "supervision_level")


def upgrade() -> None:
    op.add_column(
        "ticket", sa.Column("is_supervised", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "ticket",
        sa.Column("supervision_level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column(
        "ticket", sa.Column("supervisor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
    )
    op.add_column("ticket", sa.Column("supervised_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column(
        "ticket", sa.Column("progress_reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.create_index(op.f("ix_ticket_is_supervised"), "ticket", ["is_supervised"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_is_supervised"), table_name="ticket")
    for name in (*COLUMNS, "is_supervised"):
        op.drop_column("ticket", name)
