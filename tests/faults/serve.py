"""Start the real server (gunicorn, as deployed) on a database of a fault test's choosing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, port: int, workers: int = 2, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GUNICORN_"))}
    env.update(
        TRACKER_DATABASE_URL=url,
        TRACKER_SECRET_KEY="fault-test-" + "x" * 40,
        TRACKER_ENV="production",
        TRACKER_MAIL_SUPPRESS_SEND="true",
        TRACKER_BASE_URL=f"http://127.0.0.1:{port}",
        TRACKER_LOG_LEVEL="ERROR",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        **extra,
    )
    return env


def tracker(env: dict[str, str], *args: str) -> str:
    """Run the `tracker` command; its output, or the test fails with it."""
    result = subprocess.run(
        [str(BIN / "tracker"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr[-3000:])
    return result.stdout


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    """A running gunicorn; yields its base URL; stopped by its PID afterwards."""
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = "http://" + env["GUNICORN_BIND"]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=30)


def call(
    base: str, method: str, path: str, token: str | None = None, payload: object = None
) -> tuple[int, dict | None, dict[str, str]]:
    """One HTTP request; (status, JSON body or None, headers). Connection errors raise."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    try:
        return status, json.loads(raw), headers
    except ValueError:
        return status, None, headers
