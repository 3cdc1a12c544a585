"""Helpers shared by tests (import as `from helpers import ...`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

PASSWORD = "correct-horse-42"
# A fixed moment for tests: 2026-06-15 10:00 in Asia/Shanghai.
NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def later(days: float) -> datetime:
    return NOW + timedelta(days=days)


def login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})
