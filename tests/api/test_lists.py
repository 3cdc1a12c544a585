"""Lists: pagination with a total, filters, page-size cap, and a bounded number of queries."""

from __future__ import annotations

from datetime import date

from helpers import count_queries

from tracker.org.service import create_unit


def test_pagination_and_cap(app_factory, county, make_ticket, token_for):
    app = app_factory(MAX_PAGE_SIZE=3)
    for day in range(1, 6):
        make_ticket(deadline=date(2026, 7, day))
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    first = client.get("/api/v1/tickets?per_page=2&sort=deadline", headers=headers).get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert [t["deadline"] for t in first["items"]] == ["2026-07-01", "2026-07-02"]
    last = client.get("/api/v1/tickets?per_page=2&page=3", headers=headers).get_json()
    assert [t["deadline"] for t in last["items"]] == ["2026-07-05"]
    capped = client.get("/api/v1/tickets?per_page=100", headers=headers).get_json()
    assert capped["per_page"] == 3 and len(capped["items"]) == 3
    for bad in ("page=0", "per_page=0", "page=x", "sort=nope", "state=nope", "due_before=x"):
        response = client.get(f"/api/v1/tickets?{bad}", headers=headers)
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["fields"], bad


def test_filters(api_as, county, make_ticket, move):
    a = make_ticket(responsible_unit="town-a", deadline=date(2026, 7, 1), title="垃圾堆")
    b = make_ticket(
        responsible_unit="town-b", location_unit="village-b", deadline=date(2026, 8, 1),
        category="plastic_film", title="废旧农膜",
    )  # fmt: skip
    move(a, county.cadre_a, "accept")
    api = api_as(county.admin)

    def ids(query: str) -> list[int]:
        response = api.get(f"/tickets?{query}")
        assert response.status_code == 200, response.get_json()
        return [t["id"] for t in response.get_json()["items"]]

    assert ids("state=rectifying") == [a.id]
    assert ids("state=reported,rectifying") == [a.id, b.id]
    assert ids("unit=town-b") == [b.id]
    assert ids("unit=county") == [a.id, b.id]
    assert ids("category=environment") == [a.id, b.id]
    assert ids("category=plastic_film") == [b.id]
    assert ids("due_before=2026-07-15") == [a.id]
    assert ids("due_after=2026-07-15") == [b.id]
    assert ids("q=农膜") == [b.id]
    assert ids("q=100%25") == []
    assert ids("sort=-deadline") == [b.id, a.id]
    assert ids("source=citizen") == []
    assert api.get("/tickets?unit=nowhere").status_code == 422


def test_list_queries_are_bounded(app, county, make_ticket, token_for):
    headers = {"Authorization": f"Bearer {token_for(county.cadre_a)}"}
    client = app.test_client()
    make_ticket(co_units=["dept"])
    client.get("/api/v1/tickets", headers=headers)  # records the token's first use
    with count_queries(app) as few:
        assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    for _ in range(12):
        make_ticket(co_units=["dept"], assignee="cadre-a")
    with count_queries(app) as many:
        response = client.get("/api/v1/tickets", headers=headers)
    assert len(response.get_json()["items"]) == 13
    assert len(many) <= len(few) + 1  # at most the users query more, never one per ticket
    # token + user + unit in one; the scope's unit ids; count; page; five batch loads.
    assert len([s for s in few if s.startswith("SELECT")]) <= 9, few


def _scoped_ticket_queries(statements: list[str]) -> list[str]:
    """The list's own statements on `ticket` that carry a unit scope condition."""
    return [s for s in statements if "FROM ticket" in s and "responsible_unit_id IN" in s]


def test_a_scope_over_every_unit_needs_no_condition(app, db, county, make_ticket, token_for):
    make_ticket(responsible_unit="town-a")
    make_ticket(responsible_unit="dept")
    headers = {"Authorization": f"Bearer {token_for(county.leader)}"}
    client = app.test_client()
    client.get("/api/v1/tickets", headers=headers)  # records the token's first use
    with count_queries(app) as statements:
        listed = client.get("/api/v1/tickets", headers=headers).get_json()
    assert listed["total"] == 2
    assert _scoped_ticket_queries(statements) == []

    create_unit(db, "other-county", "邻县", "county")
    make_ticket(responsible_unit="other-county")
    db.commit()
    with count_queries(app) as statements:
        listed = client.get("/api/v1/tickets", headers=headers).get_json()
    assert listed["total"] == 2  # the neighbouring county's finding stays out of sight
    assert _scoped_ticket_queries(statements)


def test_reference_lists(api_as, county):
    api = api_as(county.cadre_a)
    units = api.get("/units").get_json()["items"]
    assert {"code": "town-a", "parent": "county", "name": "青山乡"}.items() <= next(
        u for u in units if u["code"] == "town-a"
    ).items()
    categories = api.get("/categories").get_json()["items"]
    assert any(c["code"] == "garbage_pile" and c["parent"] == "environment" for c in categories)
    workflow = api.get("/workflow").get_json()
    assert [s["key"] for s in workflow["states"]] == [
        "reported",
        "rectifying",
        "verified",
        "closed",
    ]
    stats = api.get("/stats")
    assert stats.status_code == 200, stats.get_json()
    assert "totals" in stats.get_json()


def test_inspections(api_as, county):
    inspector = api_as(county.inspector)
    created = inspector.post(
        "/inspections",
        json={
            "title": "人居环境整治暗访",
            "kind": "unannounced",
            "started_on": "2026-06-01",
            "units": ["town-a"],
        },
    )
    assert created.status_code == 201, created.get_json()
    listing = api_as(county.cadre_a).get("/inspections").get_json()
    assert listing["total"] == 1 and listing["items"][0]["title"] == "人居环境整治暗访"
    assert (
        api_as(county.cadre_a)
        .post("/inspections", json={"title": "x", "started_on": "2026-06-01", "units": ["town-a"]})
        .status_code
        == 403
    )
    bad = inspector.post(
        "/inspections",
        json={
            "title": "x",
            "started_on": "2026-06-10",
            "ended_on": "2026-06-01",
            "units": ["dept"],
        },
    )
    assert bad.status_code == 422 and "ended_on" in bad.get_json()["error"]["fields"]


def test_count_takes_each_visible_ticket_once(app_factory, county, make_ticket, token_for):
    """The count sums disjoint branches (own unit's tickets; co-operating ones minus those)."""
    make_ticket(responsible_unit="town-a", co_units=["village-a"])  # in both: counted once
    make_ticket(responsible_unit="dept", co_units=["town-a"])  # seen as co-operating unit
    make_ticket(responsible_unit="town-b")  # out of sight
    headers = {"Authorization": f"Bearer {token_for(county.cadre_a)}"}
    listed = app_factory().test_client().get("/api/v1/tickets", headers=headers).get_json()
    assert (listed["total"], len(listed["items"]), listed["total_is_capped"]) == (2, 2, False)
    capped = app_factory(LIST_COUNT_CAP=1).test_client().get("/api/v1/tickets", headers=headers)
    assert (capped.get_json()["total"], capped.get_json()["total_is_capped"]) == (1, True)
