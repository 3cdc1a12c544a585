"""outbox bundles: items held for a person's daily message or notice window

Revision ID: outbox_bundles
Revises: keyed_history_chain
Create Date: 2026-12-03 04:20:00

Reminders, escalations, digests and event notices are no longer mailed one by one: they are held
(status `held`) and gathered into one message per person (`bundle_id` names it).
"""

import sqlalchemy as sa
from alembic import op

revision = "outbox_bundles"
down_revision = "keyed_history_chain"
branch_labels = None
depends_on = None

HELD_SQL = "status = 'held'"


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("bundle_id", sa.Integer(), nullable=True))
    op.create_index("ix_outbox_message_bundle_id", "outbox_message", ["bundle_id"])
    op.create_index(
        "ix_outbox_message_held",
        "outbox_message",
        ["recipient_id", "id"],
        postgresql_where=sa.text(HELD_SQL),
        sqlite_where=sa.text(HELD_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_held", table_name="outbox_message")
    op.drop_index("ix_outbox_message_bundle_id", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("bundle_id")
