"""Database engine per app, a session per app context on `g`, and SQLite connection settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import ARRAY, ColumnElement, Integer, any_, bindparam, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

# Naming convention for constraints, so Alembic migrations get stable names on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# How long a SQLite writer waits for the write lock before giving up (then: 503, retry later).
SQLITE_BUSY_TIMEOUT_MS = 30000


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and explicit BEGIN."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=10)
    _ping_idle_connections(engine)
    return engine


# A pooled connection idle longer than this is checked before use (see _ping_idle_connections).
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle, instead of on every checkout.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: a list request waited on the server
    14 times, now 11 (bench/RESULTS.md). A connection in steady use is known to be alive; one
    that waited (over a quiet spell, through a database restart) gets a `SELECT 1`, and a dead
    one is replaced before the request sees it (`DisconnectionError` makes the pool retry with
    a new one). A restart during busy traffic fails the requests already running, as before.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: object) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("idle connection is gone") from error


def _configure_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy emit BEGIN itself so that writers can ask for `BEGIN IMMEDIATE`.

    pysqlite's own transaction handling defers BEGIN and ignores IMMEDIATE; with
    `isolation_level=None` we take over (the SQLAlchemy documented recipe). A connection used with
    the execution option `sqlite_immediate=True` takes the write lock at BEGIN, which is how several
    processes doing read-then-write (the outbox claim) stay correct on SQLite.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: Flask) -> None:
    """Bind an engine to the app and close the request's session on teardown."""
    engine = app.extensions["tracker_engine"] = make_engine(app.config["DATABASE_URL"])
    # Made once: making an engine with options registers event listeners (three per request,
    # bench/RESULTS.md round 4 profile).
    app.extensions["tracker_binds"] = {"read": reader_bind(engine), "write": writer_bind(engine)}
    # Per request (an app context can outlive several requests, e.g. in tests) and per context.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["tracker_engine"]


# session.info key marking the session of a request that only reads (see `get_session`).
READ_ONLY_KEY = "read_only"
# Requests with these methods only read; every other request may write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writer_bind(engine: Engine) -> Engine:
    """The engine for a unit of work that may write: on SQLite its transactions BEGIN IMMEDIATE.

    A deferred BEGIN takes the write lock at the first write; if another connection wrote
    since this one's first read, SQLite answers SQLITE_BUSY at once, without waiting out the
    busy timeout (the snapshot is stale, waiting cannot help). Taking the lock at BEGIN makes
    writers queue on the busy timeout instead: under load they wait, they do not fail.
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_immediate=True)


def reader_bind(engine: Engine) -> Engine:
    """The engine for requests that only read: on PostgreSQL, without a transaction.

    Each statement then runs on its own (autocommit), so a GET sends no BEGIN and no ROLLBACK:
    two round trips of a list's eleven (bench/RESULTS.md, round 4). Under PostgreSQL's default
    READ COMMITTED each statement sees its own snapshot either way, so reads see the same rows.
    SQLite keeps its (local, free) transaction: one snapshot for the whole request.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


View = TypeVar("View", bound=Callable[..., Any])
# Attribute on a view function: this GET writes (it issues a 文号 into the register).
WRITES_ON_GET = "tracker_writes_on_get"


def writes_on_get(view: View) -> View:
    """Mark a GET view that writes, so that it gets the writer's session (a transaction, and
    SQLite's write lock taken at BEGIN) instead of the reader's autocommit connection."""
    setattr(view, WRITES_ON_GET, True)
    return view


def _request_may_write() -> bool:
    if not has_request_context() or request.method not in READ_ONLY_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, WRITES_ON_GET, False))


def get_session() -> Session:
    """The session of the current app context (one per request), created on first use.

    A request that may write (POST, PATCH...) gets a session that takes SQLite's write lock
    when its transaction begins (`writer_bind`); GET requests read and never write
    (`reader_bind`), and their session is marked `info[READ_ONLY_KEY]`.
    """
    if "db_session" not in g:
        binds = current_app.extensions["tracker_binds"]
        if _request_may_write():
            g.db_session = Session(binds["write"], expire_on_commit=False)
        else:
            g.db_session = Session(binds["read"], expire_on_commit=False)
            g.db_session.info[READ_ONLY_KEY] = True
    return g.db_session


def after_session_close(callback: Callable[[], None]) -> None:
    """Run `callback` once the request's session is closed and its locks released.

    For bookkeeping that must not hold up or fail the request (a token's last use).
    """
    g.setdefault("after_session_close", []).append(callback)


def _close_session(_exc: BaseException | None) -> None:
    """Close the context's session; a failure here (a rollback on a dead connection) is logged.

    An exception escaping teardown would reach the WSGI server, which answers with its own
    bare HTML 500, past every error handler.
    """
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except Exception:
            log.warning("closing the request's database session failed", exc_info=True)
            with suppress(Exception):
                session.invalidate()
    for callback in g.pop("after_session_close", []):
        try:
            callback()
        except Exception:
            log.warning("a post-request database task failed", exc_info=True)


@contextmanager
def session_scope(app: Flask | None = None, *, write: bool = True) -> Iterator[Session]:
    """A session for work outside requests (CLI, jobs): commit on success, roll back on error.

    Such work usually writes, so on SQLite it takes the write lock up front (`writer_bind`);
    `write=False` for long reads (an audit) that must not hold writers up.
    """
    engine = get_engine(app)
    session = Session(writer_bind(engine) if write else engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def in_ids(bind: Session | Connection, column: Any, ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN (ids)`; on PostgreSQL `column = ANY(:ids)`: one array parameter, so that ten
    thousand ids are not ten thousand placeholders for the driver to split and the server to
    parse (the digests of 20,000 findings, bench/RESULTS.md)."""
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))
