"""register of issued documents (文号) and the bulletin's editable texts

Revision ID: official_documents
Revises: outbox_bundles
Create Date: 2026-12-03 04:00:00

issued_document: one 文号 per document, unique per year. bulletin_text: versions of a
township's account of its measures and of section 二, append-only.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "official_documents"
down_revision = "outbox_bundles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_issued_document_issued_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
        sa.UniqueConstraint("key", name=op.f("uq_issued_document_key")),
        sa.UniqueConstraint("year", "serial", name=op.f("uq_issued_document_year_serial")),
    )
    op.create_table(
        "bulletin_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("section", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("written_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_bulletin_text_inspection_id_inspection"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_bulletin_text_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["user_account.id"],
            name=op.f("fk_bulletin_text_written_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["user_account.id"],
            name=op.f("fk_bulletin_text_accepted_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_text")),
    )
    op.create_index(
        "ix_bulletin_text_round",
        "bulletin_text",
        ["inspection_id", "section", "unit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_bulletin_text_round", table_name="bulletin_text")
    op.drop_table("bulletin_text")
    op.drop_table("issued_document")
