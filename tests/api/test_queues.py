"""GET /queues and GET /tickets?queue=: the caller's work, counted and listed alike."""

from __future__ import annotations

from helpers import login

FIGURES = [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}]


def test_queue_counts_match_their_lists(db, county, make_ticket, move, api_as):  # type: ignore[no-untyped-def]
    reported = make_ticket()
    move(reported, county.cadre_a, "accept")
    move(reported, county.cadre_a, "report_completion", comment="好了", indicators=FIGURES)
    make_ticket()
    make_ticket(responsible_unit="town-b")
    for user in (county.cadre_a, county.cadre_b, county.inspector, county.leader_a, county.leader):
        api = api_as(user)
        answer = api.get("/queues")
        assert answer.status_code == 200
        items = answer.get_json()["items"]
        assert items, user
        for item in items:
            assert set(item) == {"name", "label", "count", "count_is_capped", "kind"}
            listed = api.get(f"/tickets?queue={item['name']}&per_page=50").get_json()
            assert listed["total"] == item["count"], (user, item)


def test_a_cadre_sees_only_their_units_queue(db, county, make_ticket, api_as):  # type: ignore[no-untyped-def]
    mine = make_ticket()
    make_ticket(responsible_unit="town-b")
    listed = api_as(county.cadre_a).get("/tickets?queue=to_accept").get_json()
    assert [t["id"] for t in listed["items"]] == [mine.id]
    assert listed["items"][0]["transitions"][0]["name"] == "accept"


def test_labels_follow_the_language(db, county, api_as):  # type: ignore[no-untyped-def]
    zh = api_as(county.leader).get("/queues", headers={"Accept-Language": "zh-CN"})
    assert [(q["label"], q["kind"]) for q in zh.get_json()["items"]] == [
        ("待销号", "todo"),
        ("挂牌督办", "todo"),
        ("延期待审批", "todo"),
        ("分管逾期", "waiting"),
    ]


def test_labels_are_english_by_default(db, county, api_as):  # type: ignore[no-untyped-def]
    en = api_as(county.leader).get("/queues").get_json()["items"]
    assert en[0]["label"] == "To close out"


def test_an_unknown_queue_is_a_field_error(db, county, api_as):  # type: ignore[no-untyped-def]
    answer = api_as(county.cadre_a).get("/tickets?queue=nope")
    assert answer.status_code == 422
    assert "queue" in answer.get_json()["error"]["fields"]


def test_a_role_without_queues_gets_none(db, county, api_as):  # type: ignore[no-untyped-def]
    assert api_as(county.admin).get("/queues").get_json() == {"items": []}


def test_queue_counts_stop_at_queue_count_cap_on_the_page_and_in_the_api(  # type: ignore[no-untyped-def]
    app_factory, db, county, make_ticket, token_for
):
    for _ in range(3):
        make_ticket()
    app = app_factory(QUEUE_COUNT_CAP=2)
    headers = {"Authorization": f"Bearer {token_for(county.cadre_a)}"}
    items = app.test_client().get("/api/v1/queues", headers=headers).get_json()["items"]
    first = items[0]
    assert (first["name"], first["count"], first["count_is_capped"]) == ("to_accept", 2, True)
    client = app.test_client()
    login(client, county.cadre_a.username)
    page = client.get("/").get_data(as_text=True)
    assert 'data-queue="to_accept"' in page and 'data-count="2">2+<' in page
