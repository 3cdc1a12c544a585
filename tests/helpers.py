"""Helpers shared by tests (import as `from helpers import ...`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from tracker.core.db import get_engine

PASSWORD = "correct-horse-42"
# A fixed moment for tests: 2026-06-15 10:00 in Asia/Shanghai.
NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
# A deadline for requests stamped with the real clock: ahead of it, inside DEADLINE_HORIZON_DAYS.
SOON = (datetime.now(UTC) + timedelta(days=120)).date().isoformat()
# The new-finding form as an inspector fills it in (no category: tests add one or expect its error).
FILING_FORM = {
    "title": "河湾村垃圾堆未清理",
    "description": "房前屋后垃圾堆 5 处",
    "source": "inspection",
    "responsible_unit": "town-b",
    "severity": "normal",
    "deadline": SOON,
}


def later(days: float) -> datetime:
    return NOW + timedelta(days=days)


def flag_rules(app):  # type: ignore[no-untyped-def]
    """The evidence flag rules of `app` (its workflow and [evidence] settings)."""
    from tracker.evidence.flags import FlagRules

    return FlagRules.of(app.extensions["workflow"], app.config)


def login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})


@contextmanager
def count_queries(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Collect the SQL statements `app`'s engine runs inside the block."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def database_rows(session) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every row of every table, ordered by primary key: two databases that went through the
    same steps compare equal, ids, hashes and outbox keys included."""
    from sqlalchemy import select
    from sqlmodel import SQLModel

    session.flush()
    return {
        table.name: [
            tuple(row)
            for row in session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in SQLModel.metadata.sorted_tables
    }


def restart_ids(session) -> None:  # type: ignore[no-untyped-def]
    """After a rollback, let PostgreSQL hand out the same ids again, as SQLite does."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    if session.get_bind().dialect.name != "postgresql":
        return
    for table in SQLModel.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    session.commit()


def pdf_info(path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """`pdfinfo`'s fields (Pages, Page size ...) of a PDF (poppler-utils)."""
    import subprocess

    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def pdf_text(path, layout: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    """The text of each page of a PDF (`pdftotext`), pages split at form feeds."""
    import subprocess

    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return out.stdout.split("\f")
