"""Tokens and scoping through the API: 401 without a valid token, each role sees its own."""

from __future__ import annotations

import pytest
from helpers import NOW
from sqlmodel import select

from tracker.auth.models import ApiToken
from tracker.auth.tokens import hash_token, revoke_token
from tracker.cli import cli


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer nope", "Basic abc", "bearer trk_wrong-token"]
)
def test_no_valid_token_is_401_json(client, county, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401_and_last_used_recorded(client, db, county, token_for):
    plain = token_for(county.cadre_a)
    row = db.exec(select(ApiToken).where(ApiToken.user_id == county.cadre_a.id)).one()
    assert row.token_hash == hash_token(plain) and plain not in (row.token_hash, row.prefix)
    assert row.last_used_at is None
    ok = client.get("/api/v1/units", headers={"Authorization": f"Bearer {plain}"})
    assert ok.status_code == 200
    db.rollback()  # end the test's read transaction to see the request's write
    assert db.get(ApiToken, row.id).last_used_at is not None
    revoke_token(db, county.cadre_a, row.id, NOW)
    db.commit()
    refused = client.get("/api/v1/units", headers={"Authorization": f"Bearer {plain}"})
    assert refused.status_code == 401


def test_signed_in_session_is_not_enough(as_user, county):
    browser = as_user(county.admin)
    assert browser.get("/api/v1/tickets").status_code == 401


def test_public_description_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").get_json()["openapi"].startswith("3.1")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/tickets/{ticket_id}/transitions" in page.data


def test_api_needs_no_csrf(app_factory, county, token_for):
    strict = app_factory(WTF_CSRF_ENABLED=True)
    response = strict.test_client().post(
        "/api/v1/comments-nowhere", headers={"Authorization": f"Bearer {token_for(county.admin)}"}
    )
    assert response.status_code == 404
    created = strict.test_client().post(
        "/api/v1/inspections",
        json={"title": "第一轮督查", "started_on": "2026-06-01", "units": ["town-a"]},
        headers={"Authorization": f"Bearer {token_for(county.inspector)}"},
    )
    assert created.status_code == 201, created.get_json()


def _codes(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_json()
    return {item["responsible_unit"] for item in response.get_json()["items"]}


def test_each_role_sees_its_scope(api_as, county, make_ticket):
    a = make_ticket(responsible_unit="town-a")
    b = make_ticket(responsible_unit="town-b", location_unit="village-b")
    make_ticket(responsible_unit="dept", location_unit=None)
    assert _codes(api_as(county.admin).get("/tickets")) == {"town-a", "town-b", "dept"}
    assert _codes(api_as(county.inspector).get("/tickets")) == {"town-a", "town-b", "dept"}
    assert _codes(api_as(county.leader).get("/tickets")) == {"town-a", "town-b", "dept"}
    assert _codes(api_as(county.leader_a).get("/tickets")) == {"town-a"}
    assert _codes(api_as(county.cadre_a).get("/tickets")) == {"town-a"}
    assert _codes(api_as(county.cadre_b).get("/tickets")) == {"town-b"}
    assert _codes(api_as(county.cadre_dept).get("/tickets")) == {"dept"}
    assert _codes(api_as(county.cadre_village_a).get("/tickets")) == set()
    # another township's ticket, its history and its actions are not found
    cadre_a = api_as(county.cadre_a)
    for path in (f"/tickets/{b.id}", f"/tickets/{b.id}/events"):
        assert cadre_a.get(path).status_code == 404
    moved = cadre_a.post(
        f"/tickets/{b.id}/transitions", json={"transition": "accept", "version": b.version}
    )
    assert moved.status_code == 404
    assert cadre_a.post(f"/tickets/{b.id}/comments", json={"comment": "x"}).status_code == 404
    assert api_as(county.leader_b).get(f"/tickets/{a.id}").status_code == 404
    assert api_as(county.leader_b).get(f"/tickets/{a.id}/events").status_code == 404


def test_co_unit_sees_the_ticket(api_as, county, make_ticket):
    ticket = make_ticket(responsible_unit="town-a", co_units=["dept"])
    data = api_as(county.cadre_dept).get(f"/tickets/{ticket.id}").get_json()
    assert data["co_units"] == ["dept"]
    assert data["transitions"] == []  # co-operating units may not accept for the lead unit


def test_transitions_listed_for_the_caller(api_as, county, make_ticket):
    ticket = make_ticket()
    as_cadre = api_as(county.cadre_a).get(f"/tickets/{ticket.id}").get_json()
    assert "accept" in {t["name"] for t in as_cadre["transitions"]}
    accept = next(t for t in as_cadre["transitions"] if t["name"] == "accept")
    assert accept["to"] == "rectifying"
    as_leader_b_list = api_as(county.leader).get(f"/tickets/{ticket.id}").get_json()
    assert "accept" not in {t["name"] for t in as_leader_b_list["transitions"]}


def test_cli_prints_token_alone(app, county):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["user", "token", "cadre-a", "--name", "mobile"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trk_")
    response = app.test_client().get(
        "/api/v1/tickets", headers={"Authorization": f"Bearer {lines[0]}"}
    )
    assert response.status_code == 200
    unknown = runner.invoke(cli, ["user", "token", "nobody"])
    assert unknown.exit_code != 0


def test_tokens_page_creates_shows_once_and_revokes(as_user, county, db):
    browser = as_user(county.cadre_a)
    created = browser.post("/account/tokens", data={"name": "手机"})
    assert created.status_code == 200
    text = created.get_data(as_text=True)
    token = text.split('<code class="token-once">')[1].split("</code>")[0]
    assert token.startswith("trk_")
    listing = browser.get("/account/tokens").get_data(as_text=True)
    assert "手机" in listing and token not in listing
    row = db.exec(select(ApiToken).where(ApiToken.name == "手机")).one()
    other = as_user(county.cadre_b)
    assert other.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    browser = as_user(county.cadre_a)
    assert browser.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    response = browser.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
