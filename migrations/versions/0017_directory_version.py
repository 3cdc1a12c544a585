"""directory version: a number raised by triggers when units, categories or people's names change

Revision ID: directory_version
Revises: queue_indexes
Create Date: 2026-12-03 07:20:00

Each worker keeps units, categories and people's names in memory and reloads them when this
number moved (tracker/org/directory.py): a list request no longer reads them each time.
The DDL is frozen here (the models build the same for `create_all`).
"""

import sqlalchemy as sa
from alembic import op

revision = "directory_version"
down_revision = "queue_indexes"
branch_labels = None
depends_on = None

TABLES = {"unit": None, "category": None, "user_account": ("username", "display_name")}
BUMP = (
    "INSERT INTO directory_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = directory_version.version + 1"
)


def _update(columns: tuple[str, ...] | None) -> str:
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


def upgrade() -> None:
    op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_version")),
    )
    op.execute("INSERT INTO directory_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION directory_version_bump() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table, columns in TABLES.items():
            op.execute(
                f"CREATE OR REPLACE TRIGGER {table}_directory_version AFTER INSERT OR DELETE OR "
                f"{_update(columns)} ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION directory_version_bump()"
            )
        return
    for table, columns in TABLES.items():
        for name, operation in (("insert", "INSERT"), ("delete", "DELETE"), ("update", _update(columns))):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_directory_{name} AFTER {operation} "
                f"ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_directory_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS directory_version_bump()")
    else:
        for table in TABLES:
            for name in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_directory_{name}")
    op.drop_table("directory_version")
