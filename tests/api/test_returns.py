"""Return and reassign (退单/改派) through the API, on both workflows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tracker.core.clock import local_date, utcnow

FIVE_STATE = Path(__file__).resolve().parents[1] / "workflow" / "five_state.toml"


@pytest.fixture(params=["default", "five_state"])
def app(request, app_factory):  # type: ignore[no-untyped-def]
    return app_factory(WORKFLOW="default.toml" if request.param == "default" else str(FIVE_STATE))


def _fresh(make_ticket):  # type: ignore[no-untyped-def]
    """A ticket filed now (requests read the real clock), inside its return window."""
    now = utcnow()
    return make_ticket(now=now, deadline=local_date(now, "Asia/Shanghai") + timedelta(days=30))


def test_api_return_and_refusal(db, county, make_ticket, api_as):  # type: ignore[no-untyped-def]
    c = county
    ticket = _fresh(make_ticket)
    cadre, inspector = api_as(c.cadre_a), api_as(c.inspector)
    body = cadre.get(f"/tickets/{ticket.id}").get_json()
    assert body["return_by"] and body["return_pending"] is False
    offered = {t["name"]: t for t in body["transitions"]}
    assert offered["request_return"]["requires"] == ["comment"]
    assert (
        api_as(c.cadre_b)
        .post(
            f"/tickets/{ticket.id}/transitions",
            json={"transition": "request_return", "comment": "x", "version": ticket.version},
        )
        .status_code
        == 404
    )
    answer = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "request_return", "comment": "不属本单位", "version": ticket.version},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["return_pending"] is True and body["rag"] is None
    missing = inspector.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "reassign", "comment": "改派", "version": body["version"]},
    )
    assert missing.status_code == 422
    assert "unit" in missing.get_json()["error"]["fields"]
    queue = inspector.get("/queues").get_json()["items"]
    assert any(q["name"] in ("to_reassign", "reassign") and q["count"] == 1 for q in queue)
    answer = inspector.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "refuse_return", "comment": "属你单位", "version": body["version"]},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["return_pending"] is False and body["return_by"] is None
    assert body["responsible_unit"] == "town-a"
    names = [
        e.get("transition") for e in cadre.get(f"/tickets/{ticket.id}/events").get_json()["items"]
    ]
    assert names[-2:] == ["request_return", "refuse_return"]


def test_api_reassign(db, county, make_ticket, api_as):  # type: ignore[no-untyped-def]
    c = county
    ticket = _fresh(make_ticket)
    cadre, inspector = api_as(c.cadre_a), api_as(c.inspector)
    version = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "request_return", "comment": "不属本单位", "version": ticket.version},
    ).get_json()["version"]
    answer = inspector.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "reassign", "comment": "改派", "unit": "dept", "version": version},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["responsible_unit"] == "dept"
    assert answer.get_json()["state"] == "reported"
    assert cadre.get(f"/tickets/{ticket.id}").status_code == 404
    assert api_as(c.cadre_dept).get(f"/tickets/{ticket.id}").status_code == 200
