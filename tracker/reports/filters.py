"""The filters a leader's page reads from the query string, and links carrying them on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, request, url_for
from flask_babel import gettext as _

from tracker.core.errors import ServiceError
from tracker.tickets.queries import TicketFilter, parse_filter
from tracker.workflow.registry import active_workflow

FILTER_KEYS = ("category", "source", "inspection", "unit")


def filter_args() -> dict[str, Any]:
    """The page's own filters, carried into every figure's link to the ticket list."""
    return {k: request.args[k] for k in FILTER_KEYS if request.args.get(k)}


def list_link(base: dict[str, Any]) -> Callable[..., str]:
    """A link maker to the ticket list with `base` and the given filters."""

    def link(**extra: object) -> str:
        args: dict[str, Any] = {"queue": "all", **base}
        args.update({k: v for k, v in extra.items() if v is not None})
        return url_for("tickets.index", **args)

    return link


def current_filter() -> TicketFilter | None:
    """The filter asked for, or None after flashing why it is invalid."""
    try:
        return parse_filter(request.args, active_workflow())
    except ServiceError as error:
        flash(_("Invalid filter: %(detail)s", detail=", ".join(error.fields.values())), "danger")
        return None
