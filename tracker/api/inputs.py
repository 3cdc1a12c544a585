"""Reading API input: JSON bodies and query strings, refused with 4xx JSON errors, never a 500.

Beyond the models' own validation, values a database would choke on are refused here: control
characters (NUL among them) and lone surrogates in text, integers outside 32 bits, NaN and
infinities.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import SQLModel

from tracker.api.errors import ApiError
from tracker.core.errors import ValidationFailed
from tracker.core.pydantic_errors import field_errors
from tracker.ops.inputguard import has_control
from tracker.tickets.schemas import validate

M = TypeVar("M", bound=SQLModel)
INT_LIMIT = 2**31 - 1


def _reject_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not allowed in JSON", name=name))


def check_value(value: Any, where: str, errors: dict[str, str]) -> None:
    """Collect field errors for text and numbers no database column could hold."""
    if isinstance(value, str):
        if has_control(value):
            errors[where] = _("must not contain control characters other than tab and newline")
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors[where] = _("must be valid Unicode text")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > INT_LIMIT:
            errors[where] = _("number out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, where, errors)
            check_value(item, f"{where}.{key}" if where != "body" else str(key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{where}.{index}", errors)


def _json_problem(error: ValueError | RecursionError) -> str:
    """Why the body is not JSON, without the decoder's English where we can say it better."""
    if isinstance(error, json.JSONDecodeError):
        return _(
            "the body is not valid JSON (line %(line)s, column %(column)s)",
            line=error.lineno,
            column=error.colno,
        )
    if isinstance(error, UnicodeDecodeError):
        return _("the body is not UTF-8 text")
    if isinstance(error, RecursionError):
        return _("the body is nested too deeply")
    return str(error)  # NaN or Infinity, from _reject_constant


def json_object(raw: str | bytes | None = None) -> dict[str, Any]:
    """The request body (or `raw`, a form part holding JSON) as a JSON object: 400 when it is
    not JSON, 422 when not an object."""
    if raw is None:
        raw = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
    if not raw.strip():
        raise ApiError(400, "invalid_json", _("a JSON body is required"))
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", _json_problem(exc)) from exc
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("the body must be a JSON object"), {"body": _("must be an object")}
        )
    errors: dict[str, str] = {}
    check_value(data, "body", errors)
    if errors:
        raise ValidationFailed(_("invalid input"), errors)
    return data


def body(model: type[M]) -> M:
    """The JSON body validated into `model` (422 with one message per field)."""
    return validate(model, json_object())


def query(model: type[M]) -> M:
    """The query string validated into `model` (repeated keys are joined with commas)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in request.args:
        if key not in model.model_fields:
            continue
        value = ",".join(request.args.getlist(key))
        check_value(value, key, errors)
        data[key] = value
    if errors:
        raise ValidationFailed(_("invalid query"), errors)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_("invalid query"), field_errors(exc, root="query")) from exc


def version_from(request_version: int | None) -> int:
    """The version the client read: from the body, else from `If-Match`; required."""
    if request_version is not None:
        return request_version
    header = request.headers.get("If-Match", "").strip()
    if header.startswith("W/"):
        header = header[2:]
    header = header.strip('"')
    if header.isdigit() and len(header) < 10:
        return int(header)
    raise ValidationFailed(
        _("version is required (in the body or an If-Match header)"), {"version": _("required")}
    )
