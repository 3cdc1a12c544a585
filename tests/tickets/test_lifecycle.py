"""A ticket's life: filed, accepted, completed, verified, closed — each step by the right role."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from helpers import NOW, later
from sqlmodel import select

from tracker.core.errors import Conflict, Forbidden, TransitionRefused, ValidationFailed
from tracker.tickets.models import Ticket, TicketEvent
from tracker.tickets.schemas import TransitionIn
from tracker.tickets.service import apply_transition

FIGURES = [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}]


def history(db, ticket):  # type: ignore[no-untyped-def]
    return db.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()


def test_full_path_reported_to_closed_is_recorded(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    assert ticket.state == "reported"
    assert ticket.code.startswith("DC-2026-")
    move(ticket, county.cadre_a, "accept", now=later(1))
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=later(2),
        comment="已清理",
        indicators=FIGURES,
    )
    assert ticket.is_awaiting_verification
    move(ticket, county.inspector, "verify", now=later(3))
    move(ticket, county.leader_a, "close", now=later(4))
    assert ticket.state == "closed"
    assert ticket.resolution == "done"
    events = history(db, ticket)
    assert [(e.kind, e.transition, e.from_state, e.to_state) for e in events] == [
        ("created", None, None, "reported"),
        ("transition", "accept", "reported", "rectifying"),
        ("transition", "report_completion", "rectifying", "rectifying"),
        ("transition", "verify", "rectifying", "verified"),
        ("transition", "close", "verified", "closed"),
    ]
    assert [e.actor_id for e in events] == [
        county.inspector.id,
        county.cadre_a.id,
        county.cadre_a.id,
        county.inspector.id,
        county.leader_a.id,
    ]
    assert events[2].comment == "已清理"
    assert events[2].data["indicators"][0]["achieved"] == 12
    # the history is a hash chain
    for previous, current in pairwise(events):
        assert current.prev_hash == previous.hash


@pytest.mark.parametrize(
    ("state_path", "transition", "actor", "outcome"),
    [
        ([], "accept", "cadre_a", "ok"),
        ([], "accept", "cadre_village_a", "forbidden"),  # below the responsible unit
        ([], "accept", "cadre_b", "forbidden"),
        ([], "accept", "inspector", "forbidden"),
        ([], "accept", "leader_a", "forbidden"),
        ([], "verify", "inspector", "refused"),  # not from reported
        ([], "close", "leader_a", "refused"),
        ([], "withdraw", "inspector", "ok"),  # the reporting inspector
        ([], "withdraw", "inspector2", "forbidden"),
        ([], "withdraw", "leader_b", "forbidden"),
        ([], "withdraw", "leader", "ok"),
        (["accept"], "report_completion", "cadre_b", "forbidden"),
        (["accept"], "verify", "inspector", "refused"),  # nothing reported yet
        (["accept", "report"], "verify", "cadre_a", "forbidden"),
        (["accept", "report"], "verify", "inspector2", "ok"),
        (["accept", "report"], "reject", "leader", "forbidden"),
        (["accept", "report"], "report_completion", "cadre_a", "refused"),  # already reported
        (["accept", "report", "verify"], "close", "leader_b", "forbidden"),
        (["accept", "report", "verify"], "close", "leader", "ok"),
        (["accept", "report", "verify"], "close", "inspector", "forbidden"),
        (["accept", "report", "verify"], "close", "admin", "forbidden"),
        (["accept", "report", "verify", "close"], "accept", "cadre_a", "refused"),
    ],
)
def test_who_may_take_which_step(
    db,
    county,
    make_ticket,
    move,
    workflow,
    settings,  # type: ignore[no-untyped-def]
    state_path,
    transition,
    actor,
    outcome,
):
    ticket = make_ticket()
    steps = {
        "accept": (county.cadre_a, "accept", {}),
        "report": (county.cadre_a, "report_completion", {"comment": "好了", "indicators": FIGURES}),
        "verify": (county.inspector, "verify", {}),
        "close": (county.leader_a, "close", {}),
    }
    for name in state_path:
        user, step, inputs = steps[name]
        move(ticket, user, step, **inputs)
    inputs = {"comment": "理由", "deadline": date(2026, 7, 30), "indicators": FIGURES}
    before = (ticket.state, ticket.version, len(history(db, ticket)))
    attempt = TransitionIn(transition=transition, **inputs)
    user = getattr(county, actor)
    if outcome == "ok":
        apply_transition(db, ticket, user, attempt, ticket.version, workflow, NOW, settings)
        db.commit()
        assert len(history(db, ticket)) == before[2] + 1
        return
    expected = Forbidden if outcome == "forbidden" else TransitionRefused
    with pytest.raises(expected):
        apply_transition(db, ticket, user, attempt, ticket.version, workflow, NOW, settings)
    db.rollback()
    db.refresh(ticket)
    assert (ticket.state, ticket.version, len(history(db, ticket))) == before


def test_required_inputs_are_named(db, county, make_ticket, move, workflow, settings):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    with pytest.raises(ValidationFailed) as refused:
        apply_transition(
            db,
            ticket,
            county.cadre_a,
            TransitionIn(transition="report_completion"),
            ticket.version,
            workflow,
            NOW,
            settings,
        )
    assert set(refused.value.fields) == {"comment", "attachments", "indicators"}


def test_stale_version_is_refused(db, county, make_ticket, move, workflow, settings):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    stale = ticket.version
    move(ticket, county.cadre_a, "accept")
    with pytest.raises(Conflict):
        apply_transition(
            db,
            ticket,
            county.leader,
            TransitionIn(transition="withdraw", comment="重复"),
            stale,
            workflow,
            NOW,
            settings,
        )


def test_extension_keeps_both_deadlines(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket(deadline=date(2026, 6, 20))
    move(ticket, county.cadre_a, "accept")
    move(
        ticket,
        county.cadre_a,
        "request_extension",
        comment="雨季施工困难",
        deadline=date(2026, 7, 20),
    )
    assert ticket.requested_deadline == date(2026, 7, 20)
    assert ticket.deadline == date(2026, 6, 20)
    move(ticket, county.leader_a, "approve_extension", now=later(2))
    assert ticket.deadline == date(2026, 7, 20)
    assert ticket.original_deadline == date(2026, 6, 20)
    assert ticket.requested_deadline is None
    assert ticket.extension_count == 1


def test_rebound_reopens_with_new_deadline_and_counts(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    move(ticket, county.cadre_a, "report_completion", comment="好", indicators=FIGURES)
    move(ticket, county.inspector, "reject", comment="不彻底")
    move(ticket, county.cadre_a, "report_completion", comment="再次", indicators=FIGURES)
    move(ticket, county.inspector, "verify")
    move(ticket, county.leader, "close")
    assert ticket.followup_due_on is not None  # 回头看 scheduled
    move(
        ticket,
        county.inspector,
        "rebound",
        comment="垃圾又堆起来了",
        deadline=date(2026, 8, 1),
        now=later(20),
    )
    assert (ticket.state, ticket.rebound_count, ticket.rejection_count) == ("rectifying", 1, 1)
    assert ticket.deadline == date(2026, 8, 1)
    assert ticket.resolution is None and ticket.closed_at is None


def test_stored_ticket_round_trips_chinese_text(db, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket(title="东沟村“三堆”清理不到位 <b>")
    db.expire_all()
    assert db.get(Ticket, ticket.id).title == "东沟村“三堆”清理不到位 <b>"


def test_one_transition_is_one_version_step(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    before = ticket.version
    move(ticket, county.cadre_a, "report_completion", comment="好", indicators=FIGURES)
    assert ticket.version == before + 1
