"""CI: gunicorn with 2 workers on a migrated PostgreSQL database, driven like a browser.

Sign in as an inspector, file a finding, sign in as the township cadre, accept it, find it in the
list. Runs only when TRACKER_TEST_DATABASE_URL names a PostgreSQL server.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PG_URL, pg_database
from helpers import SOON

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "gunicorn-test-pass-1"

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TRACKER_TEST_DATABASE_URL (PostgreSQL)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GUNICORN_"))}
    env.update(
        TRACKER_DATABASE_URL=url,
        TRACKER_SECRET_KEY="gunicorn-test-" + "x" * 40,
        TRACKER_ENV="production",
        TRACKER_MAIL_SUPPRESS_SEND="true",
        TRACKER_BASE_URL=f"http://127.0.0.1:{port}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
    )
    return env


def _tracker(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "tracker"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    url = pg_database("gunicorn")
    port = _free_port()
    env = _env(url, port)
    _tracker(env, "db", "upgrade")
    _tracker(env, "unit", "create", "county", "示范县", "--kind", "county")
    _tracker(env, "unit", "create", "town-a", "青山乡", "--kind", "township", "--parent", "county")
    _tracker(env, "user", "create", "insp", "--role", "inspector", "--password", PASSWORD)
    _tracker(
        env,
        "user",
        "create",
        "cadre",
        "--role",
        "cadre",
        "--unit",
        "town-a",
        "--password",
        PASSWORD,
    )
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until a worker answers the health check
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output.decode()[-2000:]


class Browser:
    """urllib with a cookie jar; redirects followed; returns (status, final url, body)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()

    def csrf(self, path: str) -> str:
        status, _, html = self.request(path)
        assert status == 200, html[:500]
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        assert match, html[:1000]
        return match.group(1)

    def sign_in(self, username: str) -> None:
        token = self.csrf("/login")
        status, url, html = self.request(
            "/login", {"csrf_token": token, "username": username, "password": PASSWORD}
        )
        assert status == 200 and not url.endswith("/login"), html[:1000]


def test_a_scripted_session_through_gunicorn(server: str) -> None:
    inspector = Browser(server)
    inspector.sign_in("insp")
    token = inspector.csrf("/tickets/new")
    status, url, html = inspector.request(
        "/tickets/new",
        {
            "csrf_token": token,
            "title": "上庄村垃圾堆未清理 gunicorn",
            "description": "督查发现",
            "source": "inspection",
            "severity": "normal",
            "responsible_unit": "town-a",
            "deadline": SOON,
            "indicators-0-name": "清理垃圾堆",
            "indicators-0-unit": "堆",
            "indicators-0-target": "12",
        },
    )
    assert status == 200, html[:2000]
    match = re.search(r"/tickets/(\d+)$", url)
    assert match, (url, html[:2000])
    ticket_id = match.group(1)

    cadre = Browser(server)
    cadre.sign_in("cadre")
    page = cadre.request(f"/tickets/{ticket_id}")[2]
    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="version"', page
    )
    assert version, page[:2000]
    token = cadre.csrf(f"/tickets/{ticket_id}")
    status, url, html = cadre.request(
        f"/tickets/{ticket_id}/transition",
        {
            "csrf_token": token,
            "transition": "accept",
            "version": version.group(1),
            "comment": "签收",
        },
    )
    assert status == 200 and url.endswith(f"/tickets/{ticket_id}"), html[:2000]

    status, _, listing = cadre.request("/tickets?state=rectifying")
    assert status == 200
    assert "上庄村垃圾堆未清理 gunicorn" in listing
    status, _, health = inspector.request("/healthz")
    assert status == 200 and '"ok"' in health
