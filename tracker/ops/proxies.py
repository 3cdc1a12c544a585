"""Believe `X-Forwarded-For` and `X-Forwarded-Proto` only from TRUSTED_PROXIES proxies in front.

Behind nginx, `request.remote_addr` is nginx's address unless the proxy's header is read; read
from anyone, the header lets a client claim any address. Werkzeug's ProxyFix takes the address
that the last `TRUSTED_PROXIES` hops appended (0: the socket's address, no header believed).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.core.config import get_settings


def init_app(app: Flask) -> None:
    hops = get_settings(app).trusted_proxies
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask documents replacing wsgi_app
