"""In-app notices: the bell on every page, /notifications and GET /api/v1/notifications, fed by
the same outbox items as the mail, each person's own, naming only tickets they may still see."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import NOW, count_queries, later
from sqlmodel import col, select

from tracker.auth.tokens import create_token
from tracker.reminders import jobs
from tracker.reminders.models import OutboxMessage, OutboxStatus


def _bell(html: str) -> int:
    found = re.search(r'class="badge rounded-pill text-bg-danger bell-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def _api(client, user, db):  # type: ignore[no-untyped-def]
    _row, token = create_token(db, user, "inbox", NOW)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_filed_finding_rings_the_bell_and_opens_the_ticket(
    app, db, county, make_ticket, client, as_user
):  # type: ignore[no-untyped-def]
    tickets = [make_ticket(now=NOW, deadline=date(2026, 7, 30)) for _ in range(3)]
    as_user(county.cadre_a)
    for page in ("/tickets", "/dashboard", "/notifications"):
        assert _bell(client.get(page).get_data(as_text=True)) == 3, page
    html = client.get("/notifications").get_data(as_text=True)
    assert all(t.code in html and t.title in html for t in tickets)
    assert "新交办" in html or "new finding" in html  # in the person's language
    db.rollback()
    notice = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.recipient_id == county.cadre_a.id,
            OutboxMessage.ticket_id == tickets[0].id,
        )
    ).one()
    opened = client.post(f"/notifications/{notice.id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/tickets/{tickets[0].id}")
    assert _bell(client.get("/tickets").get_data(as_text=True)) == 2
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert tickets[0].code not in unread and tickets[1].code in unread
    client.post("/notifications/read", data={"all": "1"})
    assert _bell(client.get("/tickets").get_data(as_text=True)) == 0
    # the reporter (inspector) is not told of their own filing
    as_user(county.inspector)
    assert _bell(client.get("/tickets").get_data(as_text=True)) == 0


def test_notices_are_the_recipients_own(app, db, county, make_ticket, client, as_user):  # type: ignore[no-untyped-def]
    ticket = make_ticket(now=NOW, deadline=date(2026, 7, 30))
    db.rollback()
    theirs = db.exec(
        select(OutboxMessage).where(OutboxMessage.recipient_id == county.cadre_a.id)
    ).one()
    as_user(county.cadre_b)
    assert (
        client.post(f"/notifications/{theirs.id}/open")
        .headers["Location"]
        .endswith("/notifications")
    )
    client.post("/notifications/read", data={"ids": [str(theirs.id)]})
    headers = _api(client, county.cadre_b, db)
    marked = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=headers)
    assert marked.status_code == 200 and marked.json["marked"] == 0
    assert client.get("/api/v1/notifications", headers=headers).json["items"] == []
    assert ticket.code not in client.get("/notifications").get_data(as_text=True)
    db.rollback()
    assert db.get(OutboxMessage, theirs.id).read_at is None


def test_a_ticket_out_of_sight_is_no_longer_named(app, db, county, make_ticket, client, as_user):  # type: ignore[no-untyped-def]
    ticket = make_ticket(now=NOW, deadline=date(2026, 7, 30), title="秘密的问题标题")
    cadre = db.get(type(county.cadre_a), county.cadre_a.id)
    cadre.unit_id = county.town_b.id  # the cadre moved to another township
    db.add(cadre)
    db.commit()
    as_user(county.cadre_a)
    html = client.get("/notifications").get_data(as_text=True)
    assert ticket.code not in html and "秘密的问题标题" not in html
    headers = _api(client, county.cadre_a, db)
    [item] = client.get("/api/v1/notifications", headers=headers).json["items"]
    assert item["ticket"] is None and ticket.code not in item["text"]


def test_escalations_and_reminders_reach_the_app_too(app, db, county, smtp, four_tickets, client):  # type: ignore[no-untyped-def]
    jobs.sweep(app, NOW)
    headers = _api(client, county.leader, db)
    page = client.get("/api/v1/notifications?unread=1", headers=headers).json
    rules = sorted(item["rule"] for item in page["items"])
    assert rules == ["escalate", "escalate", "red"]  # the three items of the one mail
    assert page["unread"] == 3
    red = next(item for item in page["items"] if item["rule"] == "red")
    assert red["ticket"]["code"] == four_tickets["very_late"].code
    assert "10" in red["text"]  # overdue by 10 days, as the mail said
    cadre = client.get("/api/v1/notifications", headers=_api(client, county.cadre_a, db)).json
    assert {"before", "overdue"} <= {item["rule"] for item in cadre["items"]}


def test_api_pages_back_and_marks_read(app, db, county, make_ticket, client):  # type: ignore[no-untyped-def]
    for _ in range(5):
        make_ticket(now=NOW, deadline=date(2026, 7, 30))
    headers = _api(client, county.cadre_a, db)
    first = client.get("/api/v1/notifications?per_page=2", headers=headers).json
    assert len(first["items"]) == 2 and first["unread"] == 5 and first["next_before"]
    seen = [item["id"] for item in first["items"]]
    before = first["next_before"]
    while before:
        page = client.get(f"/api/v1/notifications?per_page=2&before={before}", headers=headers).json
        seen += [item["id"] for item in page["items"]]
        before = page["next_before"]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 5
    marked = client.post("/api/v1/notifications/read", json={"ids": seen[:2]}, headers=headers).json
    assert marked == {"marked": 2, "unread": 3}
    again = client.post(f"/api/v1/notifications/{seen[0]}/read", headers=headers).json
    assert again == {"marked": 0, "unread": 3}
    assert client.post("/api/v1/notifications/read", json={"all": True}, headers=headers).json == {
        "marked": 3,
        "unread": 0,
    }
    items = client.get("/api/v1/notifications", headers=headers).json["items"]
    assert all(item["is_read"] and item["read_at"] for item in items)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/notifications?per_page=0", None),
        ("/api/v1/notifications?before=x", None),
        ("/api/v1/notifications?unread=2", None),
        ("/api/v1/notifications/read", {"ids": ["a"]}),
        ("/api/v1/notifications/read", {"ids": 3}),
    ],
)
def test_api_refuses_bad_input(app, db, county, client, path, body):  # type: ignore[no-untyped-def]
    headers = _api(client, county.cadre_a, db)
    if body is None:
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, json=body, headers=headers)
    assert response.status_code == 422 and response.json["error"]["code"]


def test_someone_without_email_still_gets_notices(
    app, db, county, smtp, make_ticket, client, as_user
):  # type: ignore[no-untyped-def]
    cadre = db.get(type(county.cadre_a), county.cadre_a.id)
    cadre.email = None
    db.add(cadre)
    db.commit()
    make_ticket(now=NOW, deadline=date(2026, 7, 30))
    jobs.sweep(app, later(0.01))  # past the notice window
    assert smtp.messages == []
    as_user(county.cadre_a)
    assert _bell(client.get("/tickets").get_data(as_text=True)) == 1
    db.rollback()
    [message] = db.exec(select(OutboxMessage).where(OutboxMessage.rule == "notices")).all()
    assert message.status == OutboxStatus.CANCELLED


def test_the_bell_fits_a_phone(app, db, county, make_ticket, client, as_user):  # type: ignore[no-untyped-def]
    make_ticket(now=NOW, deadline=date(2026, 7, 30))
    as_user(county.cadre_a)
    html = client.get("/tickets").get_data(as_text=True)
    bell = html.index('class="bell ')
    assert bell < html.index('id="mainnav"')  # outside the collapsed menu
    assert 'aria-label="' in html[bell - 200 : bell + 400]
    client.post("/logout")
    assert "bell-count" not in client.get("/login").get_data(as_text=True)


def _unread(db, user) -> set[int]:  # type: ignore[no-untyped-def]
    db.rollback()
    rows = db.exec(
        select(OutboxMessage.ticket_id).where(
            OutboxMessage.recipient_id == user.id, col(OutboxMessage.read_at).is_(None)
        )
    )
    return set(rows)


def test_opening_a_finding_reads_its_notices(app, db, county, make_ticket, client, as_user):  # type: ignore[no-untyped-def]
    """The page that opens a ticket reads the person's notices about it (its bell already
    counts them no more); other tickets' notices and other people's stay unread, and a ticket
    with nothing unread is opened without a write."""
    first, second = (make_ticket(now=NOW, deadline=date(2026, 7, 30)) for _ in range(2))
    shared = make_ticket(now=NOW, deadline=date(2026, 7, 30), co_units=["town-b"])
    assert _unread(db, county.cadre_b) == {shared.id}
    as_user(county.cadre_a)
    assert _bell(client.get("/tickets").get_data(as_text=True)) == 3
    page = client.get(f"/tickets/{first.id}")
    assert page.status_code == 200 and _bell(page.get_data(as_text=True)) == 2
    assert _unread(db, county.cadre_a) == {second.id, shared.id}
    client.get(f"/tickets/{shared.id}")
    assert _unread(db, county.cadre_a) == {second.id}
    assert _unread(db, county.cadre_b) == {shared.id}  # theirs, not the reader's
    with count_queries(app) as statements:
        again = client.get(f"/tickets/{first.id}")
    assert _bell(again.get_data(as_text=True)) == 1
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE OUTBOX")]
    assert client.get("/notifications?unread=1").get_data(as_text=True).count(second.code) == 1


def test_opening_a_finding_through_the_api_reads_its_notices(app, db, county, make_ticket, client):  # type: ignore[no-untyped-def]
    first, second = (make_ticket(now=NOW, deadline=date(2026, 7, 30)) for _ in range(2))
    headers = _api(client, county.cadre_a, db)
    assert client.get("/api/v1/notifications", headers=headers).json["unread"] == 2
    assert client.get(f"/api/v1/tickets/{first.id}", headers=headers).status_code == 200
    page = client.get("/api/v1/notifications", headers=headers).json
    assert page["unread"] == 1
    assert {item["ticket"]["id"]: item["is_read"] for item in page["items"]} == {
        first.id: True,
        second.id: False,
    }
    with count_queries(app) as statements:
        assert client.get(f"/api/v1/tickets/{first.id}", headers=headers).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE OUTBOX")]
    # a ticket out of sight is a 404, and its notices stay as they were
    other = make_ticket(now=NOW, deadline=date(2026, 7, 30), responsible_unit="town-b")
    headers_b = _api(client, county.cadre_a, db)
    assert client.get(f"/api/v1/tickets/{other.id}", headers=headers_b).status_code == 404
