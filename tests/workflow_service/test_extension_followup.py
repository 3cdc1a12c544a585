"""Deadline extensions (延期) and follow-up checks (回头看) end to end through the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from helpers import NOW
from sqlmodel import select

from tracker.core.clock import local_date, utcnow
from tracker.tickets.models import EventKind, TicketEvent

FIRST = date(2027, 6, 30)
EXTENDED = date(2027, 9, 30)
REFUSED = date(2027, 12, 31)


@pytest.fixture
def app(app_factory):  # type: ignore[no-untyped-def]
    # English pages: the assertions read English msgids.
    return app_factory(FOLLOWUP_DAYS=30, DEFAULT_LOCALE="en")


def _post(client, db, ticket, name: str, **fields):  # type: ignore[no-untyped-def]
    db.commit()  # a fresh snapshot for the version
    db.refresh(ticket)
    data = {"transition": name, "version": str(ticket.version), **fields}
    response = client.post(f"/tickets/{ticket.id}/transition", data=data)
    db.commit()
    db.refresh(ticket)
    return response


def _page(client, ticket) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def _offered(client, ticket) -> set[str]:  # type: ignore[no-untyped-def]
    return set(re.findall(r'name="transition" value="([a-z_]+)"', _page(client, ticket)))


def _history(db, ticket):  # type: ignore[no-untyped-def]
    return db.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.TRANSITION)
        .order_by(TicketEvent.id)
    ).all()


def test_extension_requested_approved_then_refused(db, county, make_ticket, move, signed_in):  # type: ignore[no-untyped-def]
    ticket = make_ticket(deadline=FIRST)
    move(ticket, county.cadre_a, "accept")
    cadre, leader = signed_in(county.cadre_a), signed_in(county.leader_a)

    # A reason is required; nothing changes without it.
    refused = _post(cadre, db, ticket, "request_extension", deadline=EXTENDED.isoformat())
    assert refused.status_code == 422
    assert ticket.requested_deadline is None

    asked = _post(
        cadre, db, ticket, "request_extension", deadline=EXTENDED.isoformat(), comment="设备未到货"
    )
    assert asked.status_code == 302
    assert (ticket.deadline, ticket.requested_deadline) == (FIRST, EXTENDED)
    page = _page(cadre, ticket)
    assert "Extension to" in page and "requested" in page
    assert "Requested deadline: 2027-09-30" in page and "设备未到货" in page
    assert "request_extension" not in _offered(cadre, ticket)  # one pending request at a time
    assert {"approve_extension", "refuse_extension"} <= _offered(leader, ticket)
    assert "approve_extension" not in _offered(signed_in(county.inspector), ticket)

    approved = _post(leader, db, ticket, "approve_extension")
    assert approved.status_code == 302
    assert (ticket.original_deadline, ticket.deadline) == (FIRST, EXTENDED)
    assert ticket.requested_deadline is None and ticket.extension_count == 1
    page = _page(cadre, ticket)
    assert "Originally" in page  # both dates are shown
    assert "Deadline: 2027-06-30 → 2027-09-30" in page  # and kept in the history

    _post(cadre, db, ticket, "request_extension", deadline=REFUSED.isoformat(), comment="再延")
    assert ticket.requested_deadline == REFUSED
    no_reason = _post(leader, db, ticket, "refuse_extension")
    assert no_reason.status_code == 422 and ticket.requested_deadline == REFUSED
    no = _post(leader, db, ticket, "refuse_extension", comment="已延期一次，不再延期")
    assert no.status_code == 302
    assert ticket.deadline == EXTENDED and ticket.requested_deadline is None
    assert ticket.extension_count == 1
    assert "不再延期" in _page(cadre, ticket)

    events = _history(db, ticket)
    assert [e.transition for e in events] == [
        "accept",
        "request_extension",
        "approve_extension",
        "request_extension",
        "refuse_extension",
    ]
    assert events[2].data == {"old_deadline": "2027-06-30", "new_deadline": "2027-09-30"}
    assert events[4].data == {"refused_deadline": "2027-12-31"}


def _close(ticket, county, move, now=NOW):  # type: ignore[no-untyped-def]
    move(ticket, county.cadre_a, "accept", now=now)
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=now,
        comment="已清理",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
    )
    move(ticket, county.inspector, "verify", now=now)


def test_closing_schedules_a_followup_shown_and_queued(db, county, make_ticket, move, signed_in):  # type: ignore[no-untyped-def]
    due = make_ticket(title="早已销号的问题", deadline=FIRST)
    _close(due, county, move)
    move(due, county.leader_a, "close")  # closed on 2026-06-15: the check is due 2026-07-15
    assert due.followup_due_on == date(2026, 7, 15)

    later_one = make_ticket(title="刚销号的问题", deadline=FIRST)
    _close(later_one, county, move, now=utcnow())
    leader = signed_in(county.leader_a)
    assert _post(leader, db, later_one, "close").status_code == 302
    expected = local_date(utcnow(), "Asia/Shanghai") + timedelta(days=30)
    assert later_one.followup_due_on == expected
    page = _page(leader, later_one)
    assert "Follow-up check due on" in page
    assert f'<time datetime="{expected.isoformat()}">' in page

    inspector = signed_in(county.inspector)
    queue = inspector.get("/tickets?followup=1").get_data(as_text=True)
    assert "早已销号的问题" in queue and "刚销号的问题" not in queue
    assert "早已销号的问题" not in inspector.get("/tickets?state=rectifying").get_data(as_text=True)
    assert {"followup_pass", "followup_fail", "rebound"} <= _offered(inspector, due)


def test_passed_followup_is_recorded(db, county, make_ticket, move, signed_in):  # type: ignore[no-untyped-def]
    ticket = make_ticket(deadline=FIRST)
    _close(ticket, county, move)
    move(ticket, county.leader_a, "close")
    inspector = signed_in(county.inspector)
    response = _post(inspector, db, ticket, "followup_pass", comment="回头看：未反弹")
    assert response.status_code == 302
    assert ticket.state == "closed" and ticket.followup_due_on is None
    assert ticket.rebound_count == 0 and ticket.resolution == "done"
    last = _history(db, ticket)[-1]
    assert (last.transition, last.from_state, last.to_state) == (
        "followup_pass",
        "closed",
        "closed",
    )
    assert last.data == {"followup_due_on": "2026-07-15"}
    assert "followup_pass" not in _offered(inspector, ticket)  # recorded once
    assert "回头看：未反弹" in _page(inspector, ticket)


def test_failed_followup_reopens_as_rebound(db, county, make_ticket, move, signed_in):  # type: ignore[no-untyped-def]
    ticket = make_ticket(deadline=FIRST)
    _close(ticket, county, move)
    move(ticket, county.leader_a, "close")
    inspector = signed_in(county.inspector)
    # a reason and a new deadline are required
    assert _post(inspector, db, ticket, "followup_fail", comment="垃圾堆又出现").status_code == 422
    assert ticket.state == "closed" and ticket.followup_due_on is not None
    response = _post(
        inspector, db, ticket, "followup_fail", comment="垃圾堆又出现", deadline=REFUSED.isoformat()
    )
    assert response.status_code == 302
    assert ticket.state == "rectifying" and ticket.rebound_count == 1
    assert ticket.followup_due_on is None and ticket.resolution is None
    assert ticket.closed_at is None and ticket.deadline == REFUSED
    last = _history(db, ticket)[-1]
    assert (last.transition, last.to_state) == ("followup_fail", "rectifying")
    assert last.data["followup_due_on"] == "2026-07-15"
    assert last.data["new_deadline"] == REFUSED.isoformat()
    page = _page(signed_in(county.cadre_a), ticket)
    assert "垃圾堆又出现" in page and "report_completion" in page
