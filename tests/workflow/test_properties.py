"""Random attempts against both workflows, on a tiny pure ticket: the engine keeps it consistent."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.workflow import facts as registry
from tracker.workflow.definition import (
    INPUTS,
    RELATIONS,
    ROLES,
    Transition,
    WorkflowDefinition,
    load_workflow,
)
from tracker.workflow.engine import (
    Actor,
    Decision,
    Facts,
    TransitionNotAllowed,
    available,
    decide,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = load_workflow(ROOT / "config" / "workflows" / "default.toml")
FIVE_STATE = load_workflow(Path(__file__).with_name("five_state.toml"))
WORKFLOWS = [DEFAULT, FIVE_STATE]
REBOUNDS = {"rebound", "followup_fail"}


@dataclass(frozen=True)
class Ticket:
    state: str
    facts: Facts = field(default_factory=Facts)
    rejections: int = 0
    rebounds: int = 0
    history: tuple[tuple[str, str, str], ...] = field(default=())  # (transition, from, to)


def apply(ticket: Ticket, decision: Decision) -> Ticket:
    """Apply a decision the way a service would: effects by name (the registry's facts), then the
    state, then history."""
    facts = registry.after(ticket.facts, decision.effects)
    rejections = ticket.rejections + decision.effects.count("count_rejection")
    rebounds = ticket.rebounds + decision.effects.count("count_rebound")
    step = (decision.transition.name, decision.source, decision.target)
    return Ticket(decision.target, facts, rejections, rebounds, (*ticket.history, step))


# One attempt is one integer whose bits are read as choices against the ticket's current state
# (see `attempt`): cheap to generate, and it shrinks towards plausible attempts (all bits 0).
SCENARIOS = st.tuples(
    st.sampled_from(WORKFLOWS), st.lists(st.integers(0, 2**24 - 1), min_size=5, max_size=40)
)


def _bits(value: int, offset: int, width: int) -> int:
    return (value >> offset) & ((1 << width) - 1)


def _subset(names: tuple[str, ...], mask: int) -> frozenset[str]:
    return frozenset(name for i, name in enumerate(names) if mask >> i & 1)


def _open(transition: Transition, state: str, facts: Facts) -> bool:
    return state in transition.sources and registry.guards_hold(transition.guards, facts)


def attempt(definition: WorkflowDefinition, state: str, facts: Facts, step: int) -> tuple:
    """Turn raw choices into (transition name, actor, provided inputs)."""
    leaving = _bits(step, 0, 2) != 3  # mostly a transition open from the current state
    fitting = _bits(step, 2, 2) != 3  # mostly an actor of a role and relation it names
    needed = _bits(step, 4, 2) != 3  # mostly give what it requires
    index, role_index = _bits(step, 6, 5), _bits(step, 11, 5)
    relations = _subset(RELATIONS[1:], _bits(step, 16, 4))
    provided = _subset(INPUTS, _bits(step, 20, 4))
    names = [t.name for t in definition.transitions if leaving and _open(t, state, facts)]
    names = names or [t.name for t in definition.transitions] + ["no_such_transition"]
    name = names[index % len(names)]
    transition = definition.transition(name)
    if transition is not None and fitting:
        who = sorted(transition.who.items())
        role, relation = who[role_index % len(who)]
        actor = Actor(role, relations | {relation} - {"anyone"})
    else:
        actor = Actor(ROLES[role_index % len(ROLES)], relations)
    if transition is not None and needed:
        provided = provided | set(transition.requires + transition.requires_any[:1])
    return name, actor, provided


def play(scenario: tuple) -> tuple[WorkflowDefinition, list[Ticket], list[tuple]]:
    """Random attempts on a fresh ticket: every ticket along the way, and each refusal."""
    definition, steps = scenario
    tickets = [Ticket(definition.initial)]
    refusals = []
    for step in steps:
        ticket = tickets[-1]
        name, actor, provided = attempt(definition, ticket.state, ticket.facts, step)
        try:
            decision = decide(definition, ticket.state, ticket.facts, actor, name, provided)
        except TransitionNotAllowed as refusal:
            refusals.append((ticket, name, actor, refusal))
            tickets.append(ticket)
            continue
        assert decision.source == ticket.state
        assert decision.transition in available(definition, ticket.state, ticket.facts, actor)
        tickets.append(apply(ticket, decision))
    return definition, tickets, refusals


FAST = settings(max_examples=200, deadline=None, database=None)
CODES = {"unknown", "wrong_state", "guard", "forbidden", "missing_input"}


@FAST
@given(SCENARIOS)
def test_state_is_always_a_state_of_the_definition(scenario: tuple) -> None:
    definition, tickets, _ = play(scenario)
    for ticket in tickets:
        assert ticket.state in definition.states


@FAST
@given(SCENARIOS)
def test_a_refused_attempt_changes_nothing(scenario: tuple) -> None:
    definition, tickets, refusals = play(scenario)
    for before, after in itertools.pairwise(tickets):
        assert (after == before) == (len(after.history) == len(before.history))
    for ticket, name, actor, refusal in refusals:
        assert refusal.code in CODES
        offered = {t.name for t in available(definition, ticket.state, ticket.facts, actor)}
        assert (name in offered) == (refusal.code == "missing_input")
        assert bool(refusal.fields) == (refusal.code == "missing_input")


@FAST
@given(SCENARIOS)
def test_replaying_the_history_reproduces_the_state(scenario: tuple) -> None:
    definition, tickets, _ = play(scenario)
    final = tickets[-1]
    state = definition.initial
    for name, source, target in final.history:
        assert source == state
        assert target == definition.transition(name).target_from(source)
        state = target
    assert state == final.state


@FAST
@given(SCENARIOS)
def test_counters_match_the_history(scenario: tuple) -> None:
    _, tickets, _ = play(scenario)
    for ticket in tickets:
        names = [name for name, _, _ in ticket.history]
        assert ticket.rejections == names.count("reject")
        assert ticket.rebounds == sum(name in REBOUNDS for name in names)


@FAST
@given(SCENARIOS)
def test_flags_follow_the_state(scenario: tuple) -> None:
    """Resolved only while closed; in five_state, awaiting verification exactly while submitted."""
    definition, tickets, _ = play(scenario)
    for ticket in tickets:
        if ticket.facts.resolved_done:
            assert definition.states[ticket.state].terminal
        if definition is FIVE_STATE:
            assert ticket.facts.awaiting_verification == (ticket.state == "submitted")
            assert not ticket.facts.extension_pending
            assert not ticket.facts.followup_pending
