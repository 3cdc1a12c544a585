"""The list's active filters as chips, each a link to the same list without it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request, url_for
from flask_babel import gettext as _

from tracker.tickets.queries import TicketFilter

# Query parameters that are not filters a person set.
NOT_FILTERS = ("page", "queue", "sort", "per_page", "cursor")


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def active_chips(
    flt: TicketFilter,
    names: dict[str, Callable[[str], str | None]],
) -> list[Chip]:
    """One chip per filter in the query string; `names` turns a code into its label per key
    (state, rag, unit, category, inspection, source); unknown keys show their value."""
    args = request.args.to_dict(flat=False)
    chips = []
    for key, values in args.items():
        if key in NOT_FILTERS or not any(values):
            continue
        rest = {k: v for k, v in args.items() if k != key}
        rest.setdefault("queue", ["all"])
        # encoded here, not by url_for, which reads _method, _external, _anchor as instructions
        query = urlencode([(k, v) for k, vs in rest.items() for v in vs])
        chips.append(Chip(_label(key, values, flt, names), f"{url_for('tickets.index')}?{query}"))
    return chips


def _label(
    key: str,
    values: Sequence[str],
    flt: TicketFilter,
    names: dict[str, Callable[[str], str | None]],
) -> str:
    value = values[0]
    if key == "state":
        return "、".join(names["state"](s) or s for s in flt.states)
    if key == "overdue":
        return _("Overdue only")
    if key == "awaiting":
        return _("Awaiting verification")
    if key == "due_after":
        return _("Due from %(date)s", date=value)
    if key == "due_before":
        return _("Due until %(date)s", date=value)
    if key in names:
        return names[key](value) or value
    return value
