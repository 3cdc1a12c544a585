"""Workflow definitions: dataclasses, the TOML loader, and validation with precise messages."""

from __future__ import annotations

import re
import tomllib
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tracker.workflow import facts

ROLES = ("admin", "inspector", "cadre", "leader")
# Who among a role may take a transition (tracker/tickets/relations.py works them out).
REPORTER = "reporter"
RESPONSIBLE_UNIT = "responsible_unit"
INVOLVED_UNIT = "involved_unit"
LEADER_IN_CHARGE = "leader_in_charge"
RELATIONS = ("anyone", RESPONSIBLE_UNIT, INVOLVED_UNIT, REPORTER, LEADER_IN_CHARGE)
# "supervision": a level (county | township) and the supervising leader (挂牌督办);
# "unit": the unit a finding is handed to instead (改派).
INPUTS = ("comment", "attachments", "indicators", "deadline", "supervision", "unit")
# Guard and effect names: the keys of the registries in tracker/workflow/facts.py.
GUARDS = tuple(facts.GUARDS)
EFFECTS = tuple(facts.EFFECTS)
NOTIFY_TARGETS = ("responsible_unit", "co_units", "reporter", "leaders_in_charge", "inspectors")


class WorkflowError(ValueError):
    """A definition is invalid. The message names the file, the key and the problem."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: {key}: {problem}")


class Labelled:
    """Something the workflow file names in both languages (a state, a transition, a queue)."""

    label_zh: str
    label_en: str

    def label(self, locale: str) -> str:
        """The name a reader of `locale` sees (English for en*, Chinese otherwise)."""
        return self.label_en if locale.startswith("en") else self.label_zh


@dataclass(frozen=True)
class State(Labelled):
    key: str
    label_zh: str
    label_en: str
    colour: str = "#6c757d"
    clock: bool = True  # whether the deadline clock runs (reminders, overdue) in this state
    terminal: bool = False


@dataclass(frozen=True)
class Transition(Labelled):
    name: str
    label_zh: str
    label_en: str
    sources: tuple[str, ...]
    target: str | None  # None: stay in the state it was taken from
    who: dict[str, str]  # role -> relation required among that role
    requires: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()  # at least one of these inputs
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    reopen: bool = False
    confirm: bool = False  # the UI asks for confirmation (final or destructive steps)
    style: str = "primary"

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.who)

    def target_from(self, state: str) -> str:
        return self.target or state


@dataclass(frozen=True)
class WorkflowDefinition:
    name: str
    source: str
    initial: str
    states: dict[str, State]
    transitions: tuple[Transition, ...]
    queues: tuple[Any, ...] = ()  # tracker.workflow.queues.Queue, in declaration order
    _by_name: dict[str, Transition] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({t.name: t for t in self.transitions})

    def transition(self, name: str | None) -> Transition | None:
        """The transition called `name`; None for an unknown name (or none: an event of no step)."""
        return self._by_name.get(name) if name is not None else None

    def state(self, key: str) -> State | None:
        return self.states.get(key)

    def queue(self, name: str) -> Any:
        """The queue named `name` (a `tracker.workflow.queues.Queue`), or None."""
        return next((q for q in self.queues if q.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for the API and the diagram page)."""
        return {
            "name": self.name,
            "initial": self.initial,
            "states": [
                {
                    "key": s.key,
                    "label_zh": s.label_zh,
                    "label_en": s.label_en,
                    "colour": s.colour,
                    "clock": s.clock,
                    "terminal": s.terminal,
                }
                for s in self.states.values()
            ],
            "transitions": [
                {
                    "name": t.name,
                    "label_zh": t.label_zh,
                    "label_en": t.label_en,
                    "from": list(t.sources),
                    "to": t.target,
                    "who": dict(t.who),
                    "requires": list(t.requires),
                    "requires_any": list(t.requires_any),
                    "guards": list(t.guards),
                    "effects": list(t.effects),
                    "notify": list(t.notify),
                    "reopen": t.reopen,
                }
                for t in self.transitions
            ],
        }


def load_workflow(path: Path) -> WorkflowDefinition:
    """Read and validate a workflow file; raise `WorkflowError` naming file, key and problem."""
    source = path.name
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise WorkflowError(source, "WORKFLOW", f"file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise WorkflowError(source, "toml", str(exc)) from exc
    return parse_workflow(data, source)


def _names(value: Any, source: str, key: str, allowed: tuple[str, ...] | None = None) -> tuple:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WorkflowError(source, key, "must be a list of names")
    if allowed is not None:
        for item in value:
            if item not in allowed:
                raise WorkflowError(
                    source, key, f"unknown name {item!r} (known: {', '.join(allowed)})"
                )
    if len(set(value)) != len(value):
        raise WorkflowError(source, key, "lists a name twice")
    return tuple(value)


def _text(
    entry: dict[str, Any], name: str, source: str, key: str, default: str | None = None
) -> str:
    value = entry.get(name, default)
    if not isinstance(value, str) or not value.strip():
        raise WorkflowError(source, f"{key}.{name}", "is required and must be a non-empty string")
    return value


def _flag(entry: dict[str, Any], name: str, source: str, key: str, default: bool) -> bool:
    value = entry.get(name, default)
    if not isinstance(value, bool):
        raise WorkflowError(source, f"{key}.{name}", "must be true or false")
    return value


STATE_KEYS = {"key", "label_zh", "label_en", "colour", "clock", "terminal"}
TRANSITION_KEYS = {
    "name",
    "label_zh",
    "label_en",
    "from",
    "to",
    "roles",
    "who",
    "requires",
    "requires_any",
    "guards",
    "effects",
    "notify",
    "reopen",
    "confirm",
    "style",
}
STYLES = ("primary", "secondary", "success", "danger", "warning", "info", "dark")


def _check_entry(entry: Any, allowed: set[str], source: str, key: str) -> None:
    """An entry must be a table with known keys: a typo must not silently drop a rule."""
    if not isinstance(entry, dict):
        raise WorkflowError(source, key, "must be a table ([[...]] entry)")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise WorkflowError(source, f"{key}.{unknown[0]}", "unknown setting")


def _parse_states(data: dict[str, Any], source: str) -> dict[str, State]:
    raw = data.get("states")
    if not isinstance(raw, list) or not raw:
        raise WorkflowError(source, "states", "at least one [[states]] entry is required")
    states: dict[str, State] = {}
    for index, entry in enumerate(raw):
        key = f"states[{index}]"
        _check_entry(entry, STATE_KEYS, source, key)
        name = _text(entry, "key", source, key)
        key = f"states.{name}"
        if name in states:
            raise WorkflowError(source, key, "duplicate state key")
        colour = entry.get("colour", "#6c757d")
        if not isinstance(colour, str) or not re.fullmatch(
            r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", colour
        ):
            raise WorkflowError(source, f"{key}.colour", "must be a hex colour such as #0d6efd")
        states[name] = State(
            key=name,
            label_zh=_text(entry, "label_zh", source, key),
            label_en=_text(entry, "label_en", source, key),
            colour=colour,
            clock=_flag(entry, "clock", source, key, True),
            terminal=_flag(entry, "terminal", source, key, False),
        )
    return states


def _parse_who(entry: dict[str, Any], source: str, key: str) -> dict[str, str]:
    roles = _names(entry.get("roles", []), source, f"{key}.roles", ROLES)
    if not roles:
        raise WorkflowError(source, f"{key}.roles", "at least one role is required")
    who = entry.get("who", "anyone")
    if isinstance(who, str):
        if who not in RELATIONS:
            raise WorkflowError(source, f"{key}.who", f"unknown relation {who!r}")
        return dict.fromkeys(roles, who)
    if not isinstance(who, dict):
        raise WorkflowError(source, f"{key}.who", "must be a relation or a table role = relation")
    result = {}
    for role in roles:
        relation = who.get(role, "anyone")
        if relation not in RELATIONS:
            raise WorkflowError(source, f"{key}.who.{role}", f"unknown relation {relation!r}")
        result[role] = relation
    for role in who:
        if role not in roles:
            raise WorkflowError(source, f"{key}.who.{role}", "role is not listed in roles")
    return result


def _parse_transitions(
    data: dict[str, Any], source: str, states: dict[str, State]
) -> tuple[Transition, ...]:
    raw = data.get("transitions")
    if not isinstance(raw, list) or not raw:
        raise WorkflowError(source, "transitions", "at least one [[transitions]] entry is required")
    transitions: list[Transition] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        _check_entry(entry, TRANSITION_KEYS, source, f"transitions[{index}]")
        name = _text(entry, "name", source, f"transitions[{index}]")
        key = f"transitions.{name}"
        if name in seen:
            raise WorkflowError(source, key, "duplicate transition name")
        seen.add(name)
        sources = _names(entry.get("from", []), source, f"{key}.from")
        if not sources:
            raise WorkflowError(source, f"{key}.from", "at least one source state is required")
        for state in sources:
            if state not in states:
                raise WorkflowError(source, f"{key}.from", f"unknown state {state!r}")
        if entry.get("style", "primary") not in STYLES:
            raise WorkflowError(source, f"{key}.style", f"must be one of {', '.join(STYLES)}")
        target = entry.get("to")
        if target is not None and target not in states:
            raise WorkflowError(source, f"{key}.to", f"unknown state {target!r}")
        transition = Transition(
            name=name,
            label_zh=_text(entry, "label_zh", source, key),
            label_en=_text(entry, "label_en", source, key),
            sources=sources,
            target=target,
            who=_parse_who(entry, source, key),
            requires=_names(entry.get("requires", []), source, f"{key}.requires", INPUTS),
            requires_any=_names(
                entry.get("requires_any", []), source, f"{key}.requires_any", INPUTS
            ),
            guards=_names(entry.get("guards", []), source, f"{key}.guards", GUARDS),
            effects=_names(entry.get("effects", []), source, f"{key}.effects", EFFECTS),
            notify=_names(entry.get("notify", []), source, f"{key}.notify", NOTIFY_TARGETS),
            reopen=_flag(entry, "reopen", source, key, False),
            confirm=_flag(entry, "confirm", source, key, False),
            style=entry.get("style", "primary"),
        )
        if not transition.reopen:
            for state in sources:
                if states[state].terminal:
                    raise WorkflowError(
                        source,
                        f"{key}.from",
                        f"leaves terminal state {state!r}; set reopen = true if intended",
                    )
        transitions.append(transition)
    return tuple(transitions)


def parse_workflow(data: dict[str, Any], source: str) -> WorkflowDefinition:
    """Build a definition from parsed TOML and check that it is a usable state machine."""
    meta = data.get("workflow", {})
    states = _parse_states(data, source)
    initial = meta.get("initial", next(iter(states)))
    if initial not in states:
        raise WorkflowError(source, "workflow.initial", f"unknown state {initial!r}")
    transitions = _parse_transitions(data, source, states)
    definition = WorkflowDefinition(
        name=str(meta.get("name", source.removesuffix(".toml"))),
        source=source,
        initial=initial,
        states=states,
        transitions=transitions,
    )
    _check_graph(definition)
    from tracker.workflow.queues import parse_queues  # it builds on this module's helpers

    return replace(definition, queues=parse_queues(data, definition))


def _check_graph(definition: WorkflowDefinition) -> None:
    source = definition.source
    if not any(s.terminal for s in definition.states.values()):
        raise WorkflowError(source, "states", "no terminal state: tickets could never be closed")
    edges: dict[str, set[str]] = {key: set() for key in definition.states}
    for transition in definition.transitions:
        for source_state in transition.sources:
            edges[source_state].add(transition.target_from(source_state))
    reached = {definition.initial}
    queue = deque([definition.initial])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for key, state in definition.states.items():
        if key not in reached:
            raise WorkflowError(
                source, f"states.{key}", "no path from the initial state reaches it"
            )
        if not state.terminal and not (edges[key] - {key}):
            raise WorkflowError(
                source, f"states.{key}", "not terminal, yet no transition leaves it"
            )
