"""Migrations: from empty to head on each database, idempotent, and matching the models."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import PG_URL, pg_database
from sqlalchemy import inspect
from sqlmodel import SQLModel

from tracker import create_app, migrate
from tracker.core.db import get_engine
from tracker.core.resources import resource_dir

BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'm.db'}" if request.param == "sqlite" else pg_database("mig")
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    yield app
    get_engine(app).dispose()


def test_upgrade_from_empty_is_idempotent_and_matches_models(empty_app):  # type: ignore[no-untyped-def]
    migrate.upgrade(empty_app)
    first = migrate.current_revision(empty_app)
    migrate.upgrade(empty_app)  # a second run changes nothing
    assert migrate.current_revision(empty_app) == first
    engine = get_engine(empty_app)
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": migrate.include_object}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_db_commands_say_the_revision_in_the_cli_language(empty_app):  # type: ignore[no-untyped-def]
    from tracker.cli import db_upgrade

    runner = empty_app.test_cli_runner()
    zh = runner.invoke(db_upgrade, [])  # the configured default: zh
    assert zh.exit_code == 0, zh.output
    assert zh.output.startswith("数据库当前版本：") and "None" not in zh.output
    en = runner.invoke(db_upgrade, [], env={"TRACKER_LANG": "en"})
    assert en.output.startswith("database at revision ")


def test_downgrade_to_base_and_up_again(empty_app):  # type: ignore[no-untyped-def]
    migrate.upgrade(empty_app)
    migrate.downgrade(empty_app, "base")
    assert migrate.current_revision(empty_app) is None
    migrate.upgrade(empty_app)
    assert migrate.current_revision(empty_app) is not None


def test_an_existing_history_is_upgraded_to_the_keyed_chain(empty_app):  # type: ignore[no-untyped-def]
    """0009 re-chains every event under the audit key and seals every ticket."""
    from sqlalchemy import text
    from sqlmodel import Session

    from tracker.demo import demo_command
    from tracker.ops import audit

    result = empty_app.test_cli_runner().invoke(demo_command, ["--tickets", "30"])
    assert result.exit_code == 0, result.output
    assert "已加载演示县，共 30 个问题" in result.output and "分管青山乡的领导" in result.output
    again = empty_app.test_cli_runner().invoke(demo_command, ["--lang", "en"])
    assert "Demo data is already loaded" in again.output
    assert "leader in charge of 青山乡" in again.output
    migrate.downgrade(empty_app, "accounts_sessions")  # as before: no heads on the tickets
    engine = get_engine(empty_app)
    with engine.begin() as conn:  # whatever the old chain held, it is recomputed
        conn.execute(text("UPDATE ticket_event SET hash = 'old', prev_hash = 'older'"))
    migrate.upgrade(empty_app)
    with empty_app.app_context(), Session(engine) as session:
        verified = audit.verify_chain(session)
        assert verified.ok, [b.describe() for b in verified.breaks[:3]]
        assert verified.tickets == 30 and verified.events > 30
        assert session.execute(text("SELECT min(history_count) FROM ticket")).scalar_one() >= 1


def _migration(name: str):  # type: ignore[no-untyped-def]
    """A revision script loaded by path, as Alembic loads it."""
    import importlib.util

    path = resource_dir("migrations") / "versions" / name
    spec = importlib.util.spec_from_file_location(f"frozen_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_revisions_carry_frozen_ddl_not_the_apps_code() -> None:
    """A revision applies the SQL of its day: importing today's modules would rewrite old ones."""
    versions = resource_dir("migrations") / "versions"
    importing = [
        path.name
        for path in sorted(versions.glob("*.py"))
        if re.search(r"^\s*(from|import) tracker\b", path.read_text("utf-8"), re.M)
    ]
    assert importing == []


def test_frozen_ddl_still_matches_what_the_app_creates() -> None:
    """When one of these fails, the app's DDL changed: add a revision that applies the new SQL
    (with its own frozen copy) and compare against that revision here instead."""
    from tracker.reminders.models import SENDABLE_SQL
    from tracker.reports import rollup_ddl
    from tracker.tickets import search

    rollup = _migration("0002_ticket_rollup.py").FROZEN
    for dialect in ("sqlite", "postgresql"):
        assert rollup[dialect]["install"] == [
            statement for r in rollup_ddl.ROLLUPS for statement in rollup_ddl.install(r, dialect)
        ]
        assert rollup[dialect]["uninstall"] == [
            statement for r in rollup_ddl.ROLLUPS for statement in rollup_ddl.uninstall(r, dialect)
        ]
    trigram = _migration("0003_ticket_search_index.py")
    assert (trigram.INDEX_DDL, trigram.DROP_INDEX_DDL) == (search.INDEX_DDL, search.DROP_INDEX_DDL)
    assert _migration("0004_outbox_sendable_index.py").SENDABLE_SQL == SENDABLE_SQL
