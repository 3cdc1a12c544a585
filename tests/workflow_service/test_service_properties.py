"""Random attempts by random people on a real ticket in the real database keep it consistent.

Each example files a fresh ticket and tries a random sequence of transitions (half of them chosen
among what the actor may do now, to get deep into the workflow), with random inputs and sometimes a
stale version. After every attempt: the state is one the definition has; a refused attempt changed
nothing; the history replays to the current state; the counters match the history.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import select

from tracker.core.clock import local_date
from tracker.core.errors import Conflict, ServiceError
from tracker.tickets import service
from tracker.tickets.models import EventKind, Ticket, TicketEvent
from tracker.tickets.schemas import TransitionIn

ACTORS = (
    "cadre_a",
    "cadre_b",
    "cadre_village_a",
    "inspector",
    "inspector2",
    "leader",
    "leader_a",
    "leader_b",
    "admin",
)
REBOUNDS = {"rebound", "followup_fail"}
# Steps that ask for or answer a return, and closings, which leave none pending.
RETURN_STEPS = {"request_return", "reassign", "refuse_return", "close", "withdraw", "direct_close"}
UNITS = [None, "town-a", "village-a", "town-b", "dept", "no-such-unit"]
TODAY = date(2026, 6, 15)  # NOW in Asia/Shanghai


@pytest.fixture(params=["default", "five_state"])
def app(request, app_factory, five_state_path):  # type: ignore[no-untyped-def]
    workflow = "default.toml" if request.param == "default" else five_state_path
    return app_factory(WORKFLOW=workflow, FOLLOWUP_DAYS=10)


def snapshot(db, ticket: Ticket) -> tuple:  # type: ignore[no-untyped-def]
    """Everything a refused attempt must leave alone, read back from the database."""
    db.refresh(ticket)
    events = db.exec(
        select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    ).one()
    return (
        ticket.state,
        ticket.version,
        ticket.rejection_count,
        ticket.rebound_count,
        ticket.extension_count,
        ticket.is_awaiting_verification,
        ticket.resolution,
        ticket.deadline,
        ticket.requested_deadline,
        ticket.followup_due_on,
        ticket.responsible_unit_id,
        ticket.return_by,
        ticket.return_requested_at,
        events,
    )


def deadline_input(choice: str, days: int) -> date | None:
    if choice == "absent":
        return None
    if choice == "past":
        return TODAY - timedelta(days=days)
    return TODAY + timedelta(days=days)


def check_history(db, ticket: Ticket, workflow) -> None:  # type: ignore[no-untyped-def]
    """The transition events replay from the initial state to the current one, legally."""
    events = db.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    assert events[0].kind == EventKind.CREATED and events[0].to_state == workflow.initial
    state = workflow.initial
    moves = [e for e in events if e.kind == EventKind.TRANSITION]
    for event in moves:
        transition = workflow.transition(event.transition)
        assert transition is not None
        assert event.from_state == state
        assert state in transition.sources
        assert event.to_state == transition.target_from(state)
        state = event.to_state
    assert state == ticket.state
    names = [e.transition for e in moves]
    assert ticket.rejection_count == names.count("reject")
    assert ticket.rebound_count == sum(names.count(n) for n in REBOUNDS)
    assert ticket.extension_count == names.count("approve_extension")
    # A return (退单) waits for the dispatcher exactly when the last step about it asked for it.
    answers = [n for n in names if n in RETURN_STEPS]
    assert (ticket.return_requested_at is not None) == (answers[-1:] == ["request_return"])
    if "refuse_return" in answers[-1:]:
        assert ticket.return_by is None  # a refused unit may not return it again


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_attempts_keep_the_ticket_consistent(  # type: ignore[no-untyped-def]
    data, db, county, make_ticket, workflow, settings
):
    ticket = make_ticket()
    names = [t.name for t in workflow.transitions] + ["no_such_step"]
    steps = data.draw(st.integers(min_value=1, max_value=14), label="steps")
    for step in range(steps):
        now = NOW + timedelta(hours=step + 1)
        user = getattr(county, data.draw(st.sampled_from(ACTORS), label="actor"))
        offered = [
            t.name
            for t in service.transitions_for(
                db, user, ticket, workflow, local_date(now, settings.timezone)
            )
        ]
        if offered and data.draw(st.booleans(), label="pick an offered step"):
            name = data.draw(st.sampled_from(offered), label="offered")
        else:
            name = data.draw(st.sampled_from(names), label="any")
        inputs = TransitionIn(
            transition=name,
            comment=data.draw(st.sampled_from(["", "   ", "已按要求整改"]), label="comment"),
            deadline=deadline_input(
                data.draw(st.sampled_from(["absent", "future", "past"]), label="deadline"),
                data.draw(st.integers(min_value=1, max_value=60), label="days"),
            ),
            unit=data.draw(st.sampled_from(UNITS), label="unit"),
            indicators=(
                [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}]
                if data.draw(st.booleans(), label="indicators")
                else []
            ),
        )
        stale = data.draw(st.booleans(), label="stale") and data.draw(st.booleans())
        before = snapshot(db, ticket)
        expected_version = ticket.version - 1 if stale else ticket.version
        try:
            service.apply_transition(
                db, ticket, user, inputs, expected_version, workflow, now, settings
            )
            db.commit()
        except (ServiceError, StaleDataError) as refusal:
            db.rollback()
            if stale:
                assert isinstance(refusal, Conflict)
            assert snapshot(db, ticket) == before, f"refused {name!r} changed the ticket"
        else:
            assert not stale, "a stale version was accepted"
            assert name in offered, f"{name!r} was applied though not offered to {user.username}"
            after = snapshot(db, ticket)
            assert after[1] > before[1]  # the version moved
            assert after[-1] > before[-1]  # an event was appended
        assert ticket.state in workflow.states
        check_history(db, ticket, workflow)
    note_event(f"ended in {ticket.state}")  # --hypothesis-show-statistics shows how deep runs went
