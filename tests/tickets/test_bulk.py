"""Bulk deadline and unit changes: each ticket gets its own event; scope and roles hold."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import NOW
from sqlmodel import select

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.tickets.bulk import bulk_update
from tracker.tickets.models import Ticket, TicketEvent


def test_bulk_sets_deadline_and_unit_with_one_event_each(db, county, make_ticket, settings):
    tickets = [make_ticket(title=f"问题{i}") for i in range(3)]
    result = bulk_update(
        db,
        county.inspector,
        [t.id for t in tickets],
        NOW,
        settings,
        deadline=date(2026, 8, 1),
        responsible_unit="town-b",
    )
    db.commit()
    assert (result.selected, result.changed) == (3, 3)
    for ticket in tickets:
        db.refresh(ticket)
        assert ticket.deadline == date(2026, 8, 1)
        assert ticket.responsible_unit_id == county.town_b.id
        events = db.exec(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "update"
            )
        ).all()
        assert len(events) == 1
        assert set(events[0].data["changes"]) == {"deadline", "responsible_unit_id"}


def test_bulk_refuses_cadres_invisible_ids_and_leaders_out_of_charge(
    db, county, make_ticket, settings
):
    a = make_ticket()
    b = make_ticket(responsible_unit="town-b", location_unit="village-b")
    with pytest.raises(Forbidden):
        bulk_update(db, county.cadre_a, [a.id], NOW, settings, deadline=date(2026, 8, 1))
    with pytest.raises(NotFound):
        bulk_update(db, county.leader_a, [a.id, b.id], NOW, settings, deadline=date(2026, 8, 1))
    db.rollback()
    with pytest.raises(ValidationFailed):
        bulk_update(db, county.admin, [a.id], NOW, settings)
    with pytest.raises(ValidationFailed):
        bulk_update(db, county.admin, [a.id], NOW, settings, deadline=date(2020, 1, 1))
    db.rollback()
    db.refresh(a)
    assert a.deadline == date(2026, 6, 30)
    result = bulk_update(db, county.leader_a, [a.id], NOW, settings, deadline=date(2026, 8, 1))
    assert result.changed == 1


def test_bulk_route(client, db, county, make_ticket, as_user, monkeypatch):
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: NOW)
    a, b = make_ticket(), make_ticket()
    other = make_ticket(responsible_unit="town-b", location_unit="village-b")
    client = as_user(county.inspector)
    page = client.get("/tickets?queue=all").get_data(as_text=True)
    assert 'name="ids"' in page and 'id="bulk-form"' in page
    response = client.post(
        "/tickets/bulk",
        data={"ids": [a.id, b.id], "responsible_unit": "dept", "next": "/tickets?queue=all"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/tickets?queue=all"
    db.expire_all()
    assert {
        t.responsible_unit_id for t in db.exec(select(Ticket).where(Ticket.id.in_([a.id, b.id])))
    } == {county.department.id}
    response = client.post(
        "/tickets/bulk", data={"ids": [a.id], "deadline": "soon", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/tickets?queue=all"
    client = as_user(county.leader_a)
    assert (
        client.post("/tickets/bulk", data={"ids": [other.id], "deadline": "2026-08-01"}).status_code
        == 404
    )
    client = as_user(county.cadre_a)
    assert (
        client.post("/tickets/bulk", data={"ids": [a.id], "deadline": "2026-08-01"}).status_code
        == 403
    )
    assert 'name="ids"' not in client.get("/tickets?queue=all").get_data(as_text=True)
