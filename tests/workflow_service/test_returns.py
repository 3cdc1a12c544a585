"""Return and reassign (退单/改派) on both workflows: through the service, the pages and the API.

A unit returns a finding it received within RETURN_WORKING_DAYS working days, with its reason; the
clock stops and the finding waits in the inspectors' 待改派 queue; an inspector hands it to another
unit (改派) or refuses the return, and the unit then works on it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from helpers import NOW, later
from sqlmodel import select

from tracker.core.clock import local_date, utcnow
from tracker.core.config import get_settings
from tracker.core.errors import Forbidden, NotFound, TransitionRefused, ValidationFailed
from tracker.org.models import Unit
from tracker.reminders.models import OutboxMessage
from tracker.reminders.planner import plan
from tracker.reports.queries import load_units, make_context
from tracker.reports.ranking import RankingSettings
from tracker.reports.ranking_counts import township_ranking
from tracker.tickets import service
from tracker.tickets.models import EventKind, TicketEvent
from tracker.tickets.queues import count_queues
from tracker.tickets.relations import co_unit_ids
from tracker.tickets.scope import get_visible_ticket
from tracker.tickets.status import ticket_status

TZ = "Asia/Shanghai"
TODAY = local_date(NOW, TZ)  # Monday 2026-06-15: three working days run to Thursday the 18th


@pytest.fixture(params=["default", "five_state"])
def app(request, app_factory, five_state_path):  # type: ignore[no-untyped-def]
    workflow = "default.toml" if request.param == "default" else five_state_path
    return app_factory(WORKFLOW=workflow)


def _unit(db, code: str) -> Unit:  # type: ignore[no-untyped-def]
    return db.exec(select(Unit).where(Unit.code == code)).one()


def _offered(db, user, ticket, workflow, now=NOW) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        t.name for t in service.transitions_for(db, user, ticket, workflow, local_date(now, TZ))
    }


def _moves(db, ticket) -> list[tuple]:  # type: ignore[no-untyped-def]
    events = db.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.TRANSITION)
        .order_by(TicketEvent.id)
    ).all()
    return [(e.transition, e.from_state, e.to_state, e.comment) for e in events]


def test_return_then_reassign(db, county, make_ticket, move, workflow, settings, app):  # type: ignore[no-untyped-def]
    c = county
    ticket = make_ticket(co_units=["town-b"])
    assert ticket.return_by == date(2026, 6, 18)
    assert "request_return" in _offered(db, c.cadre_a, ticket, workflow)
    assert "request_return" not in _offered(db, c.cadre_b, ticket, workflow)  # a co-unit
    with pytest.raises(ValidationFailed):  # the reason is required
        move(ticket, c.cadre_a, "request_return")
    db.rollback()
    asked = move(ticket, c.cadre_a, "request_return", now=later(1), comment="该点位属河西镇辖区")
    db.refresh(ticket)
    assert ticket.return_requested_at is not None
    # The clock stops: no red, amber or green, not overdue even past the deadline.
    late = ticket_status(ticket, workflow, later(30), TZ, 3)
    assert (late.is_clock_running, late.is_overdue, late.rag) == (False, False, None)
    # The unit can do nothing else meanwhile; an inspector reassigns or refuses.
    assert _offered(db, c.cadre_a, ticket, workflow) <= {"report_progress"}
    assert {"reassign", "refuse_return"} <= _offered(db, c.inspector2, ticket, workflow)
    assert "reassign" not in _offered(db, c.leader_a, ticket, workflow)
    counts = {q.queue.name: q.count for q in count_queues(db, c.inspector, workflow, TODAY, 0)}
    assert counts[next(n for n in counts if "reassign" in n)] == 1
    # The dispatcher hears of it: the reporter among the inspectors.
    told = {
        r.recipient_id
        for r in db.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))
        if r.key.split(":")[1] == str(asked.id)
    }
    assert {c.inspector.id, c.inspector2.id} <= told and c.cadre_a.id not in told

    with pytest.raises(ValidationFailed):  # the unit to hand it to is required
        move(ticket, c.inspector, "reassign", comment="改派")
    db.rollback()
    with pytest.raises(ValidationFailed):  # not the unit that returned it
        move(ticket, c.inspector, "reassign", comment="改派", unit="town-a")
    db.rollback()
    with pytest.raises(ValidationFailed):
        move(ticket, c.inspector, "reassign", comment="改派", unit="no-such-unit")
    db.rollback()
    done = move(
        ticket,
        c.inspector,
        "reassign",
        now=later(2),
        comment="改派河西镇办理",
        unit="town-b",
        deadline="2026-07-10",
    )
    db.refresh(ticket)
    assert ticket.responsible_unit_id == _unit(db, "town-b").id
    assert ticket.state == "reported" and ticket.return_requested_at is None
    assert ticket.deadline == date(2026, 7, 10) and ticket.original_deadline == date(2026, 6, 30)
    # The new unit's own three working days from Wednesday: Thursday, Monday, Tuesday (Friday
    # the 19th is the Dragon Boat Festival).
    assert ticket.return_by == date(2026, 6, 23)
    assert done.data["unit_id"] == _unit(db, "town-a").id
    assert done.data["to_unit"] == "town-b" and done.data["left_co_units"] == "town-b"
    assert done.data["new_deadline"] == "2026-07-10"
    assert co_unit_ids(db, ticket) == []  # the new lead unit no longer co-operates
    # The old unit no longer sees it; the new unit works on it (and could return it in turn).
    with pytest.raises(NotFound):
        get_visible_ticket(db, c.cadre_a, ticket.id)
    assert {"accept", "request_return"} <= _offered(db, c.cadre_b, ticket, workflow, later(2))
    told = {
        r.recipient_id
        for r in db.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))
        if r.key.split(":")[1] == str(done.id)
    }
    assert c.cadre_b.id in told and c.leader_b.id in told and c.cadre_a.id not in told
    assert [m[0] for m in _moves(db, ticket)] == ["request_return", "reassign"]
    assert _moves(db, ticket)[0][1:] == ("reported", "reported", "该点位属河西镇辖区")


def test_return_refused_sends_it_back(db, county, make_ticket, move, workflow):  # type: ignore[no-untyped-def]
    c = county
    ticket = make_ticket()
    move(ticket, c.cadre_a, "accept")
    move(ticket, c.cadre_a, "request_return", comment="不属本单位职责")
    with pytest.raises(Forbidden):  # a cadre cannot answer its own return
        move(ticket, c.cadre_a, "refuse_return", comment="自己驳回")
    db.rollback()
    move(ticket, c.inspector, "refuse_return", comment="属青山乡职责，请按期整改")
    db.refresh(ticket)
    assert ticket.state == "rectifying" and ticket.responsible_unit_id == _unit(db, "town-a").id
    assert ticket.return_requested_at is None and ticket.return_by is None
    assert "request_return" not in _offered(db, c.cadre_a, ticket, workflow)  # once only
    with pytest.raises(TransitionRefused):
        move(ticket, c.cadre_a, "request_return", comment="再次退单")
    db.rollback()
    assert [m[:3] for m in _moves(db, ticket)] == [
        ("accept", "reported", "rectifying"),
        ("request_return", "rectifying", "rectifying"),
        ("refuse_return", "rectifying", "rectifying"),
    ]


def test_the_window_closes_after_the_working_days(db, county, make_ticket, move, workflow):  # type: ignore[no-untyped-def]
    c = county
    ticket = make_ticket()  # filed Monday: Thursday is the last day
    assert "request_return" in _offered(db, c.cadre_a, ticket, workflow, later(3))
    assert "request_return" not in _offered(db, c.cadre_a, ticket, workflow, later(4))
    with pytest.raises(TransitionRefused):
        move(ticket, c.cadre_a, "request_return", now=later(4), comment="晚了")
    db.rollback()


def test_returns_off(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(RETURN_WORKING_DAYS=0)
    assert service.Settings.of(get_settings(app)).return_days == 0
    assert service.return_window_end(None, TODAY, 0) is None


def test_a_pending_return_gets_no_deadline_reminders(db, county, make_ticket, move, app):  # type: ignore[no-untyped-def]
    c = county
    ticket = make_ticket(deadline=date(2026, 6, 17))
    move(ticket, c.cadre_a, "request_return", comment="不属本单位")
    plan(db, later(5), app.config, app.extensions["workflow"])
    db.commit()
    reminders = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket.id, OutboxMessage.rule != "notice"
        )
    ).all()
    assert reminders == []


def test_ranking_counts_a_justified_return_against_the_unit_that_returned_it(  # type: ignore[no-untyped-def]
    db, county, make_ticket, move, app
):
    c = county
    ticket = make_ticket()
    make_ticket()  # both townships keep findings of their own to be ranked
    make_ticket(responsible_unit="town-b")
    move(ticket, c.cadre_a, "request_return", comment="不属本单位")
    move(ticket, c.inspector, "reassign", comment="改派", unit="village-b")
    settings = RankingSettings.from_config(app.config)
    ctx = make_context(db, c.admin, None, NOW, app.config)
    ranked = {
        s.unit.code: {line.kind: line.count for line in s.lines}
        for s, _ in township_ranking(db, ctx, settings, load_units(db))
    }
    assert ranked["town-a"]["returns_justified"] == 1
    assert ranked["town-b"]["returns_justified"] == 0


# --- through the pages and the API ----------------------------------------------------------


def _fresh(make_ticket):  # type: ignore[no-untyped-def]
    """A ticket filed now (the pages read the real clock), inside its return window."""
    return make_ticket(now=utcnow(), deadline=local_date(utcnow(), TZ) + timedelta(days=30))


def _buttons(client, ticket) -> set[str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    return set(re.findall(r'data-action="([a-z_]+)"', page))


def test_pages_return_and_reassign(db, county, make_ticket, signed_in):  # type: ignore[no-untyped-def]
    c = county
    ticket = _fresh(make_ticket)
    cadre, inspector = signed_in(c.cadre_a), signed_in(c.inspector)
    assert "request_return" in _buttons(cadre, ticket)
    other = signed_in(c.cadre_b)  # a cadre of another township: neither sees nor returns it
    assert other.get(f"/tickets/{ticket.id}").status_code == 404
    post = {"transition": "request_return", "version": str(ticket.version)}
    assert other.post(f"/tickets/{ticket.id}/transition", data=post).status_code == 404
    refused = cadre.post(f"/tickets/{ticket.id}/transition", data=post)
    assert refused.status_code == 422  # no reason given: the form comes back
    response = cadre.post(
        f"/tickets/{ticket.id}/transition", data={**post, "comment": "该点位属河西镇"}
    )
    assert response.status_code == 302
    db.rollback()
    db.refresh(ticket)
    page = inspector.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert {"reassign", "refuse_return"} <= set(re.findall(r'data-action="([a-z_]+)"', page))
    assert 'name="unit"' in page and 'value="town-b"' in page
    assert 'value="town-a"' not in page.split('name="unit"')[1].split("</select>")[0]
    assert "return-pending" in page
    response = inspector.post(
        f"/tickets/{ticket.id}/transition",
        data={
            "transition": "reassign",
            "version": str(ticket.version),
            "comment": "改派河西镇",
            "unit": "town-b",
        },
    )
    assert response.status_code == 302
    db.rollback()  # end the test session's read snapshot: the request committed meanwhile
    db.refresh(ticket)
    assert ticket.responsible_unit_id == _unit(db, "town-b").id
    page = inspector.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "青山乡 → 河西镇" in page  # the history names both units
    assert cadre.get(f"/tickets/{ticket.id}").status_code == 404
    assert "accept" in _buttons(other, ticket)
