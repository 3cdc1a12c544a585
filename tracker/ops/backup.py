"""Back up and restore the database: SQLite's online backup API, or pg_dump/pg_restore.

A SQLite backup is a consistent copy taken while the server keeps running (the backup API copies
pages under a read lock; WAL writers carry on). A PostgreSQL backup is `pg_dump --format=custom`,
restored with `pg_restore --clean --if-exists`. The password never appears on a command line: it
is passed to the PostgreSQL tools in PGPASSWORD.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def default_backup_name(url: str, now: datetime) -> str:
    suffix = "sqlite3" if url.startswith("sqlite") else "pgdump"
    return f"tracker-{now.strftime('%Y%m%dT%H%M%SZ')}.{suffix}"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database: nothing to back up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (postgresql-client)"
        )
    return path


def backup(url: str, output: Path) -> Path:
    """Write a backup of the database at `url` to `output` and return the path."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = sqlite3.connect(sqlite_path(url))
        target = sqlite3.connect(output)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return output
    if url.startswith("postgresql"):
        dsn, env = _libpq(url)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(output), dsn]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return output
    raise BackupError(f"cannot back up a {make_url(url).get_backend_name()} database")


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup in `source`. Stop the server first."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if url.startswith("sqlite"):
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(sqlite_path(url))
        try:
            with target:
                backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
        return
    if url.startswith("postgresql"):
        dsn, env = _libpq(url)
        command = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            dsn,
            str(source),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    raise BackupError(f"cannot restore a {make_url(url).get_backend_name()} database")
