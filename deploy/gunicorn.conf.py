"""gunicorn settings for the tracker: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be set from the environment (systemd `Environment=` lines):
GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_MAX_REQUESTS.
Access and error logs go to stdout/stderr as one JSON object per line.
"""

from __future__ import annotations

import json
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 2 x cores + 1 is gunicorn's rule of thumb for sync workers; each worker holds its own DB pool.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak never grows without bound.
# A fresh worker costs ~1.2 s of CPU to import the app and warm its caches: at 2,000 requests
# that was ~0.6 ms a request at 200 req/s (bench/RESULTS.md); RSS stays flat at ~85 MB.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Behind nginx on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False  # each worker builds its own engine (no sockets shared across fork)

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# One JSON object per request; %(x)s atoms are gunicorn's (h: remote, r: request line, s: status,
# b: bytes, M: milliseconds, a: user agent). json.dumps escapes quotes inside the values.
access_log_format = json.dumps(
    {
        "type": "access",
        "remote": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "query": "%(q)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "ms": "%(M)s",
        "agent": "%(a)s",
        "forwarded_for": "%({x-forwarded-for}i)s",
    }
)

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tracker.core.logging_setup.JsonFormatter"},
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
}
