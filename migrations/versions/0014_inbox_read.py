"""inbox read marks: the outbox's items are also the person's in-app notices

Revision ID: inbox_read
Revises: photo_hash_blocks
Create Date: 2026-12-03 07:10:00

Every reminder, escalation, digest and event notice planned for a person is one outbox item; the
bell and /notifications list those items, and `read_at` records when the person read one. The
partial index serves the bell's unread count on every page.
"""

import sqlalchemy as sa
from alembic import op

revision = "inbox_read"
down_revision = "photo_hash_blocks"
branch_labels = None
depends_on = None

UNREAD_SQL = "read_at IS NULL AND rule NOT IN ('daily', 'notices')"


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_outbox_message_unread",
        "outbox_message",
        ["recipient_id", "id"],
        postgresql_where=sa.text(UNREAD_SQL),
        sqlite_where=sa.text(UNREAD_SQL),
    )
    op.create_index("ix_outbox_message_recipient_list", "outbox_message", ["recipient_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_recipient_list", table_name="outbox_message")
    op.drop_index("ix_outbox_message_unread", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("read_at")
