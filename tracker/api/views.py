"""The API blueprint with all its endpoints, the OpenAPI document and its reference page."""

from __future__ import annotations

import re

from flask import current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from tracker.api import (  # noqa: F401  (register their routes on `bp`)
    attachments,
    catalog,
    categories,
    notifications,
    queues,
    ranking,
    tickets,
    users,
)
from tracker.api.blueprint import bp
from tracker.api.openapi import openapi_document

__all__ = ["bp"]


def _routed() -> frozenset[tuple[str, str]]:
    """(method, OpenAPI path) of every API route the app serves."""
    pairs: set[tuple[str, str]] = set()
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(bp.url_prefix or ""):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(bp.url_prefix or "") :])
        pairs.update((m.lower(), path) for m in rule.methods or ())
    return frozenset(pairs)


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document(_routed()))


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    """A readable reference rendered from the OpenAPI document (served locally, no CDN)."""
    return render_template("api/reference.html", doc=openapi_document(_routed()))
