"""Large lists: the capped total ("10000+") and keyset (cursor) pagination."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import login


@pytest.fixture
def five(make_ticket):  # type: ignore[no-untyped-def]
    # Two share a deadline, so the id must break the tie across a cursor.
    days = (3, 1, 2, 2, 5)
    return [make_ticket(deadline=date(2026, 7, d), title=f"t{i}") for i, d in enumerate(days)]


def walk(client, headers, query: str) -> list[int]:  # type: ignore[no-untyped-def]
    ids, cursor, pages = [], "", 0
    while cursor is not None:
        body = client.get(f"/api/v1/tickets?{query}&cursor={cursor}", headers=headers).get_json()
        assert body["total"] is None and len(body["items"]) <= 2
        ids += [t["id"] for t in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        assert pages < 10
    return ids


@pytest.mark.parametrize("sort", ["deadline", "-deadline", "created", "-updated", "code", "-code"])
def test_cursor_walks_every_ticket_once_in_order(app, county, five, token_for, sort):
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    paged = client.get(f"/api/v1/tickets?sort={sort}&per_page=10", headers=headers).get_json()
    expected = [t["id"] for t in paged["items"]]
    assert len(expected) == 5 and paged["next_cursor"] is None
    assert walk(client, headers, f"sort={sort}&per_page=2") == expected


def test_page_answers_a_cursor_to_continue(app, county, five, token_for):
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    first = client.get("/api/v1/tickets?per_page=2", headers=headers).get_json()
    assert first["total"] == 5 and first["total_is_capped"] is False
    rest = client.get(
        f"/api/v1/tickets?per_page=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    second = client.get("/api/v1/tickets?per_page=2&page=2", headers=headers).get_json()
    assert [t["id"] for t in rest["items"]] == [t["id"] for t in second["items"]]


def test_bad_cursors_are_field_errors(app, county, five, token_for):
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    first = client.get("/api/v1/tickets?per_page=2", headers=headers).get_json()
    for query in (
        "cursor=nonsense",
        "cursor=W10",  # base64 of []
        f"sort=code&cursor={first['next_cursor']}",  # a cursor of another sort
        f"page=2&cursor={first['next_cursor']}",
    ):
        response = client.get(f"/api/v1/tickets?{query}", headers=headers)
        assert response.status_code == 422, query
        assert "cursor" in response.get_json()["error"]["fields"], query


def test_cursor_keeps_the_scope(app, county, make_ticket, token_for):
    mine = [make_ticket(responsible_unit="town-a", deadline=date(2026, 7, d)) for d in (1, 3)]
    make_ticket(responsible_unit="town-b", deadline=date(2026, 7, 2))
    headers = {"Authorization": f"Bearer {token_for(county.cadre_a)}"}
    assert walk(app.test_client(), headers, "per_page=1") == [t.id for t in mine]


def test_total_is_capped(app_factory, county, five, token_for):
    app = app_factory(LIST_COUNT_CAP=3)
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    body = client.get("/api/v1/tickets?per_page=2", headers=headers).get_json()
    assert (body["total"], body["total_is_capped"]) == (3, True)
    last = client.get("/api/v1/tickets?per_page=2&page=3", headers=headers).get_json()
    assert len(last["items"]) == 1 and last["next_cursor"] is None
    exact = client.get("/api/v1/tickets?per_page=2&state=closed", headers=headers).get_json()
    assert (exact["total"], exact["total_is_capped"]) == (0, False)
    spec = client.get("/api/v1/openapi.json").get_json()
    page = spec["components"]["schemas"]["TicketPage"]["properties"]
    assert "10000+" in page["total"]["description"] and "next_cursor" in page
    html = app.test_client()
    login(html, county.admin.username)
    page = html.get("/tickets?queue=all&per_page=2").get_data(as_text=True)
    assert "(3+)" in page and "…" in page
