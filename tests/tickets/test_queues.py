"""Work queues: who must act next, computed from the workflow and agreeing with the engine."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import NOW, later

from tracker.core.clock import local_date
from tracker.tickets import service
from tracker.tickets.queries import TicketFilter, paginate, scoped_query
from tracker.tickets.queues import count_queues
from tracker.tickets.relations import relations_of
from tracker.tickets.scope import visible_tickets
from tracker.workflow.facts import guards_hold
from tracker.workflow.queues import queues_for_role

TZ = "Asia/Shanghai"
FIGURES = [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}]
TODAY = local_date(NOW, TZ)


def _names(db, user, workflow, now=NOW):  # type: ignore[no-untyped-def]
    return {c.queue.name: c.count for c in count_queues(db, user, workflow, local_date(now, TZ), 0)}


def _members(db, user, workflow, queue: str, now=NOW) -> set[int]:  # type: ignore[no-untyped-def]
    query = scoped_query(db, user, TicketFilter(queue=queue), workflow, now, TZ, 3)
    return {t.id for t in db.exec(query.rows)}


def _when_holds(name: str, ticket, workflow) -> bool:  # type: ignore[no-untyped-def]
    """The queue conditions spelled out in Python, as a person would state them."""
    clock = workflow.state(ticket.state).clock
    return {
        "overdue": clock
        and not ticket.is_awaiting_verification
        and ticket.return_requested_at is None
        and ticket.deadline < TODAY,
        "returned": ticket.rejection_count > 0,
        "not_returned": ticket.rejection_count == 0,
        "followup_due": ticket.followup_due_on is not None and ticket.followup_due_on <= TODAY,
    }[name]


def _expected(db, user, workflow, queue, tickets) -> set[int]:  # type: ignore[no-untyped-def]
    """Queue membership from the engine, one ticket at a time."""
    visible = {t.id for t in db.exec(visible_tickets(db, user))}
    found = set()
    for ticket in tickets:
        if ticket.id not in visible:
            continue
        if not all(_when_holds(w, ticket, workflow) for w in queue.when):
            continue
        if queue.kind == "todo":
            mine = service.transitions_for(db, user, ticket, workflow, TODAY)
            if any(t.name in queue.transitions for t in mine):
                found.add(ticket.id)
            continue
        facts = service.facts_of(ticket, TODAY)
        offered = any(
            ticket.state in t.sources and guards_hold(t.guards, facts)
            for t in (workflow.transition(n) for n in queue.transitions)
        )
        relation = queue.who.get(user.role)
        if offered and relation in relations_of(db, user, ticket):
            found.add(ticket.id)
    return found


@pytest.fixture
def varied(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    """Tickets in every situation a queue distinguishes, across both townships."""
    c = county
    tickets = []
    for unit, cadre in (("town-a", c.cadre_a), ("village-b", c.cadre_b), ("dept", c.cadre_dept)):
        fresh = make_ticket(responsible_unit=unit, deadline=date(2026, 6, 30))
        overdue = make_ticket(responsible_unit=unit, now=later(-60), deadline=date(2026, 6, 1))
        reported = make_ticket(responsible_unit=unit)
        move(reported, cadre, "accept")
        move(reported, cadre, "report_completion", comment="done", indicators=FIGURES)
        tickets += [fresh, overdue, reported]
        returned = make_ticket(responsible_unit=unit, co_units=["town-b"])
        move(returned, cadre, "accept")
        move(returned, cadre, "report_completion", comment="done", indicators=FIGURES)
        move(returned, c.inspector, "reject", comment="not yet")
        verified = make_ticket(responsible_unit=unit, reporter=c.inspector2)
        move(verified, cadre, "accept")
        move(verified, cadre, "report_completion", comment="done", indicators=FIGURES)
        move(verified, c.inspector, "verify")
        extension = make_ticket(responsible_unit=unit)
        move(extension, cadre, "request_extension", comment="rain", deadline="2026-07-30")
        sent_back = make_ticket(responsible_unit=unit, deadline=date(2026, 6, 30))
        move(sent_back, cadre, "request_return", comment="不属本单位")
        refused = make_ticket(responsible_unit=unit)
        move(refused, cadre, "request_return", comment="不属本单位")
        move(refused, c.inspector, "refuse_return", comment="属你单位职责")
        tickets += [returned, verified, extension, sent_back, refused]
    db.commit()
    return tickets


def test_every_queue_agrees_with_the_engine(db, county, workflow, varied):  # type: ignore[no-untyped-def]
    checked = 0
    for user in (
        county.cadre_a,
        county.cadre_village_a,
        county.cadre_b,
        county.cadre_dept,
        county.inspector,
        county.inspector2,
        county.leader,
        county.leader_a,
        county.leader_b,
        county.admin,
    ):
        for queue in queues_for_role(workflow, workflow.queues, user.role):
            got = _members(db, user, workflow, queue.name)
            assert got == _expected(db, user, workflow, queue, varied), (user, queue.name)
            checked += len(got)
    assert checked > 20  # the situations above fill the queues


def test_each_role_sees_its_own_work(db, county, workflow, varied):  # type: ignore[no-untyped-def]
    cadre = _names(db, county.cadre_a, workflow)
    assert list(cadre) == [
        "to_accept",
        "returned",
        "rectifying",
        "supervision_progress",
        "reported_awaiting",
        "return_asked",
        "extension_asked",
    ]
    # town A: a fresh and an overdue ticket to accept; the extension ticket is still to accept,
    # and so is the one whose return was refused; the one it returned waits for the dispatcher.
    assert cadre == {
        "to_accept": 4,
        "returned": 1,
        "rectifying": 0,
        "supervision_progress": 0,
        "reported_awaiting": 1,
        "return_asked": 1,
        "extension_asked": 1,
    }
    assert _names(db, county.inspector, workflow) == {
        "to_reassign": 3,
        "to_verify": 3,
        "followup": 0,
        "supervised": 0,
    }
    assert _names(db, county.leader_a, workflow) == {
        "to_close": 1,
        "supervised": 0,
        "extensions": 1,
        "overdue_in_charge": 1,
    }
    # The county leader's charge covers every unit.
    assert _names(db, county.leader, workflow)["to_close"] == 3
    assert _names(db, county.admin, workflow) == {}


def test_work_moves_from_queue_to_queue(db, county, workflow, make_ticket, move):  # type: ignore[no-untyped-def]
    c = county
    ticket = make_ticket()
    assert ticket.id in _members(db, c.cadre_a, workflow, "to_accept")
    assert ticket.id not in _members(db, c.cadre_b, workflow, "to_accept")
    move(ticket, c.cadre_a, "accept")
    assert ticket.id in _members(db, c.cadre_a, workflow, "rectifying")
    move(ticket, c.cadre_a, "report_completion", comment="done", indicators=FIGURES)
    assert ticket.id not in _members(db, c.cadre_a, workflow, "rectifying")
    assert ticket.id in _members(db, c.cadre_a, workflow, "reported_awaiting")
    assert ticket.id in _members(db, c.inspector, workflow, "to_verify")
    move(ticket, c.inspector, "reject", comment="照片不清楚")
    assert ticket.id in _members(db, c.cadre_a, workflow, "returned")
    assert ticket.id not in _members(db, c.inspector, workflow, "to_verify")
    move(ticket, c.cadre_a, "report_completion", comment="again", indicators=FIGURES)
    move(ticket, c.inspector, "verify")
    assert ticket.id in _members(db, c.leader_a, workflow, "to_close")
    assert ticket.id in _members(db, c.leader, workflow, "to_close")
    assert ticket.id not in _members(db, c.leader_b, workflow, "to_close")
    move(ticket, c.leader_a, "close")
    assert not any(ticket.id in _members(db, c.leader_a, workflow, q) for q in ("to_close",))


def test_overdue_in_charge_follows_the_clock(db, county, workflow, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket(deadline=date(2026, 6, 20))
    assert ticket.id not in _members(db, county.leader_a, workflow, "overdue_in_charge")
    assert ticket.id in _members(db, county.leader_a, workflow, "overdue_in_charge", later(10))


def test_a_queue_is_ordered_by_urgency(db, county, workflow, make_ticket):  # type: ignore[no-untyped-def]
    late = make_ticket(now=later(-60), deadline=date(2026, 6, 1))
    soon = make_ticket(deadline=date(2026, 6, 18))
    far = make_ticket(deadline=date(2026, 8, 1))
    query = scoped_query(db, county.cadre_a, TicketFilter(queue="to_accept"), workflow, NOW, TZ, 3)
    page = paginate(db, query, "deadline", 1, 10)
    assert [t.id for t in page.items] == [late.id, soon.id, far.id]


def test_counts_stop_at_the_cap(db, county, workflow, make_ticket):  # type: ignore[no-untyped-def]
    for _ in range(3):
        make_ticket()
    (first, *_rest) = count_queues(db, county.cadre_a, workflow, TODAY, 2)
    assert (first.queue.name, first.count, first.is_capped) == ("to_accept", 2, True)


def test_home_lists_my_queues_and_the_badge_counts_my_to_do(  # type: ignore[no-untyped-def]
    db, county, workflow, varied, as_user
):
    page = as_user(county.cadre_a).get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name, count in _names(db, county.cadre_a, workflow).items():
        assert f'data-queue="{name}"' in html
        assert f'data-count="{count}"' in html
    assert 'data-work-badge="5"' in html  # 4 to accept + 1 returned
    assert "已报待核" in html and "待核查" not in html.replace("已报待核", "")
    town_a = county.town_a.id
    returned = [t for t in varied if t.rejection_count and t.responsible_unit_id == town_a]
    listed = as_user(county.cadre_a).get("/tickets?queue=returned").get_data(as_text=True)
    assert "被退回重报" in listed
    assert [code for code in (t.code for t in varied) if code in listed] == [returned[0].code]


def test_an_admin_without_queues_lands_on_the_list(county, as_user):  # type: ignore[no-untyped-def]
    response = as_user(county.admin).get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tickets")
