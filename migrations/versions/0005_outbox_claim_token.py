"""outbox claim token: a dispatcher checks its lease on a row before each send

Revision ID: outbox_claim_token
Revises: 0004
Create Date: 2026-12-03 04:05:00

A batch slower than the lease could be claimed by a second dispatcher and sent twice; with the
claiming batch's token on each row, the first dispatcher sees the row was taken and skips it.
"""

import sqlalchemy as sa
from alembic import op

revision = "outbox_claim_token"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(
            sa.Column("claim_token", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("claim_token")
