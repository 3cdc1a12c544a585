"""Finding things: text search, every filter, sorts, paging, role queues, bounded queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import NOW, count_queries, later
from sqlalchemy import text

from tracker.tickets.queries import TicketFilter, scoped_query
from tracker.workflow.registry import active_workflow


@pytest.fixture
def findings(make_ticket, county, move):  # type: ignore[no-untyped-def]
    a = make_ticket(title="清理垃圾堆", deadline=date(2026, 6, 16), source="unannounced")
    b = make_ticket(
        title="河西镇柴草堆",
        description="柴草乱堆",
        responsible_unit="town-b",
        location_unit="village-b",
        category="firewood_pile",
        deadline=date(2026, 7, 30),
    )
    before = later(-20)
    c = make_ticket(
        title="县局农膜回收",
        description="农膜",
        category="resumption",
        responsible_unit="dept",
        deadline=date(2026, 6, 10),
        now=before,
    )
    move(c, county.cadre_dept, "accept", now=NOW)
    d = make_ticket(
        title="上庄村改厕",
        description="改厕",
        category="toilet",
        deadline=date(2026, 6, 12),
        now=before,
    )
    move(d, county.cadre_a, "accept")
    move(
        d,
        county.cadre_a,
        "report_completion",
        comment="已完成",
        indicators=[{"name": "改厕", "unit": "座", "achieved": 3}],
    )
    return {"a": a, "b": b, "c": c, "d": d}


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return re.findall(r">(DC-\d{4}-\d{6})</a>", response.get_data(as_text=True))


@pytest.fixture
def at_now(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.tickets.views.utcnow", lambda: later(5))  # 2026-06-20
    monkeypatch.setattr("tracker.web.template_helpers.utcnow", lambda: later(5))


FILTER_CASES = [
    ("q=垃圾", {"a"}),
    ("q=柴草", {"b"}),
    ("q=DC-2026-000002", {"b"}),
    ("state=rectifying", {"c", "d"}),
    ("unit=town-a", {"a", "d"}),
    ("unit=county", {"a", "b", "c", "d"}),
    ("category=environment", {"a", "b", "d"}),
    ("category=toilet", {"d"}),
    ("source=unannounced", {"a"}),
    ("overdue=1", {"a", "c"}),
    ("rag=red", {"a", "c"}),
    ("rag=green", {"b"}),
    ("awaiting=1", {"d"}),
    ("due_after=2026-06-12&due_before=2026-06-30", {"a", "d"}),
    ("q=垃圾&state=reported&unit=town-a", {"a"}),
]


def test_every_filter(findings, county, as_user, at_now):
    client = as_user(county.admin)
    for query, expected in FILTER_CASES:
        got = set(codes(client.get(f"/tickets?queue=all&{query}")))
        assert got == {findings[k].code for k in expected}, query


def test_amber_uses_configured_days(findings, county, as_user, monkeypatch, app):
    monkeypatch.setattr("tracker.tickets.views.utcnow", lambda: NOW)
    client = as_user(county.admin)
    assert set(codes(client.get("/tickets?queue=all&rag=amber"))) == {findings["a"].code}
    app.config["AMBER_DAYS"] = 0
    assert codes(client.get("/tickets?queue=all&rag=amber")) == []


def test_sorts_and_paging(findings, county, as_user, at_now):
    client = as_user(county.admin)
    by_deadline = codes(client.get("/tickets?queue=all&sort=deadline"))
    order = [findings[k].code for k in ("c", "d", "a", "b")]
    assert by_deadline == order
    assert codes(client.get("/tickets?queue=all&sort=-deadline")) == order[::-1]
    newest = [findings[k].code for k in ("b", "a", "d", "c")]
    assert codes(client.get("/tickets?queue=all&sort=-created")) == newest
    assert codes(client.get("/tickets?queue=all&sort=code&per_page=3")) == sorted(order)[:3]
    assert codes(client.get("/tickets?queue=all&sort=code&per_page=3&page=2")) == sorted(order)[3:]


def test_role_queues(findings, county, as_user, at_now):
    # cadre: their unit's open items by deadline
    assert codes(as_user(county.cadre_a).get("/tickets")) == [
        findings["d"].code,
        findings["a"].code,
    ]
    # inspector: awaiting verification
    assert codes(as_user(county.inspector).get("/tickets")) == [findings["d"].code]
    # leader: overdue in their charge
    assert codes(as_user(county.leader_a).get("/tickets")) == [findings["a"].code]
    assert codes(as_user(county.leader).get("/tickets")) == [findings["c"].code, findings["a"].code]


def test_scoped_search(findings, county, as_user, at_now):
    assert codes(as_user(county.cadre_b).get("/tickets?queue=all&q=垃圾")) == []


INVALID = [
    "state=nope",
    "sort=bogus",
    "rag=purple",
    "inspection=x",
    "due_before=yesterday",
    "unit=nowhere",
    "category=nothing",
    "source=rumour",
]


def test_invalid_filters_are_a_clear_error(county, as_user):
    client = as_user(county.admin)
    for query in INVALID:
        response = client.get(f"/tickets?{query}")
        assert response.status_code == 302, query
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "alert-danger" in page, query
        assert client.get(f"/tickets/export.xlsx?{query}").status_code == 302, query


@pytest.fixture
def query_counter(app):  # type: ignore[no-untyped-def]
    with count_queries(app) as statements:
        yield statements


def test_list_and_export_issue_bounded_queries(make_ticket, county, as_user, query_counter, at_now):
    client = as_user(county.admin)
    measured = {}
    filed = 0
    for total in (3, 40):
        for i in range(filed, total):
            make_ticket(
                title=f"问题{i}",
                responsible_unit="town-a" if i % 2 else "town-b",
                co_units=["dept"],
            )
        filed = total
        client.get("/tickets?queue=all&per_page=100")  # the worker loads its unit directory once
        query_counter.clear()
        assert len(codes(client.get("/tickets?queue=all&per_page=100"))) == total
        listed = len(query_counter)
        query_counter.clear()
        assert client.get("/tickets/export.xlsx?queue=all").status_code == 200
        measured[total] = (listed, len(query_counter))
    assert measured[3] == measured[40], measured


def test_search_can_use_the_trigram_index(app, db, make_ticket, county, as_user):
    """On PostgreSQL the `q` condition spells the index's expression, so the planner may use it
    (forced here: on a handful of rows it would rightly prefer a scan)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    make_ticket(title="上庄村垃圾堆积未清理")
    make_ticket(title="河湾村厕所未改造")
    db.commit()
    with app.app_context():
        stmt = scoped_query(
            db, county.admin, TicketFilter(q="垃圾堆积"), active_workflow(), NOW, "Asia/Shanghai", 3
        ).rows
        compiled = stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
        db.exec(text("SET LOCAL enable_seqscan = off"))  # type: ignore[call-overload]
        plan = "\n".join(row[0] for row in db.exec(text(f"EXPLAIN {compiled}")))  # type: ignore[call-overload]
        titles = [t.title for t in db.exec(stmt).all()]
    assert "ix_ticket_search_trgm" in plan, plan
    assert titles == ["上庄村垃圾堆积未清理"]


def test_active_filters_show_as_removable_chips(db, county, make_ticket, as_user):  # type: ignore[no-untyped-def]
    make_ticket()
    page = as_user(county.cadre_a).get("/tickets?queue=all&unit=town-a&overdue=1&q=垃圾")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    chips = re.findall(r'<a class="queue-chip" href="([^"]+)"[^>]*>([^<]+)<', html)
    labels = {label.strip() for _href, label in chips}
    assert labels == {"青山乡", "仅看逾期", "垃圾"}
    unit_chip = next(href for href, label in chips if label.strip() == "青山乡")
    assert "unit=" not in unit_chip and "overdue=1" in unit_chip
