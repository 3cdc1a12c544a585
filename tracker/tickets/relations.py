"""How a user relates to a ticket, and who is told about one: each rule written once.

Relations, in the workflow's terms (a transition's `relations` list names them):
- `reporter`: the user filed the ticket;
- `responsible_unit`: a cadre whose unit's subtree holds the ticket's responsible unit;
- `involved_unit`: the same, or a co-operating unit in that subtree;
- `leader_in_charge`: a leader whose charge covers the responsible unit.

`Viewpoint.sees` is the Python twin of the SQL in `tickets/scope.visibility` (admins and inspectors
see everything; cadres and leaders what lies in the subtrees they work on, as the responsible or a
co-operating unit), and `relation_condition` the SQL twin of `relations_of` (the work queues use
it); tests/tickets/test_relations.py and tests/tickets/test_queues.py check they agree.

Recipients: the people of a unit are its own enabled cadres (not its parents' or children's) plus
the ticket's assignee; the leaders in charge of a unit are enabled users with the *leader* role and
a charge on the unit or an ancestor. A user whose role changed keeps their `LeaderCharge` rows, and
those no longer count (for relations, visibility, notices and reminders alike).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, true
from sqlmodel import Session, col, select

from tracker.core.db import READ_ONLY_KEY
from tracker.org.directory import UnitRef, directory
from tracker.org.models import LeaderCharge, Role, Unit, User
from tracker.org.service import HasPath, is_within
from tracker.tickets.models import Ticket, TicketCoUnit
from tracker.tickets.related import CO_UNITS_KEY, Related
from tracker.tickets.scope import scope_roots, visibility
from tracker.workflow.definition import (
    INVOLVED_UNIT,
    LEADER_IN_CHARGE,
    REPORTER,
    RESPONSIBLE_UNIT,
)

RELATIONS = (REPORTER, RESPONSIBLE_UNIT, INVOLVED_UNIT, LEADER_IN_CHARGE)


@dataclass(frozen=True)
class Viewpoint:
    """A user with the unit subtrees they work on, loaded once (per request or per list).

    `roots` is None for those who see every ticket (admins, inspectors); a cadre's own unit; a
    leader's charged units.
    """

    user: User
    roots: tuple[UnitRef, ...] | None

    @classmethod
    def load(cls, session: Session, user: User) -> Viewpoint:
        return cls(user=user, roots=scope_roots(session, user))

    def relations(
        self, ticket: Ticket, responsible: HasPath | None, co_units: Iterable[HasPath | None]
    ) -> frozenset[str]:
        """How the user relates to `ticket`, given its responsible and co-operating units."""
        found: set[str] = set()
        if ticket.reporter_id is not None and ticket.reporter_id == self.user.id:
            found.add(REPORTER)
        if self.roots is None or responsible is None:
            return frozenset(found)
        if self.user.role == Role.CADRE:
            if is_within(responsible, self.roots):
                found.update({RESPONSIBLE_UNIT, INVOLVED_UNIT})
            elif any(u is not None and is_within(u, self.roots) for u in co_units):
                found.add(INVOLVED_UNIT)
        elif self.user.role == Role.LEADER and is_within(responsible, self.roots):
            found.add(LEADER_IN_CHARGE)
        return frozenset(found)

    def relations_in(self, ticket: Ticket, related: Related) -> frozenset[str]:
        """`relations` from a page's batch-loaded units (no query per ticket)."""
        co_units = (related.unit(i) for i in related.co_units.get(ticket.id, []))
        return self.relations(ticket, related.unit(ticket.responsible_unit_id), co_units)

    def sees(self, responsible: HasPath | None, co_units: Iterable[HasPath | None]) -> bool:
        """Whether the user may see a ticket with these units (as `scope.visibility`)."""
        if self.roots is None:
            return True
        return any(u is not None and is_within(u, self.roots) for u in (responsible, *co_units))


def co_unit_ids(session: Session, ticket: Ticket) -> list[int]:
    known = session.info.get((CO_UNITS_KEY, ticket.id))
    if known is not None:
        return list(known)
    return list(
        session.exec(select(TicketCoUnit.unit_id).where(TicketCoUnit.ticket_id == ticket.id))
    )


def relations_of(session: Session, user: User, ticket: Ticket) -> frozenset[str]:
    """How `user` relates to `ticket` (one ticket; lists use `Viewpoint.relations_in`).

    A read-only session (a GET) remembers the answer: a ticket page asks several times (its
    actions, its evidence, its permissions)."""
    key = ("relations", user.id, ticket.id)
    if key not in session.info:
        found = _relations_of(session, user, ticket)
        if not session.info.get(READ_ONLY_KEY):
            return found
        session.info[key] = found
    return session.info[key]


def _relations_of(session: Session, user: User, ticket: Ticket) -> frozenset[str]:
    viewpoint = Viewpoint.load(session, user)
    if viewpoint.roots is None or user.role not in (Role.CADRE, Role.LEADER):
        return viewpoint.relations(ticket, None, ())
    co_ids = co_unit_ids(session, ticket) if user.role == Role.CADRE else []
    units = directory(session).units
    return viewpoint.relations(
        ticket, units.get(ticket.responsible_unit_id), (units.get(i) for i in co_ids)
    )


def relation_condition(session: Session, user: User, relation: str) -> ColumnElement[bool]:
    """`relations_of` in SQL: a WHERE condition on `Ticket` for the tickets to which `user`
    stands in `relation` (or `anyone`); the workflow's queues are built on it."""
    if relation == "anyone":
        return true()
    if relation == REPORTER:
        return col(Ticket.reporter_id) == user.id
    if relation == RESPONSIBLE_UNIT and user.role == Role.CADRE:
        return _responsible_within(session, scope_roots(session, user) or ())
    if relation == INVOLVED_UNIT and user.role == Role.CADRE:
        return visibility(session, user).condition
    if relation == LEADER_IN_CHARGE and user.role == Role.LEADER:
        return _responsible_within(session, scope_roots(session, user) or ())
    return false()


def _responsible_within(session: Session, roots: Sequence[UnitRef]) -> ColumnElement[bool]:
    """The responsible unit lies in the subtrees rooted at `roots` (unit ids inlined)."""
    found = directory(session)
    if not roots:
        return false()
    if found.covers_every_unit(roots):
        return true()
    ids = found.subtree_ids(roots)
    return col(Ticket.responsible_unit_id).in_(ids) if ids else false()


# --- recipients ------------------------------------------------------------------------------


def counts_as_leader(user: User) -> bool:
    """Whether a user's charges make them a leader in charge (see the module docstring)."""
    return user.role == Role.LEADER and user.is_enabled


def _leader_condition() -> ColumnElement[bool]:
    """`counts_as_leader` in SQL."""
    return and_(col(User.role) == Role.LEADER, col(User.is_enabled))


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit's id and its ancestors', root first (from its materialised path)."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def leaders_in_charge(session: Session, unit: Unit) -> list[User]:
    """The leaders in charge of `unit`: a charge on it or an ancestor, by id."""
    return list(
        session.exec(
            select(User)
            .join(LeaderCharge, col(LeaderCharge.user_id) == col(User.id))
            .where(col(LeaderCharge.unit_id).in_(ancestor_ids(unit)), _leader_condition())
            .distinct()
            .order_by(col(User.id))
        )
    )


def unit_cadres(session: Session, unit_ids: Sequence[int]) -> list[User]:
    """The enabled cadres of exactly these units (not their parents or children), by id."""
    if not unit_ids:
        return []
    return list(
        session.exec(
            select(User)
            .where(
                col(User.unit_id).in_(unit_ids), col(User.role) == Role.CADRE, col(User.is_enabled)
            )
            .order_by(col(User.id))
        )
    )


def counts_as_cadre(user: User) -> bool:
    """`unit_cadres` for a user already loaded: an enabled cadre with a unit."""
    return user.role == Role.CADRE and user.is_enabled and user.unit_id is not None
