"""dashboard rollups kept by triggers; index on ticket.closed_at

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 21:00:00

Hand-written: the tables, then the triggers and their initial fill from the tickets, all from
tracker/reports/rollup_ddl.py (the same SQL `create_all` runs, tracker/reports/models.py).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from tracker.reports import rollup_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_rollup",
        sa.Column("responsible_unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inspection_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("is_awaiting_verification", sa.Boolean(), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("on_time_original", sa.Integer(), nullable=False),
        sa.Column("on_time_extended", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.Integer(), nullable=False),
        sa.Column("rebounds", sa.Integer(), nullable=False),
        sa.Column("close_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "responsible_unit_id",
            "inspection_id",
            "state",
            "is_awaiting_verification",
            "resolution",
            "deadline",
            name=op.f("pk_ticket_rollup"),
        ),
    )
    op.create_table(
        "ticket_flow_rollup",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("responsible_unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inspection_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "slot", "responsible_unit_id", "inspection_id", name=op.f("pk_ticket_flow_rollup")
        ),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_closed_at", ["closed_at"], unique=False)
    bind = op.get_bind()
    for rollup in rollup_ddl.ROLLUPS:
        for statement in rollup_ddl.install(rollup, bind.dialect.name):
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for rollup in rollup_ddl.ROLLUPS:
        for statement in rollup_ddl.uninstall(rollup, bind.dialect.name):
            bind.exec_driver_sql(statement)
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_closed_at")
    op.drop_table("ticket_flow_rollup")
    op.drop_table("ticket_rollup")
