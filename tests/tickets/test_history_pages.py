"""A long history is read a page at a time: the ticket page shows the latest entries with a
link to earlier ones, and the API pages the history with a cursor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import NOW, count_queries
from sqlalchemy import insert
from sqlmodel import select

from tracker.auth.tokens import create_token
from tracker.tickets.models import EventKind, TicketEvent


def _comments(db, ticket, author, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` comments written straight into the table (thousands in well under a second)."""
    rows = [
        {
            "ticket_id": ticket.id,
            "actor_id": author.id,
            "kind": EventKind.COMMENT,
            "comment": f"第{n}条意见",
            "data": {},
            "created_at": NOW + timedelta(seconds=n),
            "prev_hash": "",
            "hash": "",
        }
        for n in range(1, count + 1)
    ]
    db.execute(insert(TicketEvent), rows)
    db.commit()


def _unnamed(statement: str) -> str:
    """The statement with PostgreSQL's named parameters as SQLite's `?`."""
    return re.sub(r"%\(\w+\)s", "?", statement)


def _entries(html: str) -> list[str]:
    timeline = html[html.index('<ol class="timeline">') : html.index("</ol>")]
    return re.findall(r"第(\d+)条意见", timeline)


def test_the_ticket_page_shows_the_latest_entries_and_links_to_earlier_ones(  # type: ignore[no-untyped-def]
    app, client, db, county, make_ticket, as_user
):
    ticket = make_ticket()
    _comments(db, ticket, county.cadre_a, 10_000)  # 10,001 events with the filing
    as_user(county.leader)
    page = client.get(f"/tickets/{ticket.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    size = app.config["HISTORY_PAGE_SIZE"]
    assert _entries(html) == [str(n) for n in range(10_001 - size, 10_001)]
    # 10,000 comments made a page of 3.8 MB (1.2 s) before; the work is now that of 50 entries
    # (the timing is in the closing note: this host's load makes a bound here flaky).
    assert len(page.data) < 200_000
    link = re.search(r'href="(/tickets/\d+/history\?before=\d+)" rel="prev">([^<]+)<', html)
    assert link and link.group(2).startswith(f"{10_001 - size} ")  # "9951 条更早的记录"

    earlier = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _entries(earlier) == [str(n) for n in range(10_001 - 2 * size, 10_001 - size)]
    third = db.exec(
        select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()[2]
    start = client.get(f"/tickets/{ticket.id}/history?before={third}").get_data(as_text=True)
    assert _entries(start) == ["1"] and 'rel="prev"' not in start  # the beginning


def test_the_ticket_page_runs_the_same_statements_for_10_or_10_000_comments(  # type: ignore[no-untyped-def]
    app, client, db, county, make_ticket, as_user
):
    # No statement per entry (N+1): 10,000 comments cost the statements of 51 (one earlier
    # entry), and those of 10 plus the count of the earlier entries (bench/history_bench.py).
    pages = {}
    for count in (10, 51, 10_000):
        ticket = make_ticket()
        _comments(db, ticket, county.cadre_a, count)
        as_user(county.leader)
        client.get(f"/tickets/{ticket.id}")  # warm-up: caches filled on a first visit
        with count_queries(app) as statements:
            assert client.get(f"/tickets/{ticket.id}").status_code == 200
        # One statement whatever the number of values in its IN list (the people named).
        pages[count] = [re.sub(r" IN \([^()]*\)", " IN (…)", _unnamed(s)) for s in statements]
    assert pages[10_000] == pages[51]
    extra = list(pages[10_000])
    for statement in pages[10]:
        extra.remove(statement)
    assert len(extra) == 1 and "count(" in extra[0].lower()


def test_the_history_page_is_scoped_like_the_ticket(client, db, county, make_ticket, as_user):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    _comments(db, ticket, county.cadre_a, 3)
    as_user(county.cadre_b)  # another township's cadre
    assert client.get(f"/tickets/{ticket.id}/history").status_code == 404
    as_user(county.cadre_a)
    assert "第3条意见" in client.get(f"/tickets/{ticket.id}/history").get_data(as_text=True)


@pytest.fixture
def api(client, db, county):  # type: ignore[no-untyped-def]
    _row, token = create_token(db, county.leader, "history", NOW)
    db.commit()

    def get(path: str):  # type: ignore[no-untyped-def]
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})

    return get


def test_the_history_api_pages_with_a_cursor_in_either_order(api, db, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    _comments(db, ticket, county.cadre_a, 449)  # 450 events with the filing
    first = api(f"/tickets/{ticket.id}/events").json
    assert len(first["items"]) == first["per_page"] == 50 and first["next_cursor"]
    assert first["items"][0]["kind"] == "created"

    seen, cursor = [], ""
    while cursor is not None:
        answer = api(f"/tickets/{ticket.id}/events?per_page=200&cursor={cursor}").json
        assert answer["per_page"] == 200
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next_cursor"]
    assert len(seen) == 450 and seen == sorted(seen)

    latest = api(f"/tickets/{ticket.id}/events?order=desc&per_page=3").json
    assert [item["comment"] for item in latest["items"]] == [
        "第449条意见",
        "第448条意见",
        "第447条意见",
    ]
    after = api(f"/tickets/{ticket.id}/events?order=desc&per_page=3&cursor={latest['next_cursor']}")
    assert after.json["items"][0]["comment"] == "第446条意见"
    capped = api(f"/tickets/{ticket.id}/events?per_page=10000").json
    assert capped["per_page"] == 200  # MAX_PAGE_SIZE


@pytest.mark.parametrize(
    "query", ["cursor=abc", "cursor=-1", f"cursor={'9' * 19}", "per_page=0", "order=sideways"]
)
def test_bad_history_paging_is_a_422(api, county, make_ticket, query):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    answer = api(f"/tickets/{ticket.id}/events?{query}")
    assert answer.status_code == 422, answer.data[:300]
    assert answer.json["error"]["code"] == "validation_error"
