"""A local HTTP server that answers as the WeCom and DingTalk group robots document, and as a
signed webhook receiver and an SMS gateway would: it checks what it is sent and keeps it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: Any
    answer: dict[str, Any]


@dataclass
class RobotServer:
    """WeCom at /cgi-bin/webhook/send?key=K, DingTalk at /robot/send?access_token=T, the webhook at
    /hook, the SMS gateway at /sms. `per_minute` is the robots' own limit (20 as documented)."""

    wecom_keys: set[str] = field(default_factory=lambda: {"good-key"})
    dingtalk: dict[str, str] = field(default_factory=lambda: {"good-token": "SECgood"})
    webhook_secret: str = "hook-secret"
    per_minute: int = 20
    # Seconds by the robot's clock; a test of a backlog drained over simulated minutes sets it.
    clock: Callable[[], float] = time.monotonic
    received: list[Received] = field(default_factory=list)
    _sent: dict[str, list[float]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, answer = owner.answer(parts.path, query, dict(self.headers), raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _too_fast(self, who: str) -> bool:
        now = self.clock()
        sent = [t for t in self._sent.get(who, []) if now - t < 60]
        if len(sent) >= self.per_minute:
            return True
        self._sent[who] = [*sent, now]
        return False

    def answer(self, path: str, query: dict, headers: dict, raw: bytes) -> tuple[int, dict]:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        status, answer = self._answer(path, query, headers, raw, body)
        self.received.append(Received(path, query, headers, raw, body, answer))
        return status, answer

    def _answer(self, path, query, headers, raw, body):  # type: ignore[no-untyped-def]
        if path == "/cgi-bin/webhook/send":
            if query.get("key") not in self.wecom_keys:
                return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
            if self._too_fast(query["key"]):
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            kind = body.get("msgtype")
            limit = 4096 if kind == "markdown" else 2048
            if len(body[kind]["content"].encode()) > limit:
                return 200, {"errcode": 40058, "errmsg": f"content exceed max length {limit}"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if path == "/robot/send":
            secret = self.dingtalk.get(query.get("access_token", ""))
            if secret is None:
                return 200, {"errcode": 300001, "errmsg": "token is not exist"}
            stamp = query.get("timestamp", "0")
            digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256)
            expected = base64.b64encode(digest.digest()).decode()
            fresh = abs(time.time() * 1000 - int(stamp)) < 3600 * 1000
            # parse_qs already URL-decoded `sign` once: compare with the plain base64
            if not fresh or query.get("sign") != expected:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if self._too_fast(query["access_token"]):
                return 200, {
                    "errcode": 130101,
                    "errmsg": "send too fast, exceed 20 times per minute",
                }
            return 200, {"errcode": 0, "errmsg": "ok"}
        if path == "/hook":
            stamp = headers.get("X-Tracker-Timestamp", "")
            mac = hmac.new(
                self.webhook_secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256
            )
            if headers.get("X-Tracker-Signature") != "sha256=" + mac.hexdigest():
                return 401, {"error": "bad signature"}
            return 200, {"ok": True}
        if path == "/sms":
            return 200, {"code": "OK"}
        return 404, {"error": "no such path"}

    def of(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


__all__ = ["Received", "RobotServer", "unquote_plus"]
