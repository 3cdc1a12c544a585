"""The pages people use: file a finding, see it in the queue, move it, read its history."""

from __future__ import annotations

import re

from helpers import FILING_FORM
from sqlmodel import select

from tracker.tickets.models import Ticket


def _file(client, **extra):  # type: ignore[no-untyped-def]
    data = {**FILING_FORM, "category": "garbage_pile", **extra}
    return client.post("/tickets/new", data=data)


def test_inspector_files_and_cadre_starts(as_user, county, db):  # type: ignore[no-untyped-def]
    client = as_user(county.inspector)
    response = _file(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ticket = db.exec(select(Ticket)).one()
    client = as_user(county.cadre_b)
    queue = client.get("/tickets").get_data(as_text=True)
    assert ticket.code in queue
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'value="accept"' in page
    moved = client.post(
        f"/tickets/{ticket.id}/transition", data={"transition": "accept", "version": ticket.version}
    )
    assert moved.status_code == 302
    db.refresh(ticket)
    assert ticket.state == "rectifying"
    assert "签收整改" in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_filing_form_keeps_input_and_names_errors(as_user, county, db):  # type: ignore[no-untyped-def]
    client = as_user(county.inspector)
    response = _file(client, title="", deadline="2001-01-01", description="保留我")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "保留我" in text
    assert "is-invalid" in text
    assert db.exec(select(Ticket)).first() is None


def test_cadre_cannot_file(as_user, county):  # type: ignore[no-untyped-def]
    client = as_user(county.cadre_a)
    assert client.get("/tickets/new").status_code == 403
    assert _file(client).status_code == 403


def test_other_township_gets_404_everywhere(as_user, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket()  # handed to town A
    client = as_user(county.cadre_b)
    assert ticket.code not in client.get("/tickets?queue=all").get_data(as_text=True)
    assert client.get(f"/tickets/{ticket.id}").status_code == 404
    assert (
        client.post(
            f"/tickets/{ticket.id}/transition", data={"transition": "accept", "version": 1}
        ).status_code
        == 404
    )
    assert client.post(f"/tickets/{ticket.id}/comments", data={"comment": "hi"}).status_code == 404
    client = as_user(county.leader_b)
    assert client.get(f"/tickets/{ticket.id}").status_code == 404


def test_page_offers_only_what_the_viewer_may_do(as_user, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    inspector_page = as_user(county.inspector).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'value="accept"' not in inspector_page
    assert 'value="withdraw"' in inspector_page
    cadre_page = as_user(county.cadre_a).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'value="accept"' in cadre_page
    assert 'value="withdraw"' not in cadre_page


def test_stale_form_is_refused_not_merged(as_user, county, make_ticket, move, db):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    stale_version = ticket.version
    move(ticket, county.cadre_a, "accept")
    client = as_user(county.inspector)
    response = client.post(
        f"/tickets/{ticket.id}/transition",
        data={"transition": "withdraw", "version": stale_version, "comment": "重复"},
    )
    assert response.status_code == 409
    db.refresh(ticket)
    assert ticket.state == "rectifying"


def test_missing_comment_rerenders_with_message(as_user, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.inspector)
    response = client.post(
        f"/tickets/{ticket.id}/transition",
        data={"transition": "withdraw", "version": ticket.version},
    )
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)


def test_user_text_is_escaped(as_user, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket(title="<script>alert(1)</script>")
    client = as_user(county.cadre_a)
    client.post(f"/tickets/{ticket.id}/comments", data={"comment": "<img src=x onerror=alert(1)>"})
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert not re.search(r"<script>(?!</script>)[^<]", page.split("</main>")[0])


def _filter_units(page: str) -> set[str]:
    """The unit codes the list's unit filter offers."""
    select_html = page.split('name="unit"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="([^"]+)"', select_html))


def test_unit_filter_offers_the_viewers_own_scope(as_user, county):  # type: ignore[no-untyped-def]
    cadre_page = as_user(county.cadre_a).get("/tickets?queue=all").get_data(as_text=True)
    assert _filter_units(cadre_page) == {"town-a", "village-a"}
    leader_page = as_user(county.leader_b).get("/tickets?queue=all").get_data(as_text=True)
    assert _filter_units(leader_page) == {"town-b", "village-b"}
    admin_page = as_user(county.admin).get("/tickets?queue=all").get_data(as_text=True)
    assert {"county", "town-a", "town-b", "dept"} <= _filter_units(admin_page)
