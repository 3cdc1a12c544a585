"""Effects: the ticket service's registry implements every declared name, changing the facts as
the engine's registry (and so the property tests) says."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from helpers import NOW

from tracker.core.resources import resource_dir
from tracker.org.models import Unit
from tracker.tickets import effects
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.service import facts_of
from tracker.workflow import facts
from tracker.workflow.definition import WorkflowError, load_workflow

TODAY = date(2026, 6, 15)


def test_every_declared_effect_is_implemented_and_no_other() -> None:
    assert set(effects.REGISTRY) == set(facts.EFFECTS)


def _tickets():  # type: ignore[no-untyped-def]
    """Tickets in every combination of the facts' sources."""
    for requested, awaiting, followup, resolution, return_by, returned in itertools.product(
        (None, TODAY + timedelta(days=30)),
        (False, True),
        (None, TODAY + timedelta(days=3)),
        (None, Resolution.DONE, Resolution.WITHDRAWN),
        (None, TODAY - timedelta(days=1), TODAY),
        (None, NOW),
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
            return_by=return_by,
            return_requested_at=returned,
            rejection_count=0,
            rebound_count=0,
            extension_count=0,
        )


@pytest.mark.parametrize("name", sorted(facts.EFFECTS))
def test_effects_change_the_facts_as_declared(name: str) -> None:
    for ticket in _tickets():
        if name in ("approve_extension", "refuse_extension") and ticket.requested_deadline is None:
            continue  # the workflows guard these with extension_pending
        before = facts_of(ticket, TODAY)
        context = effects.Context(
            now=NOW,
            today=TODAY,
            deadline=TODAY + timedelta(days=60),
            followup_days=7,
            supervision=("county", "张县长"),  # the input start_supervision's transition requires
            unit=Unit(id=2, code="town-b", name="河西镇", kind="township", path="/2/"),
            return_by=TODAY + timedelta(days=3),
        )
        effects.apply_effects(ticket, [name], context)
        assert facts_of(ticket, TODAY) == facts.after(before, [name]), (name, before)


def test_a_workflow_naming_an_unimplemented_effect_stops_the_start(app_factory, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delitem(effects.REGISTRY, "count_rejection")
    with pytest.raises(WorkflowError, match=r"count_rejection.*no implementation"):
        app_factory()


SUPERVISE_WHO = (
    'roles = ["inspector", "leader"]\nwho = { inspector = "anyone", leader = "leader_in_charge" }'
)


@pytest.mark.parametrize(
    ("who", "refused"),
    [
        (
            'roles = ["inspector", "cadre"]\n'
            'who = { inspector = "anyone", cadre = "responsible_unit" }',
            "who.cadre",
        ),
        (
            'roles = ["inspector", "leader"]\nwho = { inspector = "anyone", leader = "anyone" }',
            "who.leader",
        ),
        ('roles = ["admin"]\nwho = { admin = "anyone" }', "who.admin"),
    ],
)
def test_a_workflow_may_not_widen_who_supervises(tmp_path, who: str, refused: str) -> None:
    """The workflow file narrows who takes supervise / lift_supervision; policy.SUPERVISE is the
    ceiling, and a file granting more stops the start naming the key."""
    text = (resource_dir("config") / "workflows" / "default.toml").read_text(encoding="utf-8")
    head, step = text.split('name = "supervise"\n', 1)
    assert SUPERVISE_WHO in step
    path = tmp_path / "wide.toml"
    wide = head + 'name = "supervise"\n' + step.replace(SUPERVISE_WHO, who, 1)
    path.write_text(wide, encoding="utf-8")
    with pytest.raises(WorkflowError, match=rf"transitions\.supervise\.{refused}.*'supervise'"):
        effects.check_implemented(load_workflow(path))
