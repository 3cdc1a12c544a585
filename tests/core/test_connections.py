"""Pooled PostgreSQL connections: one that died while idle is replaced before a request uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import tracker.core.db
from tracker.core.db import get_engine


def _backend_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(url: str, pid: int) -> None:
    """What a database restart does to a pooled connection, from another session."""
    admin = create_engine(url)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()


@pytest.fixture
def pg_engine(app):  # type: ignore[no-untyped-def]
    engine = get_engine(app)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite connections do not die with a server")
    return engine


def test_an_idle_connection_that_died_is_replaced(pg_engine, app, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tracker.core.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    first = _backend_pid(pg_engine)
    _terminate(app.config["DATABASE_URL"], first)
    second = _backend_pid(pg_engine)  # no error: the checkout's ping found it dead
    assert second != first


def test_a_busy_connection_is_not_pinged(pg_engine, app, monkeypatch):  # type: ignore[no-untyped-def]
    """The counterpart: without the idle check the dead connection reaches the caller, which
    shows the test above exercises the check (and that busy connections skip the ping)."""
    monkeypatch.setattr(tracker.core.db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    first = _backend_pid(pg_engine)
    _terminate(app.config["DATABASE_URL"], first)
    with pytest.raises(OperationalError):
        _backend_pid(pg_engine)
    assert _backend_pid(pg_engine) != first  # the pool dropped it after the error


@pytest.mark.parametrize(
    ("path", "read_only"),
    [
        ("/tickets/1", True),
        ("/tickets/1/notice.docx", False),
        ("/tickets/1/notice", False),
        ("/bulletin.docx", False),
    ],
)
def test_a_get_that_issues_a_document_number_gets_the_writers_session(app, path, read_only):  # type: ignore[no-untyped-def]
    """GETs read through the reader (autocommit on PostgreSQL: no SAVEPOINT, no atomic group
    of writes); the document downloads that enter a 文号 are marked with `writes_on_get` and
    get a transaction like any POST."""
    with app.test_request_context(path):
        assert (tracker.core.db.READ_ONLY_KEY in tracker.core.db.get_session().info) is read_only
