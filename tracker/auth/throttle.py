"""Sign-in throttling that cannot be turned against users: delays, never a lock-out.

Failures are counted under two keys: the account name at the client's address, and the address
alone. After `FREE_FAILURES` failures of a name at an address, that pair waits a delay that doubles
with each further failure (up to `MAX_DELAY_SECONDS`); the same name from another address is not
affected, so an outsider guessing `admin` cannot keep the real admin out. An address that fails
`ADDRESS_LIMIT` times within `WINDOW_SECONDS` waits until its window ends, whatever names it
tries. Unknown names are counted exactly like known ones, so the answers reveal nothing.

The counts live where every worker and host sees them: the database (`login_throttle`), or Redis
when `RATELIMIT_STORAGE_URL` names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.auth.models import LoginThrottle
from tracker.core.clock import as_utc
from tracker.core.config import get_settings
from tracker.core.modelbase import table_of


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 900.0
    address_limit: int = 100
    window_seconds: float = 3600.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ThrottlePolicy:
        login = config.get("LOGIN", {})
        return cls(
            free_failures=int(login.get("FREE_FAILURES", cls.free_failures)),
            base_delay_seconds=float(login.get("BASE_DELAY_SECONDS", cls.base_delay_seconds)),
            max_delay_seconds=float(login.get("MAX_DELAY_SECONDS", cls.max_delay_seconds)),
            address_limit=int(login.get("ADDRESS_LIMIT", cls.address_limit)),
            window_seconds=float(login.get("WINDOW_SECONDS", cls.window_seconds)),
        )

    def delay_after(self, failures: int, is_address: bool) -> float:
        """Seconds to wait after `failures` failures within the window (0: none)."""
        if is_address:
            return self.window_seconds if failures >= self.address_limit > 0 else 0.0
        extra = failures - self.free_failures
        if extra < 0:
            return 0.0
        return min(self.base_delay_seconds * 2**extra, self.max_delay_seconds)


def pair_key(username: str, address: str) -> str:
    return f"v1:name:{username.strip().lower()[:64]}@{address[:64]}"


def address_key(address: str) -> str:
    return f"v1:addr:{address[:64]}"


class ThrottleStore(Protocol):
    def blocked(self, keys: list[str], now: datetime) -> bool: ...

    def fail(self, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None: ...

    def clear(self, key: str) -> None: ...


class DatabaseStore:
    """Counts in `login_throttle`, written with atomic increments (workers race on one key)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def blocked(self, keys: list[str], now: datetime) -> bool:
        rows = self.session.exec(
            select(LoginThrottle).where(col(LoginThrottle.key).in_(keys))
        ).all()
        return any(r.blocked_until and as_utc(r.blocked_until) > now for r in rows)

    def fail(self, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None:
        table = table_of(LoginThrottle)
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        cutoff = now - timedelta(seconds=policy.window_seconds)
        for key in keys:
            self.session.execute(
                insert(table)
                .values(key=key, failures=0, window_started_at=now)
                .on_conflict_do_nothing()
            )
            self.session.execute(
                update(table)
                .where(table.c.key == key, table.c.window_started_at < cutoff)
                .values(failures=0, window_started_at=now, blocked_until=None)
            )
            failures = self.session.execute(
                update(table)
                .where(table.c.key == key)
                .values(failures=table.c.failures + 1)
                .returning(table.c.failures)
            ).scalar_one()
            delay = policy.delay_after(failures, key.startswith("v1:addr:"))
            if delay:
                self.session.execute(
                    update(table)
                    .where(table.c.key == key)
                    .values(blocked_until=now + timedelta(seconds=delay))
                )
        self.session.commit()

    def clear(self, key: str) -> None:
        row = self.session.get(LoginThrottle, key)
        if row is not None:
            self.session.delete(row)
            self.session.commit()


class RedisStore:
    """Counts in Redis (`RATELIMIT_STORAGE_URL`), each key expiring with its window."""

    def __init__(self, url: str) -> None:
        import redis  # the optional extra: pip install '.[redis]'

        self.client = redis.Redis.from_url(url)

    def blocked(self, keys: list[str], now: datetime) -> bool:
        values = self.client.mget([f"tracker:throttle:block:{k}" for k in keys])
        return any(v is not None and float(v) > now.timestamp() for v in values)

    def fail(self, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None:
        window = max(int(policy.window_seconds), 1)
        for key in keys:
            count_key = f"tracker:throttle:count:{key}"
            pipe = self.client.pipeline()
            pipe.incr(count_key)
            pipe.expire(count_key, window, nx=True)
            failures = int(pipe.execute()[0])
            delay = policy.delay_after(failures, key.startswith("v1:addr:"))
            if delay:
                self.client.set(
                    f"tracker:throttle:block:{key}",
                    now.timestamp() + delay,
                    ex=max(int(delay) + 1, 1),
                )

    def clear(self, key: str) -> None:
        self.client.delete(f"tracker:throttle:count:{key}", f"tracker:throttle:block:{key}")


def store_for(session: Session) -> ThrottleStore:
    """Redis when RATELIMIT_STORAGE_URL names one (one client per app), else the database."""
    shared = current_app.extensions.get("throttle_store")
    return shared if shared is not None else DatabaseStore(session)


def init_app(app: Flask) -> None:
    url = get_settings(app).ratelimit_storage_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        app.extensions["throttle_store"] = RedisStore(url)
