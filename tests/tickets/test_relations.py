"""One rule for "who relates to a ticket" and "who is told": its paths agree with each other.

A generated county of tickets (every responsible unit, with and without each co-operating unit)
is tried by every kind of user, including a leader who became a cadre (their charge rows stay)
and a disabled leader.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from helpers import NOW
from sqlmodel import select

from tracker.org.models import LeaderCharge, Unit, User
from tracker.org.service import create_user
from tracker.reminders.notices import recipients_for
from tracker.reminders.recipients import Directory
from tracker.tickets import service
from tracker.tickets.related import load_related
from tracker.tickets.relations import Viewpoint, relations_of
from tracker.tickets.schemas import TicketCreate
from tracker.tickets.scope import visibility, visible_tickets

CODES = ("county", "town-a", "village-a", "town-b", "village-b", "dept")


@pytest.fixture
def world(db, county, workflow, settings):  # type: ignore[no-untyped-def]
    """Every (responsible unit, co-operating unit or none) pair as a ticket; and odd users."""
    former = create_user(db, "former-leader", "leader", "x" * 12, charge_codes=["town-b"])
    former.role, former.unit_id, former.email = "cadre", county.town_a.id, "former@example.org"
    disabled = create_user(db, "gone-leader", "leader", "x" * 12, charge_codes=["town-a"])
    disabled.is_enabled, disabled.email = False, "gone@example.org"
    db.add_all([former, disabled])
    items = [
        TicketCreate(
            title=f"{responsible} / {co}",
            responsible_unit=responsible,
            co_units=[co] if co else [],
            deadline=date(2026, 6, 30),
            # an assignee outside the responsible unit, whom the filing leader (town A) may see
            assignee="cadre-va" if responsible == "dept" else None,
        )
        for responsible, co in itertools.product(CODES, (None, *CODES))
        if co != responsible
    ]
    service.file_tickets(db, county.inspector, items[:20], workflow, NOW, settings)
    # A leader files within their charge (tracker/policy.py): leader A reports town A's.
    in_charge = [i for i in items[20:] if i.responsible_unit in ("town-a", "village-a")]
    service.file_tickets(db, county.leader_a, in_charge, workflow, NOW, settings)
    others = [i for i in items[20:] if i not in in_charge]
    service.file_tickets(db, county.inspector2, others, workflow, NOW, settings)
    db.commit()
    users = list(db.exec(select(User).order_by(User.id)))
    return users, list(db.exec(select(service.Ticket).order_by(service.Ticket.id)))


def test_python_relations_match_sql_visibility(db, world):  # type: ignore[no-untyped-def]
    users, tickets = world
    related = load_related(db, tickets, details=False)
    assert len(users) == 12 and len(tickets) == 36
    for user in users:
        viewpoint = Viewpoint.load(db, user)
        seen = {t.id for t in db.exec(visible_tickets(db, user))}
        branches = visibility(db, user).branches
        counted = sum(len(db.exec(select(service.Ticket.id).where(b)).all()) for b in branches)
        assert counted == len(seen), user
        for ticket in tickets:
            co_units = [related.unit(i) for i in related.co_units.get(ticket.id, [])]
            responsible = related.unit(ticket.responsible_unit_id)
            assert viewpoint.sees(responsible, co_units) == (ticket.id in seen), (user, ticket)
            relations = relations_of(db, user, ticket)
            assert viewpoint.relations_in(ticket, related) == relations, (user, ticket)
            # a unit relation never reaches a ticket the user cannot see
            if relations - {"reporter"}:
                assert ticket.id in seen, (user, ticket)


def test_relations_by_role(db, county, world):  # type: ignore[no-untyped-def]
    _users, tickets = world
    by_title = {t.title: t for t in tickets}
    ticket = by_title["village-a / dept"]
    assert relations_of(db, county.cadre_a, ticket) == {"responsible_unit", "involved_unit"}
    assert relations_of(db, county.cadre_dept, ticket) == {"involved_unit"}
    assert relations_of(db, county.cadre_b, ticket) == frozenset()
    assert relations_of(db, county.leader, ticket) == {"leader_in_charge"}
    assert relations_of(db, county.leader_b, ticket) == frozenset()
    # a leader in charge of a co-operating unit sees the ticket but is not in charge of it
    co_ticket = by_title["town-a / town-b"]
    assert relations_of(db, county.leader_b, co_ticket) == frozenset()
    assert Viewpoint.load(db, county.leader_b).sees(county.town_a, [county.town_b])
    assert relations_of(db, county.inspector, ticket) == {"reporter"}


def test_recipients_agree_with_the_planners_directory(db, county, world):  # type: ignore[no-untyped-def]
    _users, tickets = world
    directory = Directory(db)
    for ticket in tickets:
        unit_people = [u.id for u in recipients_for(db, ticket, ["responsible_unit"])]
        assert set(unit_people) == set(
            directory.unit_people_ids(ticket.responsible_unit_id, ticket.assignee_id)
        ), ticket
        leaders = {u.id for u in recipients_for(db, ticket, ["leaders_in_charge"])}
        assert leaders == set(directory.leaders_in_charge_ids(ticket.responsible_unit_id)), ticket


def test_a_leader_in_charge_must_hold_the_leader_role(db, county, world):  # type: ignore[no-untyped-def]
    """A leader who became a cadre keeps their charge rows; notices no longer treat them as the
    leader in charge (as the reminder planner never did), and they are not so in relations."""
    _users, tickets = world
    former = db.exec(select(User).where(User.username == "former-leader")).one()
    town_b = db.get(Unit, county.town_b.id)
    assert db.exec(select(LeaderCharge).where(LeaderCharge.user_id == former.id)).all()
    ticket = next(t for t in tickets if t.responsible_unit_id == town_b.id)
    told = {u.username for u in recipients_for(db, ticket, ["leaders_in_charge"])}
    assert told == {"leader", "leader-b"}
    assert "leader_in_charge" not in relations_of(db, former, ticket)
