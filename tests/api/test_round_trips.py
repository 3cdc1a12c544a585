"""Round trips to the database per read request: pinned as numbers, not as times.

A list request used to make eleven round trips (BEGIN, token, scope, count, page, five batch
loads, ROLLBACK; bench/RESULTS.md round 4), each costing 0.5-1 ms through the ORM. Now: the token
with the user's charges and the directory's version in one statement, the page with its count
in one, the co-operating units and indicators in one; units, categories and people come from the
worker's directory (tracker/org/directory.py); and on PostgreSQL a GET runs without a
transaction, so neither BEGIN nor ROLLBACK is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tracker.core.db import get_engine
from tracker.org.service import create_unit
from tracker.tickets.models import Ticket

# Statements per request, SQLite's local BEGIN aside.
CEILINGS = {"list": 3, "filtered list": 3, "ticket": 3, "queues": 2}


@contextmanager
def round_trips(app) -> Iterator[list[tuple[str, bool]]]:  # type: ignore[no-untyped-def]
    """(statement, ran inside a transaction the driver opened) for each statement sent."""
    sent: list[tuple[str, bool]] = []

    def before(conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        dbapi = conn.connection.dbapi_connection
        sent.append((statement, not getattr(dbapi, "autocommit", False)))

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _requests(ticket: Ticket) -> dict[str, str]:
    return {
        "list": "/api/v1/tickets?state=reported,rectifying&sort=deadline&per_page=25",
        "filtered list": "/api/v1/tickets?unit=town-a&overdue=1&sort=deadline",
        "ticket": f"/api/v1/tickets/{ticket.id}",
        "queues": "/api/v1/queues",
    }


@pytest.mark.parametrize("who", ["admin", "leader_a", "cadre_a"])
def test_read_requests_make_a_fixed_number_of_round_trips(
    app, db, county, make_ticket, token_for, who
):  # type: ignore[no-untyped-def]
    tickets = [make_ticket(co_units=["dept"]) for _ in range(4)]
    tickets += [make_ticket(responsible_unit="town-b", co_units=["town-a"]) for _ in range(3)]
    headers = {"Authorization": f"Bearer {token_for(getattr(county, who))}"}
    client = app.test_client()
    postgres = get_engine(app).dialect.name == "postgresql"
    for name, path in _requests(tickets[0]).items():
        client.get(path, headers=headers)  # the worker's directory, the token's first use
        with round_trips(app) as sent:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_json()
        statements = [s for s, _tx in sent if s != "BEGIN"]
        assert len(statements) <= CEILINGS[name], (name, statements)
        if postgres:  # no BEGIN, so no ROLLBACK either
            assert not any(tx for _s, tx in sent), (name, sent)
    assert len(client.get(_requests(tickets[0])["list"], headers=headers).get_json()["items"])


def test_a_changed_unit_is_seen_by_the_next_request(app, db, county, make_ticket, token_for):  # type: ignore[no-untyped-def]
    """The directory is kept between requests, and reloaded once a unit changes."""
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    ticket = make_ticket()
    path = f"/api/v1/tickets/{ticket.id}"
    assert client.get(path, headers=headers).get_json()["responsible_unit"] == "town-a"
    county.town_a.code = "town-a2"
    db.add(county.town_a)
    db.commit()
    assert client.get(path, headers=headers).get_json()["responsible_unit"] == "town-a2"
    create_unit(db, "town-c", "东岭镇", "township", "county")
    db.commit()
    found = client.get("/api/v1/tickets?unit=town-c", headers=headers)
    assert found.status_code == 200 and found.get_json()["items"] == []


def test_a_filtered_count_stops_at_its_own_cap(app_factory, county, make_ticket, token_for):  # type: ignore[no-untyped-def]
    app = app_factory(LIST_COUNT_CAP=5, LIST_FILTERED_COUNT_CAP=2)
    for _ in range(4):
        make_ticket()
    headers = {"Authorization": f"Bearer {token_for(county.admin)}"}
    client = app.test_client()
    plain = client.get("/api/v1/tickets?state=reported", headers=headers).get_json()
    assert (plain["total"], plain["total_is_capped"]) == (4, False)
    narrowed = client.get("/api/v1/tickets?unit=town-a", headers=headers).get_json()
    assert (narrowed["total"], narrowed["total_is_capped"]) == (2, True)
    assert len(narrowed["items"]) == 4
    # Past the end, yet within the depth paged by number (10 × LIST_COUNT_CAP findings).
    beyond = client.get("/api/v1/tickets?state=reported&page=2", headers=headers).get_json()
    assert (beyond["total"], beyond["items"]) == (4, [])


# The HTML pages, signed in: the session row with its user, charges, directory version and the
# bell's count of unread notices in one statement; the list adds the page, its co-units, the
# rounds it names and, for a cadre or a leader, the count of their to-do queues (the menu's
# badge); the ticket page its history and the evidence panel's three (files; places, the ticket's
# own else its location unit's, in one; acceptance), the history's people and units coming from the
# worker's directory, and the badge.
HTML_CEILINGS = {"list": 5, "ticket": 8}


@pytest.mark.parametrize("who", ["admin", "cadre_a"])
def test_pages_make_a_fixed_number_of_round_trips(app, county, make_ticket, as_user, who):  # type: ignore[no-untyped-def]
    tickets = [make_ticket(co_units=["dept"]) for _ in range(5)]
    client = as_user(getattr(county, who))
    for name, path in (
        ("list", "/tickets?state=reported,rectifying"),
        ("ticket", f"/tickets/{tickets[0].id}"),
    ):
        client.get(path)
        with round_trips(app) as sent:
            assert client.get(path).status_code == 200
        statements = [s for s, _tx in sent if s != "BEGIN"]
        assert len(statements) <= HTML_CEILINGS[name], (name, statements)
