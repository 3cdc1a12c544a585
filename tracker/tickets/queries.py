"""Ticket lists: filters, role queues, sorting and paging over the scoped query.

Shared by the HTML list, the API, exports and counts, so all see the same rows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, UnaryExpression, func, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar
from werkzeug.datastructures import MultiDict

from tracker.core.clock import as_utc, local_date
from tracker.core.errors import ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.org.directory import directory
from tracker.org.models import Role, User
from tracker.tickets.models import Source, Ticket
from tracker.tickets.queues import overdue_condition, queue_condition
from tracker.tickets.scope import co_operating, visibility
from tracker.tickets.search import search_condition
from tracker.workflow.definition import WorkflowDefinition

_Select = Select[*tuple[Any, ...]]
_S = TypeVar("_S", bound=_Select)

SORTS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "deadline": (col(Ticket.deadline).asc(), col(Ticket.id).asc()),
    "-deadline": (col(Ticket.deadline).desc(), col(Ticket.id).desc()),
    "created": (col(Ticket.created_at).asc(), col(Ticket.id).asc()),
    "-created": (col(Ticket.created_at).desc(), col(Ticket.id).desc()),
    "updated": (col(Ticket.updated_at).asc(), col(Ticket.id).asc()),
    "-updated": (col(Ticket.updated_at).desc(), col(Ticket.id).desc()),
    "code": (col(Ticket.code).asc(),),
    "-code": (col(Ticket.code).desc(),),
}
QUEUES = ("mine", "all")
RAGS = ("red", "amber", "green")


@dataclass
class TicketFilter:
    states: list[str] = field(default_factory=list)
    unit: str | None = None
    category: str | None = None
    source: str | None = None
    inspection: int | None = None
    overdue: bool = False
    rag: str | None = None
    awaiting: bool = False
    followup: bool = False  # closed tickets whose follow-up check (回头看) is due by today
    supervised: bool = False  # under special supervision (挂牌督办)
    due_before: date | None = None
    due_after: date | None = None
    q: str | None = None
    queue: str | None = None  # a work queue of the workflow (tracker.tickets.queues)
    sort: str = "deadline"

    def is_empty(self) -> bool:
        return self == TicketFilter(sort=self.sort)


def _parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(
            _("%(name)s: not a date", name=name), {name: _("must be a date (YYYY-MM-DD)")}
        ) from exc


def parse_filter(args: MultiDict[str, str], workflow: WorkflowDefinition) -> TicketFilter:
    """Read filters from a query string (a MultiDict); unknown values are field errors."""
    errors: dict[str, str] = {}
    states = [s for raw in args.getlist("state") for s in raw.split(",") if s]
    for state in states:
        if workflow.state(state) is None:
            errors["state"] = _("unknown state %(state)s", state=repr(state))
    sort = args.get("sort") or "deadline"
    if sort not in SORTS:
        errors["sort"] = _("must be one of %(choices)s", choices=", ".join(SORTS))
    rag = args.get("rag") or None
    if rag is not None and rag not in RAGS:
        errors["rag"] = _("must be one of %(choices)s", choices=", ".join(RAGS))
    source = args.get("source") or None
    if source is not None and source not in {s.value for s in Source}:
        errors["source"] = _("unknown source %(source)s", source=repr(source))
    inspection = args.get("inspection") or None
    if inspection is not None and not inspection.isdigit():
        errors["inspection"] = _("must be a number")
    queue = args.get("queue") or None
    if queue in QUEUES:  # the role's default list or everything: no queue condition
        queue = None
    elif queue is not None and workflow.queue(queue) is None:
        errors["queue"] = _("unknown queue %(queue)s", queue=repr(queue))
    q = (args.get("q") or "").strip()[:200]
    if q and not any(ch.isalnum() for ch in q):
        # Only punctuation or LIKE wildcards: it matches everything, at the cost of a full scan.
        errors["q"] = _("search for letters, digits or Chinese characters, not only symbols")
    elif len(q) == 1 and q.isascii():
        # One Latin letter or digit matches nearly everything; one Chinese character (村) is a word.
        errors["q"] = _("search for at least two letters or digits, or one Chinese character")
    if errors:
        raise ValidationFailed(_("invalid filter"), errors)
    return TicketFilter(
        queue=queue,
        states=states,
        unit=args.get("unit") or None,
        category=args.get("category") or None,
        source=source,
        inspection=int(inspection) if inspection else None,
        overdue=args.get("overdue") in ("1", "true", "yes"),
        supervised=args.get("supervised") in ("1", "true", "yes"),
        rag=rag,
        awaiting=args.get("awaiting") in ("1", "true", "yes"),
        followup=args.get("followup") in ("1", "true", "yes"),
        due_before=_parse_date(args.get("due_before"), "due_before"),
        due_after=_parse_date(args.get("due_after"), "due_after"),
        q=q or None,
        sort=sort,
    )


def role_queue(user: User) -> TicketFilter:
    """Where each role lands: cadres their open items, inspectors what awaits verification,
    leaders what is overdue in their charge."""
    if user.role == Role.CADRE:
        return TicketFilter(sort="deadline")
    if user.role == Role.INSPECTOR:
        return TicketFilter(awaiting=True, sort="deadline")
    if user.role == Role.LEADER:
        return TicketFilter(overdue=True, sort="deadline")
    return TicketFilter(sort="-created")


def filter_from_request(
    args: MultiDict[str, str], user: User, workflow: WorkflowDefinition
) -> tuple[TicketFilter, bool]:
    """The list's filter from a query string, or the role's queue when none is given.

    Returns the filter and whether it is the role queue (which shows open items only).
    The list page and the ledger export both use it, so the export is what the list shows.
    """
    has_filter = any(k for k in args if k not in ("page", "queue"))
    if args.get("queue", "mine") == "mine" and not has_filter:
        return role_queue(user), True
    return parse_filter(args, workflow), False


def clock_states(workflow: WorkflowDefinition) -> list[str]:
    return [s.key for s in workflow.states.values() if s.clock]


def open_states(workflow: WorkflowDefinition) -> list[str]:
    return [s.key for s in workflow.states.values() if not s.terminal]


@dataclass(frozen=True)
class ScopedQuery:
    """A user's filtered tickets: `rows` to order and page, `count_branches` to count.

    The branches are `rows` split along the disjoint parts of the user's visibility
    (`tracker.tickets.scope.Visibility`): the same tickets, each in exactly one branch.
    """

    rows: Any  # select(Ticket), not yet ordered or paged
    count_branches: tuple[Any, ...]


def scoped_query(
    session: Session,
    user: User,
    flt: TicketFilter,
    workflow: WorkflowDefinition,
    now: datetime,
    tz: str,
    amber_days: int,
    *,
    open_only: bool = False,
) -> ScopedQuery:
    """`user`'s tickets matching `flt`, for a page and its count (see `ScopedQuery`)."""
    seen = visibility(session, user)
    today = local_date(now, tz)
    conditions: list[ColumnElement[bool] | Mapped[bool]] = []
    if open_only and not flt.states:
        conditions.append(col(Ticket.state).in_(open_states(workflow)))
    conditions += filter_conditions(session, flt, workflow, today, amber_days)
    if flt.queue:
        queue = workflow.queue(flt.queue)
        conditions.append(queue_condition(session, user, workflow, queue, today))
    return ScopedQuery(
        select(Ticket).where(seen.condition, *conditions),
        tuple(select(Ticket).where(branch, *conditions) for branch in seen.branches),
    )


# long: one condition per filter field, in the filter form's order
def filter_conditions(
    session: Session, flt: TicketFilter, workflow: WorkflowDefinition, today: date, amber_days: int
) -> list[ColumnElement[bool] | Mapped[bool]]:
    """The WHERE conditions of `flt` on `Ticket`, on the local day `today` (the scope aside)."""
    conditions: list[ColumnElement[bool] | Mapped[bool]] = []
    if flt.states:
        conditions.append(col(Ticket.state).in_(flt.states))
    found = directory(session) if flt.unit or flt.category else None
    if flt.unit and found is not None:
        unit = found.units_by_code.get(flt.unit)
        if unit is None:
            raise ValidationFailed(
                _("unknown unit"), {"unit": _("unknown unit %(code)s", code=repr(flt.unit))}
            )
        units = found.subtree_ids([unit])
        conditions.append(
            or_(col(Ticket.responsible_unit_id).in_(units), co_operating(session, units))
        )
    if flt.category and found is not None:
        category = found.categories_by_code.get(flt.category)
        if category is None:
            message = _("unknown category")
            raise ValidationFailed(message, {"category": message})
        ids = [category.id, *found.child_category_ids(category.id)]
        conditions.append(col(Ticket.category_id).in_(ids))
    if flt.source:
        conditions.append(col(Ticket.source) == flt.source)
    if flt.inspection is not None:
        conditions.append(col(Ticket.inspection_id) == flt.inspection)
    if flt.awaiting:
        conditions.append(col(Ticket.is_awaiting_verification))
    if flt.followup:
        conditions.append(col(Ticket.followup_due_on) <= today)
    running = (
        col(Ticket.state).in_(clock_states(workflow)),
        ~col(Ticket.is_awaiting_verification),
        col(Ticket.return_requested_at).is_(None),
    )
    if flt.supervised:
        conditions.append(col(Ticket.is_supervised))
    if flt.overdue or flt.rag == "red":
        conditions.append(overdue_condition(workflow, today))
    elif flt.rag == "amber":
        conditions += [
            *running,
            col(Ticket.deadline) >= today,
            col(Ticket.deadline) <= today + timedelta(amber_days),
        ]
    elif flt.rag == "green":
        conditions += [*running, col(Ticket.deadline) > today + timedelta(amber_days)]
    if flt.due_before:
        conditions.append(col(Ticket.deadline) <= flt.due_before)
    if flt.due_after:
        conditions.append(col(Ticket.deadline) >= flt.due_after)
    if flt.q:
        conditions.append(search_condition(flt.q, session.get_bind().dialect.name))
    return conditions


@dataclass
class Page:
    """One page of a list. `total` is exact up to the count cap; past it `total_is_capped` is
    set and `total` is the cap (shown as "10,000+"). `total` is None when not counted at all
    (keyset pages). `next_cursor` continues after the last item, None on the last page."""

    items: list[Ticket]
    total: int | None
    page: int
    per_page: int
    total_is_capped: bool = False
    next_cursor: str | None = None

    @property
    def pages(self) -> int:
        """Pages known to exist (with a capped total, more may follow)."""
        if self.total is None:
            return self.page + (1 if self.next_cursor else 0)
        known = self.total + (1 if self.total_is_capped else 0)
        return max(1, -(-known // self.per_page))

    def page_links(self) -> list[int]:
        """The pages the pager links: the first three, the last two, two either side of this."""
        last = self.pages
        shown = {*range(1, min(3, last) + 1), *range(max(1, last - 1), last + 1)}
        shown.update(range(max(1, self.page - 2), min(last, self.page + 2) + 1))
        return sorted(shown)


# Sort key columns of the keyset (cursor) pagination; every sort ends on a unique column.
# (Typed Any: each is a column attribute, compared with a key of its own type.)
_KEYS: dict[str, tuple[Any, bool]] = {
    "deadline": (Ticket.deadline, False),
    "-deadline": (Ticket.deadline, True),
    "created": (Ticket.created_at, False),
    "-created": (Ticket.created_at, True),
    "updated": (Ticket.updated_at, False),
    "-updated": (Ticket.updated_at, True),
    "code": (Ticket.code, False),
    "-code": (Ticket.code, True),
}


def capped_count(branches: Sequence[_Select], cap: int) -> SelectOfScalar[int]:
    """One statement: the sum of a COUNT per disjoint branch, each reading at most cap + 1
    rows (a cap of 0 counts exactly).

    An exact COUNT(*) reads every matching row (30,000 for one township at 100,000 tickets,
    most of a list request's time); the LIMITed subquery stops at cap + 1 on an index.
    """
    counts = []
    for branch in branches:
        rows = branch.with_only_columns(col(Ticket.id)).order_by(None)
        if cap > 0:
            rows = rows.limit(cap + 1)
        counts.append(select(func.count()).select_from(rows.subquery()).scalar_subquery())
    return select(sum(counts[1:], counts[0]))


def count_capped(session: Session, branches: Sequence[_Select], cap: int) -> tuple[int, bool]:
    """(total, is_capped) of the rows of the disjoint statements `branches`; past `cap` the
    total is the cap (see `capped_count`)."""
    return _capped(session.exec(capped_count(branches, cap)).one(), cap)


def _capped(total: int, cap: int) -> tuple[int, bool]:
    if cap > 0 and total > cap:
        return cap, True
    return total, False


def _page(stmt: _S, sort: str, offset: int, per_page: int) -> _S:
    """One page of `stmt` in `sort` order, plus one row to tell whether more follow."""
    return stmt.order_by(*SORTS[sort]).offset(offset).limit(per_page + 1)


def count_cap(flt: TicketFilter, cap: int, filtered_cap: int) -> int:
    """How far a list's total is counted: `cap` when it is narrowed by state or queue only (an
    index range, counted from the index), `filtered_cap` when other filters narrow it, whose
    rows must each be read to be counted (a county's overdue tickets at 100,000: 44 ms to count
    10,001 of them, bench/RESULTS.md round 4). Past it the list says "more than N"."""
    plain = TicketFilter(states=flt.states, queue=flt.queue, sort=flt.sort)
    if flt == plain or cap <= 0 or filtered_cap <= 0:  # 0: count exactly, as configured
        return cap
    return min(cap, filtered_cap)


def encode_cursor(ticket: Ticket, sort: str) -> str:
    """An opaque position after `ticket` in the `sort` order (base64url JSON: sort, key, id)."""
    column, _desc = _KEYS[sort]
    value = getattr(ticket, column.key)
    key = value.isoformat() if isinstance(value, date | datetime) else value
    raw = json.dumps([sort, key, ticket.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The sort key value and id a cursor points after; a ValidationFailed when it is not ours."""
    problem = ValidationFailed("invalid cursor", {"cursor": "not a cursor of this list"})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, key, ticket_id = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise problem from exc
    if got_sort != sort or not isinstance(ticket_id, int) or not isinstance(key, str):
        raise problem
    if not 0 < ticket_id < 2**63:  # no row has such an id; the database cannot compare it
        raise problem
    column, _desc = _KEYS[sort]
    try:
        if column is Ticket.deadline:
            return date.fromisoformat(key), ticket_id
        if column is not Ticket.code:
            return as_utc(datetime.fromisoformat(key)), ticket_id
    except ValueError as exc:
        raise problem from exc
    return key, ticket_id


def after_cursor(stmt: _S, sort: str, cursor: str) -> _S:
    """`stmt` limited to the rows after `cursor` in the `sort` order (keyset pagination).

    Written as `key >= k AND (key > k OR id > i)` rather than a row-value comparison: both
    databases turn the first term into an index range start and the rest is a cheap filter.
    """
    key, ticket_id = _decode_cursor(cursor, sort)
    column, desc = _KEYS[sort]
    if column is Ticket.code:  # unique: the key alone orders
        return stmt.where(column < key if desc else column > key)
    if desc:
        return stmt.where(column <= key, or_(column < key, col(Ticket.id) < ticket_id))
    return stmt.where(column >= key, or_(column > key, col(Ticket.id) > ticket_id))


# Paging by number reaches this many times LIST_COUNT_CAP findings (100,000 by default); past
# that, an OFFSET makes the database walk every row before the page, and `cursor` pages instead.
DEEPEST_OFFSET_FACTOR = 10


def deepest_offset(config: Mapping[str, Any]) -> int:
    return DEEPEST_OFFSET_FACTOR * int(config["LIST_COUNT_CAP"])


def deepest_page(config: Mapping[str, Any], per_page: int) -> int:
    """The last page a list can be paged to by number."""
    return max(1, -(-deepest_offset(config) // max(1, per_page)))


def paginate(
    session: Session,
    query: ScopedQuery,
    sort: str,
    page: int,
    per_page: int,
    *,
    count_cap: int = 0,
    cursor: str | None = None,
    max_offset: int = 0,
) -> Page:
    """A page of rows, by page number (with a COUNT capped at `count_cap`) or after `cursor`
    (keyset: no COUNT, no OFFSET). Two queries at most whatever the page size."""
    stmt = query.rows
    total: int | None = None
    capped = False
    if cursor is not None:
        page = 1
        if cursor:
            stmt = after_cursor(stmt, sort, cursor)
        offset = 0
        rows = list(session.exec(_page(stmt, sort, offset, per_page)).all())
    else:
        page = max(1, page)
        offset = (page - 1) * per_page
        if max_offset and offset >= max_offset:
            # A deep OFFSET makes the database walk every row before it: past what a count can
            # show, paging is by `cursor`.
            message = _(
                "page %(page)s is beyond the first %(cap)s findings: narrow the filters or page "
                "with cursor",
                page=page,
                cap=max_offset,
            )
            raise ValidationFailed(message, {"page": message})
        # The count rides along with the page, as a column the database computes once (an
        # uncorrelated subquery): one round trip for both. A page past the end has no row to
        # carry it, and is counted on its own.
        counted = capped_count(query.count_branches, count_cap).scalar_subquery()
        # `execute`: `exec` would keep only the first column of a `select(Ticket)`'s rows.
        found = session.execute(_page(stmt.add_columns(counted), sort, offset, per_page)).all()
        rows = [ticket for ticket, _n in found]
        if found:
            total, capped = _capped(found[0][1], count_cap)
        elif page == 1:
            total = 0
        else:
            total, capped = count_capped(session, query.count_branches, count_cap)
    more = len(rows) > per_page
    items = rows[:per_page]
    next_cursor = encode_cursor(items[-1], sort) if more and items else None
    return Page(
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        total_is_capped=capped,
        next_cursor=next_cursor,
    )
