"""Tickets through the API: the representation, filing, moving, history, errors."""

from __future__ import annotations

import json
from datetime import date

from helpers import SOON
from sqlmodel import select

from tracker.tickets.models import TicketEvent

TICKET_FIELDS = {
    "id", "code", "title", "description", "category", "source", "inspection_id", "location_unit",
    "responsible_unit", "co_units", "assignee", "reporter", "deadline", "state", "version",
    "overdue", "rag", "awaiting_verification", "indicators", "created_at", "updated_at",
    "closed_at", "transitions", "original_deadline", "requested_deadline", "rejection_count",
    "rebound_count", "severity", "tags", "requirement", "person_in_charge",
}  # fmt: skip


def test_ticket_representation(api_as, county, make_ticket):
    ticket = make_ticket(co_units=["dept"], tags=["三堆"])
    response = api_as(county.cadre_a).get(f"/tickets/{ticket.id}")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) >= TICKET_FIELDS
    assert data["category"] == "garbage_pile"
    assert data["responsible_unit"] == "town-a"
    assert data["location_unit"] == "village-a"
    assert data["co_units"] == ["dept"]
    assert data["reporter"] == "inspector"
    assert data["deadline"] == "2026-06-30"
    assert data["state"] == "reported"
    assert data["indicators"] == [
        {"name": "清理垃圾堆", "unit": "堆", "target": 12.0, "achieved": None}
    ]
    assert data["created_at"].endswith("+08:00")
    assert data["tags"] == ["三堆"]
    assert [t["name"] for t in data["transitions"]] == ["accept"] or "accept" in [
        t["name"] for t in data["transitions"]
    ]
    assert response.headers["ETag"] == f'"{data["version"]}"'
    # Chinese text is sent as is, not as \\u escapes
    assert "上庄村".encode() in response.data


def test_file_move_and_history(api_as, county):
    inspector = api_as(county.inspector)
    response = inspector.post(
        "/tickets",
        json={
            "title": "河湾村废旧农膜未回收",
            "responsible_unit": "town-b",
            "category": "plastic_film",
            "deadline": SOON,
        },
    )
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert ticket["title"] == "河湾村废旧农膜未回收"
    cadre = api_as(county.cadre_b)
    moved = cadre.post(
        f"/tickets/{ticket['id']}/transitions",
        json={"transition": "accept", "comment": "已签收", "version": ticket["version"]},
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["state"] == "rectifying"
    assert moved.get_json()["version"] == ticket["version"] + 1
    comment = cadre.post(f"/tickets/{ticket['id']}/comments", json={"comment": "正在清理"})
    assert comment.status_code == 201
    events = cadre.get(f"/tickets/{ticket['id']}/events").get_json()["items"]
    assert [e["kind"] for e in events] == ["created", "transition", "comment"]
    assert events[1]["actor"] == "cadre-b" and events[1]["to_state"] == "rectifying"
    assert events[2]["comment"] == "正在清理"


def test_stale_version_is_409_and_if_match_works(api_as, county, make_ticket):
    ticket = make_ticket()
    cadre = api_as(county.cadre_a)
    stale = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "accept", "version": ticket.version + 5},
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    ok = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "accept"},
        headers={"If-Match": f'"{ticket.version}"'},
    )
    assert ok.status_code == 200, ok.get_json()
    missing = cadre.post(f"/tickets/{ticket.id}/transitions", json={"transition": "accept"})
    assert missing.status_code == 422
    assert "version" in missing.get_json()["error"]["fields"]


def test_transition_errors(api_as, county, make_ticket):
    ticket = make_ticket()
    cadre = api_as(county.cadre_a)
    # not allowed from this state
    wrong = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "close", "version": ticket.version},
    )
    assert wrong.status_code in (403, 422)
    unknown = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "no-such-step", "version": ticket.version},
    )
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["code"] == "transition_not_allowed"
    # an inspector may not accept on the unit's behalf
    forbidden = api_as(county.inspector).post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "accept", "version": ticket.version},
    )
    assert forbidden.status_code == 403
    assert forbidden.get_json()["error"]["code"] == "forbidden"
    # a required input is missing: a field error names it
    cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "accept", "version": ticket.version},
    )
    missing = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "report_completion", "version": ticket.version + 1},
    )
    assert missing.status_code == 422
    assert "comment" in missing.get_json()["error"]["fields"]


def test_patch_requires_version_and_edits(api_as, county, make_ticket, db):
    ticket = make_ticket()
    inspector = api_as(county.inspector)
    no_version = inspector.patch(f"/tickets/{ticket.id}", json={"title": "新标题"})
    assert no_version.status_code == 422
    patched = inspector.patch(
        f"/tickets/{ticket.id}", json={"title": "新标题", "version": ticket.version}
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["title"] == "新标题"
    assert patched.get_json()["version"] == ticket.version + 1
    again = inspector.patch(
        f"/tickets/{ticket.id}", json={"title": "再改", "version": ticket.version}
    )
    assert again.status_code == 409
    cadre = api_as(county.cadre_a).patch(
        f"/tickets/{ticket.id}", json={"title": "x", "version": ticket.version + 1}
    )
    assert cadre.status_code == 403
    kinds = db.exec(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)).all()
    assert list(kinds) == ["created", "update"]


def test_validation_errors_name_fields(api_as, county):
    inspector = api_as(county.inspector)
    response = inspector.post("/tickets", json={"title": "", "responsible_unit": "nowhere"})
    assert response.status_code == 422
    assert "title" in response.get_json()["error"]["fields"]
    unknown = inspector.post(
        "/tickets", json={"title": "t", "responsible_unit": "nowhere", "deadline": SOON}
    )
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"responsible_unit": "unknown unit 'nowhere'"}
    cadre = api_as(county.cadre_a).post(
        "/tickets", json={"title": "t", "responsible_unit": "town-a", "deadline": SOON}
    )
    assert cadre.status_code == 403


def test_bad_bodies_are_4xx(api_as, county, make_ticket, app_factory):
    inspector = api_as(county.inspector)
    headers = {"Content-Type": "application/json"}
    invalid = inspector.post("/tickets", data="{not json", headers=headers)
    assert invalid.status_code == 400
    assert invalid.get_json()["error"]["code"] == "invalid_json"
    empty = inspector.post("/tickets", data="", headers=headers)
    assert empty.status_code == 400
    array = inspector.post("/tickets", data="[1, 2]", headers=headers)
    assert array.status_code == 422
    nan = inspector.post("/tickets", data='{"title": NaN}', headers=headers)
    assert nan.status_code == 400
    nul = inspector.post(
        "/tickets", json={"title": "a\x00b", "responsible_unit": "town-a", "deadline": SOON}
    )
    assert nul.status_code == 422
    huge = inspector.post(
        "/tickets",
        json={"title": "t", "responsible_unit": "town-a", "inspection_id": 10**30},
    )
    assert huge.status_code == 422
    assert inspector.get("/tickets/99999999999999999999").status_code == 404
    method = inspector.client.delete(
        "/api/v1/tickets", headers={"Authorization": f"Bearer {inspector.token}"}
    )
    assert method.status_code == 405
    assert method.get_json()["error"]["code"] == "method_not_allowed"


def test_body_size_limit_is_413_json(app_factory, county, token_for):
    small = app_factory(MAX_CONTENT_LENGTH=1000)
    client = small.test_client()
    response = client.post(
        "/api/v1/tickets",
        data=json.dumps({"title": "x" * 5000}),
        headers={"Authorization": f"Bearer {token_for(county.inspector)}",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] in ("payload_too_large", "too_large")


def test_chinese_text_round_trips(api_as, county):
    title = "青山乡上庄村“三堆”清理不彻底（暗访）——𠀀"
    inspector = api_as(county.inspector)
    created = inspector.post(
        "/tickets", json={"title": title, "responsible_unit": "town-a", "deadline": SOON}
    ).get_json()
    assert created["title"] == title
    assert inspector.get(f"/tickets/{created['id']}").get_json()["title"] == title


def test_deadline_is_a_local_date(api_as, county, make_ticket):
    ticket = make_ticket(deadline=date(2026, 7, 1))
    data = api_as(county.admin).get(f"/tickets/{ticket.id}").get_json()
    assert data["deadline"] == "2026-07-01"
    assert data["rag"] in ("green", "amber", "red")
