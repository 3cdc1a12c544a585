"""channels: one outbox row per (recipient, channel, message), group robots, mobiles

Revision ID: outbox_channels
Revises: inbox_read
Create Date: 2026-12-03 07:30:00

Messages go out by e-mail, SMS, a signed webhook or a unit's group robot (WeCom, DingTalk): the
outbox row names its channel; a person has a mobile (robot @-mentions, SMS) and the personal
channels they chose; a unit has robots.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "outbox_channels"
down_revision = "inbox_read"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy of user_account would drop a table that
    # other tables' foreign keys name.
    op.add_column(
        "outbox_message",
        sa.Column("channel", sa.String(length=32), nullable=False, server_default="email"),
    )
    op.create_index("ix_outbox_message_channel_sent", "outbox_message", ["channel", "sent_at"])
    op.add_column("user_account", sa.Column("mobile", sa.String(length=20), nullable=True))
    op.add_column(
        "user_account",
        sa.Column(
            "notify_channels",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),  # json has no equality
            nullable=False,
            server_default="[]",
        ),
    )
    op.create_table(
        "robot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_robot_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_robot")),
    )
    op.create_index(op.f("ix_robot_unit_id"), "robot", ["unit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_robot_unit_id"), table_name="robot")
    op.drop_table("robot")
    op.drop_column("user_account", "notify_channels")
    op.drop_column("user_account", "mobile")
    op.drop_index("ix_outbox_message_channel_sent", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("channel")
