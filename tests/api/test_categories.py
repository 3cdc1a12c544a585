"""Categories through the API: everyone reads them, admins add, rename, disable and enable."""

from __future__ import annotations

import pytest
from helpers import NOW, SOON

from tracker.core.errors import ValidationFailed
from tracker.tickets import categories, service
from tracker.tickets.schemas import TicketCreate


def test_admin_adds_and_disables_a_category_others_are_refused(api_as, county, db):  # type: ignore[no-untyped-def]
    admin, inspector = api_as(county.admin), api_as(county.inspector)
    body = {"code": "straw", "name_zh": "秸秆焚烧", "parent": "environment"}
    assert inspector.post("/categories", json=body).status_code == 403
    created = admin.post("/categories", json=body)
    assert created.status_code == 201, created.json
    assert created.json["parent"] == "environment" and created.json["is_active"] is True

    again = admin.post("/categories", json=body)
    assert again.status_code == 422 and "code" in again.json["error"]["fields"]
    assert admin.post("/categories", json={"code": ""}).status_code == 422
    assert (
        admin.post("/categories", json={**body, "code": "x", "parent": "nope"}).status_code == 422
    )

    ticket = inspector.post(
        "/tickets",
        json={
            "title": "秸秆",
            "category": "straw",
            "responsible_unit": "town-a",
            "deadline": SOON,
        },
    )
    assert ticket.status_code == 201, ticket.json

    assert inspector.patch("/categories/straw", json={"is_active": False}).status_code == 403
    disabled = admin.patch("/categories/straw", json={"is_active": False, "name_en": "Straw"})
    assert disabled.status_code == 200 and disabled.json["is_active"] is False
    assert disabled.json["name_en"] == "Straw"
    refused = inspector.post(
        "/tickets",
        json={
            "title": "又一处",
            "category": "straw",
            "responsible_unit": "town-a",
            "deadline": SOON,
        },
    )
    assert refused.status_code == 422
    assert "disabled" in refused.json["error"]["fields"]["category"]
    old = inspector.get(f"/tickets/{ticket.json['id']}")
    assert old.json["category"] == "straw"  # still shown on the old ticket
    listed = {c["code"]: c for c in inspector.get("/categories").json["items"]}
    assert listed["straw"]["is_active"] is False

    assert admin.patch("/categories/nowhere", json={"is_active": True}).status_code == 404
    assert admin.patch("/categories/straw", json={"position": -1}).status_code == 422
    assert admin.patch("/categories/straw", json={"is_active": True}).json["is_active"] is True


def test_indicators_come_in_the_bulletins_order(api_as, county):  # type: ignore[no-untyped-def]
    items = api_as(county.cadre_a).get("/indicators").json["items"]
    names = [(i["name"], i["unit"]) for i in items]
    assert names.index(("拆除废弃房屋", "间")) + 1 == names.index(("拆除废弃房屋", "平方米"))
    assert names.index(("清理垃圾堆", "堆")) < names.index(("拆除废弃房屋", "间"))
    assert names.index(("拆除废弃房屋", "间")) < names.index(("修缮破旧房屋", "间"))


def test_a_disabled_category_is_refused_by_the_service_with_its_reason(
    db, county, workflow, settings
):  # type: ignore[no-untyped-def]
    categories.set_category_active(db, "toilet", False)
    data = TicketCreate(
        title="改厕", category="toilet", responsible_unit="town-a", deadline=NOW.date()
    )
    with pytest.raises(ValidationFailed) as refused:
        service.file_ticket(db, county.inspector, data, workflow, NOW, settings)
    assert refused.value.fields["category"] == "category 'toilet' is disabled: choose another"
