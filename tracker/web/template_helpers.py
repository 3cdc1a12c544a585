"""Jinja filters and globals: local dates, state labels and colours, RAG badges."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from wtforms import Field

from tracker.core.clock import utcnow
from tracker.core.config import get_settings
from tracker.core.i18n import catalogue, input_label
from tracker.core.i18n import quick_gettext as _
from tracker.policy import Permission, offers
from tracker.tickets.home import work_badge
from tracker.tickets.models import Ticket
from tracker.tickets.status import TicketStatus, ticket_status
from tracker.workflow.registry import active_workflow

RAG_CLASSES = {"red": "danger", "amber": "warning", "green": "success"}


def _locale() -> str:
    return g.get("locale") or get_settings().default_locale


def state_label(key: str) -> str:
    state = active_workflow().state(key)
    return state.label(_locale()) if state else key


def state_colour(key: str) -> str:
    state = active_workflow().state(key)
    return state.colour if state else "#6c757d"


def status_of(ticket: Ticket, now: datetime | None = None) -> TicketStatus:
    return ticket_status(
        ticket,
        active_workflow(),
        now or g.setdefault("now", utcnow()),
        current_app.config["TIMEZONE"],
        current_app.config["AMBER_DAYS"],
    )


def rag_label(rag: str | None) -> str:
    """The colour's name; only the one asked for is translated (twice a row on the list)."""
    if rag == "red":
        return _("Overdue")
    if rag == "amber":
        return _("Due soon")
    if rag == "green":
        return _("On track")
    return _("Clock stopped")


# The badges of a ticket, written here rather than as Jinja macros and includes: the list shows
# each ticket twice (a card for phones, a table row), and a macro call or an include costs more
# than the few lines of markup it writes (bench/RESULTS.md, round 5).


def state_badge(key: str) -> Markup:
    return Markup(
        f'<span class="badge state-badge state-{escape(key)}">{escape(state_label(key))}</span>'
    )


def rag_dot(status: TicketStatus) -> Markup:
    label = escape(rag_label(status.rag))
    return Markup(
        f'<span class="rag rag-{status.rag or "none"}" title="{label}" role="img"'
        f' aria-label="{label}"></span>'
    )


def due(ticket: Ticket, status: TicketStatus) -> Markup:
    """The deadline, with the days overdue or (amber) left."""
    text = escape(local_date_filter(ticket.deadline, "medium"))
    if status.days_left is None:  # the clock is stopped
        return Markup(f"{text}\n")
    if status.is_overdue:
        days = escape(_("%(days)s days overdue", days=-status.days_left))
        return Markup(f'{text}\n<span class="badge text-bg-danger">{days}</span>')
    if status.rag == "amber":
        days = escape(_("%(days)s days left", days=status.days_left))
        return Markup(f'{text}\n<span class="badge text-bg-warning">{days}</span>')
    return Markup(f"{text}\n")


def supervision_badge(ticket: Ticket) -> Markup:
    """The special-supervision badge (挂牌督办), wherever a ticket is shown."""
    if not ticket.is_supervised:
        return Markup("")
    level = (
        _("County supervision")
        if ticket.supervision_level == "county"
        else _("Township supervision")
    )
    title = f"{_('Supervising leader')}: {ticket.supervisor}"
    return Markup(
        f'<span class="badge text-bg-danger supervision-badge" title="{escape(title)}">'
        f"{escape(level)}</span>"
    )


_PLACEHOLDER_ID = 918273645


def ticket_url(ticket_id: int) -> str:
    """`url_for("tickets.detail", ticket_id=…)`, built once a request and filled in."""
    pattern = g.get("ticket_url_pattern")
    if pattern is None:
        pattern = g.ticket_url_pattern = url_for("tickets.detail", ticket_id=_PLACEHOLDER_ID)
    return pattern.replace(str(_PLACEHOLDER_ID), str(ticket_id))


def role_label(role: str) -> str:
    from tracker.org.forms import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


def relation_label(relation: str) -> str:
    return {
        "anyone": _("anyone"),
        "responsible_unit": _("of the responsible unit"),
        "involved_unit": _("of a unit involved"),
        "reporter": _("who reported it"),
        "leader_in_charge": _("in charge of the unit"),
    }.get(relation, relation)


def local_date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    # A list shows the same deadlines again and again; Babel builds each from the locale's
    # data. Kept for the request, per language (the catalogue stands for it).
    known = g.setdefault("local_dates", {})
    key = (value, fmt, catalogue())
    text = known.get(key)
    if text is None:
        text = known[key] = format_date(value, fmt)
    return text


def quantity(value: float | int | None) -> str:
    """A figure as people write it: 4.0 → "4", 7.25 → "7.25" (at most two places), None → ""."""
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def file_size(size: int) -> str:
    """A size in bytes as "850 KB", "7.7 MB" or "10 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{quantity(round(size / 1024 / 1024, 1))} MB"


def megabytes(size: int) -> str:
    """A limit in bytes as a number of megabytes for "at most … MB": 10485760 → "10"."""
    return quantity(round(size / 1024 / 1024, 1))


def register_nav(
    app: Flask, endpoint: str, label: object, permission: Permission | None = None
) -> None:
    """Add a link to the main menu (for the roles holding `permission`, or everyone signed in)."""
    app.extensions.setdefault("nav_links", []).append((endpoint, label, permission))


def nav_links() -> list[tuple[str, str]]:
    links = current_app.extensions.get("nav_links", [])
    return [
        (endpoint, str(label))
        for endpoint, label, permission in links
        if permission is None
        or (current_user.is_authenticated and offers(current_user, permission))
    ]


def offered(permission: str) -> bool:
    """Whether the signed-in user's role holds `permission` (tracker.policy), for templates."""
    return current_user.is_authenticated and offers(current_user, Permission(permission))


def with_query(endpoint: str, replace: dict[str, str] | None = None) -> str:
    """The URL of `endpoint` carrying the current query string (with `replace` applied).

    The query string is encoded here, never passed to `url_for`, which reads `_anchor`,
    `_scheme`, `_method` and `_external` as instructions (`?_scheme=x` was a 500).
    """
    replace = replace or {}
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in replace]
    args += list(replace.items())
    query = urlencode(args)
    return url_for(endpoint, **(request.view_args or {})) + (f"?{query}" if query else "")


def page_url(number: int) -> str:
    """The current URL with its query string kept and `page` set."""
    return with_query(request.endpoint or "tickets.index", {"page": str(number)})


def is_required(field: Field) -> bool:
    """Whether the field must be filled: a DataRequired or InputRequired validator sets the
    flag (WTForms then renders `required` on the input)."""
    return bool(getattr(field.flags, "required", False))


def first_required(field: Field) -> bool:
    """Whether `field` is the first required field of its form: the form's "* required"
    legend goes before it, so every form that marks a field explains the mark once."""
    form = getattr(field, "_form", None)
    if form is None or not is_required(field):
        return False
    return next((f for f in form if is_required(f)), None) is field


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        localdate=local_date_filter, quantity=quantity, filesize=file_size, megabytes=megabytes
    )
    app.jinja_env.globals.update(
        state_label=state_label,
        state_colour=state_colour,
        status_of=status_of,
        rag_label=rag_label,
        state_badge=state_badge,
        rag_dot=rag_dot,
        due=due,
        supervision_badge=supervision_badge,
        ticket_url=ticket_url,
        RAG_CLASSES=RAG_CLASSES,
        nav_links=nav_links,
        page_url=page_url,
        with_query=with_query,
        offered=offered,
        role_label=role_label,
        relation_label=relation_label,
        input_label=input_label,
        work_badge=work_badge,
        is_required=is_required,
        first_required=first_required,
    )

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_template("errors/csrf.html", reason=error.description), 400
