"""The five-state workflow (待核查 as its own state) runs the same service and pages, unchanged."""

from __future__ import annotations

import re

import pytest
from helpers import later
from sqlmodel import select

from tracker.tickets.models import EventKind, TicketEvent
from tracker.workflow.contrast import text_colour

EVIDENCE = {
    "comment": "已清理垃圾堆 12 处",
    "indicators": [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
}
PATH = [
    ("cadre_a", "accept", {}, "rectifying"),
    ("cadre_a", "submit", EVIDENCE, "submitted"),
    ("inspector", "reject", {"comment": "照片不清楚"}, "rectifying"),
    ("cadre_a", "submit", EVIDENCE, "submitted"),
    ("inspector2", "verify", {}, "verified"),
    ("leader_a", "close", {}, "closed"),
]


@pytest.fixture
def app(app_factory, five_state_path):  # type: ignore[no-untyped-def]
    return app_factory(WORKFLOW=five_state_path)


def _transitions(db, ticket):  # type: ignore[no-untyped-def]
    events = db.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.TRANSITION)
        .order_by(TicketEvent.id)
    ).all()
    return [(e.transition, e.from_state, e.to_state) for e in events]


def test_service_moves_through_five_states(db, county, make_ticket, move, workflow):  # type: ignore[no-untyped-def]
    assert workflow.name == "five_state"
    ticket = make_ticket()
    assert ticket.state == "reported"
    for step, (who, name, inputs, state) in enumerate(PATH, start=1):
        move(ticket, getattr(county, who), name, now=later(step), **inputs)
        db.refresh(ticket)
        assert ticket.state == state, name
        assert ticket.is_awaiting_verification == (state == "submitted")
    assert ticket.rejection_count == 1
    assert ticket.resolution == "done" and ticket.closed_at is not None
    assert ticket.verified_at is not None
    assert ticket.version > len(PATH)
    assert _transitions(db, ticket) == [
        ("accept", "reported", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("reject", "submitted", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("verify", "submitted", "verified"),
        ("close", "verified", "closed"),
    ]


def _offered(client, ticket) -> set[str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    return set(re.findall(r'name="transition" value="([a-z_]+)"', page))


def _post(client, ticket, name: str, **fields):  # type: ignore[no-untyped-def]
    data = {"transition": name, "version": str(ticket.version), **fields}
    return client.post(f"/tickets/{ticket.id}/transition", data=data)


# What each viewer is offered in each state (the same template, the five-state file).
OFFERS = {
    "reported": {
        "cadre_a": {"accept"},
        "inspector": {"withdraw"},  # the reporting inspector
        "inspector2": set(),
        "leader_a": set(),
        "cadre_village_a": set(),
    },
    "rectifying": {"cadre_a": {"submit"}, "inspector": {"withdraw"}, "inspector2": set()},
    "submitted": {
        "cadre_a": set(),
        "inspector": {"verify", "reject"},
        "inspector2": {"verify", "reject"},
        "leader_a": {"direct_close"},
        "leader": {"direct_close"},
    },
    "verified": {"cadre_a": set(), "inspector": set(), "leader_a": {"close"}},
    "closed": {"inspector": {"rebound"}, "leader_a": set(), "cadre_a": set()},
}


def test_pages_move_through_five_states_and_offer_the_right_buttons(  # type: ignore[no-untyped-def]
    db, county, make_ticket, signed_in
):
    ticket = make_ticket(deadline=later(1000).date())
    seen = {"reported"}
    for who, name, inputs, state in [(None, None, None, "reported"), *PATH]:
        if name is not None:
            client = signed_in(getattr(county, who))
            fields = {"comment": inputs.get("comment", "")}
            for i, item in enumerate(inputs.get("indicators", [])):
                fields |= {
                    f"ind-{i}-name": item["name"],
                    f"ind-{i}-unit": item["unit"],
                    f"ind-{i}-achieved": str(item["achieved"]),
                }
            response = _post(client, ticket, name, **fields)
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
            db.commit()  # end the test session's read snapshot (SQLite WAL)
            db.refresh(ticket)
            assert ticket.state == state
        if state in seen and name is not None:
            continue
        seen.add(state)
        for viewer, expected in OFFERS[state].items():
            assert _offered(signed_in(getattr(county, viewer)), ticket) == expected, (state, viewer)
    assert ticket.rejection_count == 1
    # leader B is not in charge of town A: the ticket does not exist for them
    assert signed_in(county.leader_b).get(f"/tickets/{ticket.id}").status_code == 404
    history = signed_in(county.cadre_a).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "待核查" in history and "提交核查" in history and "核查退回" in history


def test_pages_refuse_a_step_of_the_other_workflow(db, county, make_ticket, signed_in, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    response = _post(signed_in(county.cadre_a), ticket, "report_completion", comment="完成")
    assert response.status_code == 422
    db.commit()
    db.refresh(ticket)
    assert ticket.state == "rectifying" and ticket.version == 2


def test_direct_close_from_submitted(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    move(ticket, county.cadre_a, "submit", **EVIDENCE)
    move(ticket, county.leader, "direct_close")
    db.refresh(ticket)
    assert ticket.state == "closed" and not ticket.is_awaiting_verification
    assert ticket.resolution == "done"


def test_workflow_page_and_colours(signed_in, county):  # type: ignore[no-untyped-def]
    client = signed_in(county.cadre_a)
    page = client.get("/workflow")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "已交办 → 整改中 → 待核查 → 已核查 → 已销号" in text  # the diagram's title: five states
    assert "<svg" in text
    for label in ("已交办", "整改中", "待核查", "已核查", "已销号", "提交核查", "直接销号"):
        assert label in text
    assert "报告整改完成" not in text  # the default workflow's step is absent
    css = client.get("/workflow.css").get_data(as_text=True)
    for key, colour in (
        ("reported", "#0d6efd"),
        ("rectifying", "#fd7e14"),
        ("submitted", "#6f42c1"),
        ("verified", "#20c997"),
        ("closed", "#6c757d"),
    ):
        assert (
            f".state-{key} {{ background-color: {colour}; color: {text_colour(colour)}; }}" in css
        )


def test_list_filters_by_the_new_state(db, county, make_ticket, move, signed_in):  # type: ignore[no-untyped-def]
    waiting = make_ticket(title="待核查的问题")
    move(waiting, county.cadre_a, "accept")
    move(waiting, county.cadre_a, "submit", **EVIDENCE)
    make_ticket(title="刚交办的问题")
    text = signed_in(county.inspector).get("/tickets?state=submitted").get_data(as_text=True)
    assert "待核查的问题" in text and "刚交办的问题" not in text
