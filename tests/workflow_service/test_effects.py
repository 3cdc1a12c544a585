"""Effects: the ticket service's registry implements every declared name, changing the facts as
the engine's registry (and so the property tests) says."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from helpers import NOW

from tracker.tickets import effects
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.service import facts_of
from tracker.workflow import facts
from tracker.workflow.definition import WorkflowError

TODAY = date(2026, 6, 15)


def test_every_declared_effect_is_implemented_and_no_other() -> None:
    assert set(effects.REGISTRY) == set(facts.EFFECTS)


def _tickets():  # type: ignore[no-untyped-def]
    """Tickets in every combination of the facts' sources."""
    for requested, awaiting, followup, resolution in itertools.product(
        (None, TODAY + timedelta(days=30)),
        (False, True),
        (None, TODAY + timedelta(days=3)),
        (None, Resolution.DONE, Resolution.WITHDRAWN),
    ):
        yield Ticket(
            title="t",
            responsible_unit_id=1,
            state="rectifying",
            deadline=TODAY + timedelta(days=10),
            original_deadline=TODAY + timedelta(days=10),
            requested_deadline=requested,
            is_awaiting_verification=awaiting,
            followup_due_on=followup,
            resolution=resolution,
            closed_at=NOW if resolution else None,
            rejection_count=0,
            rebound_count=0,
            extension_count=0,
        )


@pytest.mark.parametrize("name", sorted(facts.EFFECTS))
def test_effects_change_the_facts_as_declared(name: str) -> None:
    for ticket in _tickets():
        if name in ("approve_extension", "refuse_extension") and ticket.requested_deadline is None:
            continue  # the workflows guard these with extension_pending
        before = facts_of(ticket)
        context = effects.Context(
            now=NOW,
            today=TODAY,
            deadline=TODAY + timedelta(days=60),
            followup_days=7,
            supervision=("county", "张县长"),  # the input start_supervision's transition requires
        )
        effects.apply_effects(ticket, [name], context)
        assert facts_of(ticket) == facts.after(before, [name]), (name, before)


def test_a_workflow_naming_an_unimplemented_effect_stops_the_start(app_factory, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delitem(effects.REGISTRY, "count_rejection")
    with pytest.raises(WorkflowError, match=r"count_rejection.*no implementation"):
        app_factory()
