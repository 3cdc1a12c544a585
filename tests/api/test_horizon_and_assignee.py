"""A deadline absurdly far ahead is refused with a clear message wherever a deadline is set;
an assignee the caller may not see is refused exactly like one nobody has."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import NOW

from tracker.core.clock import local_date
from tracker.core.errors import ValidationFailed
from tracker.tickets import service
from tracker.tickets.schemas import TicketCreate, TicketUpdate

FAR = "9999-12-31"


def _new(county, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {
        "title": "垃圾堆放",
        "category": "garbage_pile",
        "responsible_unit": county.town_a.code,
        "deadline": FAR,
        **fields,
    }


def test_a_deadline_past_the_horizon_is_refused_on_filing_editing_and_extending(  # type: ignore[no-untyped-def]
    api_as, county, make_ticket, move
):
    inspector = api_as(county.inspector)
    filed = inspector.post("/tickets", json=_new(county), headers={"Accept-Language": "en"})
    assert filed.status_code == 422, filed.json
    assert "too far ahead: at most 1096 days" in filed.json["error"]["fields"]["deadline"]

    ticket = make_ticket()
    patched = inspector.patch(
        f"/tickets/{ticket.id}", json={"deadline": FAR, "version": ticket.version}
    )
    assert patched.status_code == 422
    assert "deadline" in patched.json["error"]["fields"]

    move(ticket, county.cadre_a, "accept")
    asked = api_as(county.cadre_a).post(
        f"/tickets/{ticket.id}/transitions",
        json={
            "transition": "request_extension",
            "comment": "需要更多时间",
            "deadline": FAR,
            "version": ticket.version,
        },
    )
    assert asked.status_code == 422, asked.json
    assert "deadline" in asked.json["error"]["fields"]


def test_the_horizon_is_a_setting_and_its_last_day_is_allowed(settings) -> None:  # type: ignore[no-untyped-def]
    today = local_date(NOW, settings.timezone)
    last = today + timedelta(days=settings.deadline_horizon_days)
    item = TicketCreate(
        title="x", category="garbage_pile", responsible_unit="town-a", deadline=last
    )
    assert service.resolve_deadline(item, today, horizon_days=1096) == last
    with pytest.raises(ValidationFailed, match="too far ahead"):
        service.resolve_deadline(item, today, horizon_days=1095)
    many = TicketCreate(
        title="x", category="garbage_pile", responsible_unit="town-a", deadline_working_days=300
    )
    with pytest.raises(ValidationFailed, match="too far ahead"):
        service.resolve_deadline(many, today, horizon_days=30)


def test_an_unknown_and_an_invisible_assignee_get_the_same_answer(  # type: ignore[no-untyped-def]
    api_as, county, make_ticket, db
):
    ticket = make_ticket()
    leader = api_as(county.leader_a)  # in charge of town A only

    def assign(username: str):  # type: ignore[no-untyped-def]
        return leader.patch(
            f"/tickets/{ticket.id}",
            json={"assignee": username, "version": ticket.version},
            headers={"Accept-Language": "en"},
        )

    elsewhere = assign(county.cadre_b.username)  # exists, in town B
    nobody = assign("nobody-here")
    assert elsewhere.status_code == nobody.status_code == 422
    as_text = elsewhere.get_data(as_text=True).replace(county.cadre_b.username, "NAME")
    assert as_text == nobody.get_data(as_text=True).replace("nobody-here", "NAME")

    county.cadre_village_a.is_enabled = False
    db.commit()
    disabled = assign(county.cadre_village_a.username)
    assert disabled.status_code == 422
    assert disabled.json["error"]["code"] == nobody.json["error"]["code"]

    mine = assign(county.cadre_a.username)  # a cadre of town A
    assert mine.status_code == 200, mine.json
    assert mine.json["assignee"] == county.cadre_a.username


def test_an_inspector_may_assign_anyone_enabled(db, county, make_ticket, settings) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    data = TicketUpdate(assignee=county.cadre_b.username)
    service.update_ticket(db, ticket, county.inspector, data, ticket.version, NOW, settings)
    assert ticket.assignee_id == county.cadre_b.id
