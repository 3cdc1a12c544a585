"""Static files under URLs that name their content, kept by browsers for a year.

`url_for("static", filename=…)` adds `v=<hash of the file>`; a request carrying the file's
current hash is answered `max-age=31536000`, so a phone on a slow township link loads
the stylesheets and scripts once rather than asking again on every page. A changed file gets a
new URL; a request without `v` (or with an old one) is revalidated as before. The hash is
computed once per file, modification time and size.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, request

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _content_hash(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def version_of(app: Flask, filename: str) -> str | None:
    """The hash of a static file's content, or None if there is no such file."""
    folder = app.static_folder
    if folder is None:
        return None
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return _content_hash(path, stat.st_mtime_ns, stat.st_size)


def install(app: Flask) -> None:
    """Version the static URLs the pages write, and cache what is asked for by version."""

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = version_of(app, values["filename"])
            if version:
                values["v"] = version

    def max_age(filename: str | None) -> int | None:
        asked = request.args.get("v")
        if filename and asked and asked == version_of(app, filename):
            return YEAR
        return None  # Flask's default: revalidate

    # Flask's documented hook for send_static_file, set on this app rather than by subclassing
    app.get_send_file_max_age = max_age  # type: ignore[method-assign]
