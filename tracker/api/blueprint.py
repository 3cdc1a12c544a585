"""The API blueprint (/api/v1): token auth before each request, JSON errors, no CSRF."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from pydantic import BaseModel

from tracker.api import errors
from tracker.api.auth import authenticate_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_request)
errors.init_blueprint(bp)


def respond(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response from an API model (non-ASCII text kept as is).

    Serialised by pydantic-core in one pass, with no intermediate dicts for json.dumps to walk
    (measured in bench/RESULTS.md, "per-request overhead")."""
    response = current_app.response_class(
        model.model_dump_json(), status=status, mimetype="application/json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def page_size(requested: int | None) -> int:
    config = current_app.config
    return min(requested or config["PAGE_SIZE"], config["MAX_PAGE_SIZE"]) or 1
