"""A county starts from zero through the CLI alone: the standard taxonomy comes with the schema."""

from __future__ import annotations

import pytest
from conftest import PG_URL, pg_database
from openpyxl import Workbook
from sqlmodel import Session, select

from tracker import create_app
from tracker.cli import cli
from tracker.core.db import get_engine
from tracker.tickets import ledger
from tracker.tickets.models import Category, StandardIndicator, Ticket

BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def fresh_app(request, tmp_path):  # type: ignore[no-untyped-def]
    url = (
        f"sqlite:///{tmp_path / 'fresh.db'}" if request.param == "sqlite" else pg_database("fresh")
    )
    app = create_app({"TESTING": True, "DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path)})
    yield app
    get_engine(app).dispose()


def run(app, *args: str) -> str:  # type: ignore[no-untyped-def]
    """Run a command with its messages in English (TRACKER_LANG; the default is Chinese)."""
    result = app.test_cli_runner().invoke(cli, list(args), env={"TRACKER_LANG": "en"})
    assert result.exit_code == 0, (args, result.output)
    return result.output


def fail(app, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(cli, list(args), env={"TRACKER_LANG": "en"})
    assert result.exit_code != 0, (args, result.output)
    return result.output


def sheet(path, rows: list[dict]) -> str:  # type: ignore[no-untyped-def]
    workbook = Workbook()
    headers = list(ledger.IMPORT_HEADERS)
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return str(path)


def finding(category: str, text: str = "房前屋后垃圾堆未清理") -> dict:
    return {
        "问题描述": text,
        "问题类别": category,
        "责任单位": "qs",
        "整改时限": "10个工作日",
        "整改指标": "清理垃圾堆:12堆",
    }


def test_a_county_starts_from_zero_with_the_cli_only(fresh_app, tmp_path):  # type: ignore[no-untyped-def]
    run(fresh_app, "db", "upgrade")
    run(fresh_app, "db", "upgrade")  # again: nothing seeded twice
    with Session(get_engine(fresh_app)) as session:
        assert (
            len(session.exec(select(Category.code).where(Category.code == "environment")).all())
            == 1
        )
        paired = session.exec(
            select(StandardIndicator)
            .where(StandardIndicator.name == "拆除废弃房屋")
            .order_by(StandardIndicator.position)
        ).all()
        assert [(i.unit, i.is_paired) for i in paired] == [("间", False), ("平方米", True)]
    run(fresh_app, "unit", "create", "county", "示范县", "--kind", "county")
    run(fresh_app, "unit", "create", "qs", "青山乡", "--kind", "township", "--parent", "county")
    run(fresh_app, "user", "create", "boss", "--role", "admin", "--password", "long-enough-1")
    run(fresh_app, "user", "create", "insp", "--role", "inspector", "--password", "long-enough-2")

    rows = [finding("人居环境"), finding("垃圾堆", "柴草堆占道")]
    out = run(fresh_app, "import", sheet(tmp_path / "a.xlsx", rows), "--as", "insp")
    assert "DC-" in out

    run(fresh_app, "category", "create", "straw", "秸秆焚烧", "--parent", "environment")
    assert "straw" in run(fresh_app, "category", "list")
    run(fresh_app, "import", sheet(tmp_path / "b.xlsx", [finding("秸秆焚烧")]), "--as", "insp")

    run(fresh_app, "category", "disable", "straw")
    message = fail(
        fresh_app, "import", sheet(tmp_path / "c.xlsx", [finding("straw")]), "--as", "insp"
    )
    assert '"straw" is disabled' in message
    assert "straw" not in run(fresh_app, "category", "list")
    assert "[disabled]" in run(fresh_app, "category", "list", "--all")
    zh = fresh_app.test_cli_runner().invoke(cli, ["category", "list", "--all"])
    assert "straw\t秸秆焚烧\t秸秆焚烧  ［已停用］" in zh.output  # the configured default: zh
    with Session(get_engine(fresh_app)) as session:
        straw = session.exec(select(Category).where(Category.code == "straw")).one()
        old = session.exec(select(Ticket).where(Ticket.category_id == straw.id)).all()
        assert len(old) == 1  # the ticket filed before keeps its category
        assert len(session.exec(select(Ticket)).all()) == 3
    assert "already exists" in fail(fresh_app, "category", "create", "straw", "又一个")
    assert "unknown category" in fail(fresh_app, "category", "disable", "nowhere")
