"""Import a 10,000-row findings spreadsheet, then export the 10,000-row ledger; print timings.

Run by hand (never in the test suite), on the configured database (an empty one is filled
with the demo county first):

    TRACKER_ENV=development TRACKER_DATABASE_URL=sqlite:////tmp/ledger.db \\
        .venv/bin/python bench/ledger_bench.py --rows 10000 --repeat 3

Each repetition imports the same sheet into a fresh copy of the demo county (the import is
rolled back afterwards), so every run files the same rows.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tracker import create_app, migrate
from tracker.core.clock import utcnow
from tracker.core.config import get_settings
from tracker.core.db import get_engine
from tracker.demo import load_demo
from tracker.org.models import Unit, User
from tracker.tickets import ledger, ledger_export, service
from tracker.tickets.queries import TicketFilter, scoped_query

HEADERS = [
    "问题描述",
    "问题类别",
    "问题来源",
    "乡镇/村",
    "责任单位",
    "协办单位",
    "责任人",
    "整改要求",
    "整改时限",
    "严重程度",
    "标签",
    "整改指标",
]


def sheet(rows: int, villages: list[str], townships: list[str]) -> bytes:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet()
    worksheet.append(HEADERS)
    for i in range(1, rows + 1):
        worksheet.append(
            [
                f"第{i}号 房前屋后垃圾堆未清理",
                "垃圾堆",
                "督查暗访",
                villages[i % len(villages)],
                townships[i % len(townships)],
                "县农业农村局" if i % 3 == 0 else "",
                "张三",
                "限期清理",
                "10个工作日" if i % 2 else "2099-07-31",
                "一般",
                "三堆",
                "清理垃圾堆:12堆；回收废旧农膜:3.5吨",
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[int]]:
    """Count the statements (each executemany batch once) `engine` runs inside the block."""
    counted = [0]

    def count(*_args: object) -> None:
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]))
    app = create_app()
    with app.app_context():
        migrate.upgrade(app)
        workflow = app.extensions["workflow"]
        settings = service.Settings.of(get_settings(app))
        with Session(get_engine(app), expire_on_commit=False) as session:
            if session.exec(select(Unit).where(Unit.code == "county")).first() is None:
                load_demo(session, 0, 2026, utcnow())
                session.commit()
            inspector = session.exec(select(User).where(User.username == "inspector")).one()
            townships = [u.name for u in session.exec(select(Unit).where(Unit.kind == "township"))]
            villages = [u.name for u in session.exec(select(Unit).where(Unit.kind == "village"))]
        data = sheet(args.rows, villages, townships)
        print(f"sheet: {args.rows} rows, {len(data) / 1e6:.1f} MB")

        imports, exports = [], []
        statements = []
        for _ in range(args.repeat):
            with Session(get_engine(app), expire_on_commit=False) as session:
                started = time.perf_counter()
                _total, rows = ledger.read_rows(BytesIO(data))
                with count_statements(get_engine(app)) as counted:
                    result = ledger.import_findings(
                        session, inspector, rows, workflow, utcnow(), settings
                    )
                    session.flush()
                imports.append(time.perf_counter() - started)
                statements.append(counted[0])
                assert result.ok, result.errors[:3]
                started = time.perf_counter()
                stmt = scoped_query(
                    session,
                    inspector,
                    TicketFilter(),
                    workflow,
                    utcnow(),
                    settings.timezone,
                    app.config["AMBER_DAYS"],
                ).rows
                out = BytesIO()
                count = ledger_export.write_ledger(
                    session,
                    stmt,
                    "deadline",
                    workflow,
                    utcnow(),
                    settings.timezone,
                    app.config["AMBER_DAYS"],
                    out,
                )
                exports.append(time.perf_counter() - started)
                session.rollback()
        print(
            f"import {args.rows} rows: median {statistics.median(imports):.1f} s "
            f"({args.rows / statistics.median(imports):.0f} rows/s) over {args.repeat} runs"
        )
        print(f"import statements: {statements[0]} ({statements[0] / args.rows:.3f} per row)")
        print(
            f"export {count} rows: median {statistics.median(exports):.2f} s "
            f"({len(out.getvalue()) / 1e6:.1f} MB .xlsx)"
        )


if __name__ == "__main__":
    main()
