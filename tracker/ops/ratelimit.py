"""A per-address limit on sign-in attempts (POST /login), on top of the per-account lock-out.

The account lock-out (tracker/auth/service.py) stops guessing one password; this stops one
address from trying many accounts. The window lives in process memory: with several gunicorn
workers each keeps its own, so the effective limit is LOGIN_RATE_LIMIT × workers per host —
still a hard ceiling on guessing speed. The client address is `request.remote_addr`; behind nginx
gunicorn fills it from X-Forwarded-For for `forwarded_allow_ips` (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _


class SlidingWindow:
    """At most `limit` hits per key within `window` seconds; old hits fall out."""

    def __init__(self, limit: int, window: float, max_keys: int = 10000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> bool:
        """Record a hit; False when the key is over its limit (the hit is not recorded)."""
        with self._lock:
            if len(self._hits) > self.max_keys:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]


def _check_login_rate() -> Response | tuple[str, int, dict[str, str]] | None:
    if request.method != "POST" or request.endpoint != "auth.login":
        return None
    window: SlidingWindow | None = current_app.extensions.get("login_rate")
    if window is None or window.hit(request.remote_addr or "-", time.monotonic()):
        return None
    message = _("Too many sign-in attempts from your address. Wait a minute and try again.")
    body = render_template("errors/429.html", message=message)
    return body, 429, {"Retry-After": str(int(window.window))}


def init_app(app: Flask) -> None:
    limit = int(app.config.get("LOGIN_RATE_LIMIT", 20))
    if limit > 0:
        app.extensions["login_rate"] = SlidingWindow(
            limit, float(app.config.get("LOGIN_RATE_WINDOW", 60))
        )
        app.before_request(_check_login_rate)
