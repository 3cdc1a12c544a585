"""Decide which transitions an actor may take, and validate an attempt. Pure functions.

Permission is checked inside `decide()`: a caller cannot apply a transition without it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from tracker.workflow.definition import Transition, WorkflowDefinition
from tracker.workflow.facts import GUARDS, Facts, guards_hold

__all__ = ["Actor", "Decision", "Facts", "TransitionNotAllowed", "available", "decide"]


@dataclass(frozen=True)
class Actor:
    """Who attempts a transition: a role and their relations to this ticket.

    Relations: `responsible_unit` (a cadre of the lead unit or above it), `involved_unit` (lead or
    co-operating unit), `reporter` (filed it), `leader_in_charge` (a leader whose charge covers it).
    """

    role: str
    relations: frozenset[str] = frozenset()


class TransitionNotAllowed(Exception):
    """An attempt is refused; `code`: unknown, wrong_state, guard, forbidden or missing_input."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields


@dataclass(frozen=True)
class Decision:
    transition: Transition
    source: str
    target: str

    @property
    def effects(self) -> tuple[str, ...]:
        return self.transition.effects


def _permitted(transition: Transition, actor: Actor) -> bool:
    relation = transition.who.get(actor.role)
    if relation is None:
        return False
    return relation == "anyone" or relation in actor.relations


def available(
    definition: WorkflowDefinition, state: str, facts: Facts, actor: Actor
) -> list[Transition]:
    """Transitions `actor` may take now, in definition order."""
    return [
        t
        for t in definition.transitions
        if state in t.sources and guards_hold(t.guards, facts) and _permitted(t, actor)
    ]


def missing_inputs(transition: Transition, provided: Collection[str]) -> tuple[str, ...]:
    """Required inputs not provided; for `requires_any`, all of them when none is provided."""
    missing = [name for name in transition.requires if name not in provided]
    if transition.requires_any and not any(n in provided for n in transition.requires_any):
        missing.extend(n for n in transition.requires_any if n not in missing)
    return tuple(missing)


def decide(
    definition: WorkflowDefinition,
    state: str,
    facts: Facts,
    actor: Actor,
    name: str,
    provided: Collection[str] | Mapping[str, object] = (),
) -> Decision:
    """Validate an attempt and return the decision, or raise `TransitionNotAllowed`.

    Checks, in order: the transition exists, leaves this state, its guards hold, the actor may
    take it, and every required input is provided.
    """
    transition = definition.transition(name)
    if transition is None:
        raise TransitionNotAllowed("unknown", f"unknown transition {name!r}")
    if state not in transition.sources:
        raise TransitionNotAllowed("wrong_state", f"{name!r} cannot be taken from state {state!r}")
    if not guards_hold(transition.guards, facts):
        failed = [g for g in transition.guards if not GUARDS[g](facts)]
        raise TransitionNotAllowed("guard", f"{name!r} is not possible now ({', '.join(failed)})")
    if not _permitted(transition, actor):
        raise TransitionNotAllowed("forbidden", f"you may not take {name!r} on this ticket")
    missing = missing_inputs(transition, provided)
    if missing:
        raise TransitionNotAllowed(
            "missing_input", f"{name!r} requires: {', '.join(missing)}", fields=missing
        )
    return Decision(transition=transition, source=state, target=transition.target_from(state))
