"""photo evidence: EXIF facts and fingerprints on attachments, matches, positions

Revision ID: photo_evidence
Revises: standard_taxonomy
Create Date: 2026-12-03 04:20:00

Adds nullable columns only (no table rewrite on PostgreSQL); existing attachments keep empty
facts and fingerprints.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "photo_evidence"
down_revision = "standard_taxonomy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "camera",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("has_display", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("source_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("phash", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("dhash", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachment_source_sha256"), ["source_sha256"], unique=False)

    op.create_table(
        "attachment_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachment.id"], name=op.f("fk_attachment_match_attachment_id_attachment")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["attachment.id"], name=op.f("fk_attachment_match_other_id_attachment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_match")),
        sa.UniqueConstraint(
            "attachment_id", "other_id", name=op.f("uq_attachment_match_attachment_id_other_id")
        ),
    )
    with op.batch_alter_table("attachment_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_match_other_id"), ["other_id"], unique=False)

    op.create_table(
        "unit_position",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_position_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_position")),
    )
    op.create_table(
        "ticket_position",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_position_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_position")),
    )


def downgrade() -> None:
    op.drop_table("ticket_position")
    op.drop_table("unit_position")
    with op.batch_alter_table("attachment_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_match_other_id"))
    op.drop_table("attachment_match")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_source_sha256"))
        for column in (
            "dhash", "phash", "source_sha256", "has_display", "longitude", "latitude", "camera", "taken_at"
        ):
            batch_op.drop_column(column)
