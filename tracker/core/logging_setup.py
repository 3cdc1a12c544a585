"""Structured logs: one JSON object per line on stdout, for journald, Docker or a log shipper.

`configure_logging(app)` is called from `create_app`; it does nothing under tests or when
`LOG_FORMAT` is "plain" (the default in development), so the console stays readable there.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from tracker.core.config import get_settings, is_production

# Attributes every LogRecord has; anything else passed in `extra=` is copied into the JSON.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time (UTC), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_handler(stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(app: Flask) -> None:
    """Send the app's and the root logger's records to stdout as JSON (unless testing/plain)."""
    settings = get_settings(app)
    chosen = settings.log_format or ("json" if is_production(app) else "plain")
    if app.testing or str(chosen).lower() != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.handlers = [json_handler()]
    root.setLevel(settings.log_level.upper())
    app.logger.handlers = []
    app.logger.propagate = True
