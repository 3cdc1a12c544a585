"""dashboard rollups kept by triggers; index on ticket.closed_at

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 21:00:00

Hand-written: the tables, then the triggers and their initial fill from the tickets. The trigger
SQL is a frozen copy (migrations/frozen/0002_ticket_rollup.json) of what
tracker/reports/rollup_ddl.py produced when this revision was written, so a later change to that
module changes new installs only through a new migration (tests/core/test_migrations.py checks).
"""

import json
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

FROZEN = json.loads(
    (Path(__file__).resolve().parent.parent / "frozen" / "0002_ticket_rollup.json").read_text("utf-8")
)

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
    for statement in FROZEN[bind.dialect.name]["install"]:
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in FROZEN[bind.dialect.name]["uninstall"]:
        bind.exec_driver_sql(statement)
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_closed_at")
    op.drop_table("ticket_flow_rollup")
    op.drop_table("ticket_rollup")
