"""Migrations: from empty to head on each database, idempotent, and matching the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import PG_URL, pg_database
from sqlalchemy import inspect
from sqlmodel import SQLModel

from tracker import create_app, migrate
from tracker.db import get_engine

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


def test_downgrade_to_base_and_up_again(empty_app):  # type: ignore[no-untyped-def]
    migrate.upgrade(empty_app)
    migrate.downgrade(empty_app, "base")
    assert migrate.current_revision(empty_app) is None
    migrate.upgrade(empty_app)
    assert migrate.current_revision(empty_app) is not None
