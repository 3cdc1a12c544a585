"""Pydantic's validation errors as field errors, in the reader's language.

Pydantic words its messages in English only ("String should have at most 200 characters"), but
each error carries a stable `type` and its limits in `ctx`. The common types are worded here
through Babel when the error becomes field errors, so in the request's locale (the API's
Accept-Language, the page's user; English outside a request); rarer types keep pydantic's text.
Forms, the spreadsheet import and the API all come through `field_errors`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from tracker.core.i18n import service_gettext as _


def _number(value: Any) -> Any:
    """0.0 reads as 0: limits declared on float fields come back as floats."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def message_for(error: ErrorDetails) -> str:
    """One pydantic error in the reader's words, by its type and context."""
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    match error["type"]:
        case "missing":
            return _("required")
        case "string_type":
            return _("must be text")
        case "string_too_short" if ctx["min_length"] == 1:
            return _("must not be empty")
        case "string_too_short":
            return _("at least %(count)s characters", count=ctx["min_length"])
        case "string_too_long":
            return _("at most %(count)s characters", count=ctx["max_length"])
        case "too_short":
            return _("at least %(count)s items", count=ctx["min_length"])
        case "too_long":
            return _("at most %(count)s items", count=ctx["max_length"])
        case "greater_than":
            return _("must be greater than %(limit)s", limit=_number(ctx["gt"]))
        case "greater_than_equal":
            return _("must be at least %(limit)s", limit=_number(ctx["ge"]))
        case "less_than":
            return _("must be less than %(limit)s", limit=_number(ctx["lt"]))
        case "less_than_equal":
            return _("must be at most %(limit)s", limit=_number(ctx["le"]))
        case "int_parsing" | "int_type" | "int_from_float":
            return _("must be a whole number")
        case "float_parsing" | "float_type" | "decimal_parsing" | "finite_number":
            return _("must be a number")
        case "bool_parsing" | "bool_type":
            return _("must be true or false")
        case (
            "date_parsing"
            | "date_type"
            | "date_from_datetime_parsing"
            | "date_from_datetime_inexact"
        ):
            return _("must be a date (YYYY-MM-DD)")
        case "enum" | "literal_error":
            # pydantic lists them as "'a', 'b' or 'c'": the English "or" goes
            choices = str(ctx["expected"]).replace("' or '", "', '")
            return _("must be one of %(choices)s", choices=choices)
        case "list_type":
            return _("must be a list")
        case "dict_type" | "model_type" | "model_attributes_type":
            return _("must be an object")
        case "json_invalid" | "json_type":
            return _("not valid JSON")
        case "extra_forbidden":
            return _("unknown field")
        case "value_error":
            # our validators raise ValueError with a message translated when raised
            return str(ctx["error"])
    return error["msg"]


def field_errors(error: ValidationError, root: str = "body") -> dict[str, str]:
    """The first message of each field, keyed by its dotted location (`indicators.0.name`);
    errors of the input as a whole go under `root`."""
    fields: dict[str, str] = {}
    for detail in error.errors():
        name = ".".join(str(part) for part in detail["loc"]) or root
        fields.setdefault(name, message_for(detail))
    return fields
