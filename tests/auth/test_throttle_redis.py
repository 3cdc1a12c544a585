"""The throttle's counts in Redis (RATELIMIT_STORAGE_URL): shared the same way as the database's."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from helpers import NOW, PASSWORD

from tracker.auth.service import LoginFailed, authenticate
from tracker.auth.throttle import RedisStore, ThrottlePolicy

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


@pytest.fixture
def redis_url(tmp_path):  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(5)


def test_two_stores_on_one_redis_share_the_counts(db, county, redis_url):  # type: ignore[no-untyped-def]
    policy = ThrottlePolicy(free_failures=3, base_delay_seconds=60)
    first, second = RedisStore(redis_url), RedisStore(redis_url)  # two workers
    for store in (first, second, first):
        with pytest.raises(LoginFailed):
            authenticate(db, "cadre-a", "wrong", NOW, "10.1.0.1", policy, store)
    with pytest.raises(LoginFailed):  # three failures across both: throttled on either
        authenticate(db, "cadre-a", PASSWORD, NOW, "10.1.0.1", policy, second)
    assert authenticate(db, "cadre-a", PASSWORD, NOW, "10.1.0.2", policy, second).id
    later = NOW + timedelta(seconds=10_000)
    assert authenticate(db, "cadre-a", PASSWORD, later, "10.1.0.1", policy, first).id


def test_the_app_uses_redis_when_configured(app_factory, county, redis_url):  # type: ignore[no-untyped-def]
    app = app_factory(RATELIMIT_STORAGE_URL=redis_url)
    assert isinstance(app.extensions["throttle_store"], RedisStore)
