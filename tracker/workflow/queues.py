"""Work queues from the workflow definition: which tickets wait for whom. Pure: no database.

A to-do queue holds the tickets on which the viewer may take one of its transitions now (state,
guards, role and relation, as `engine.available` decides for one ticket). A waiting queue holds
tickets where the viewer is involved (its `who`) while someone else may take one of its
transitions. `when` narrows a queue by the clock or the ticket's past (`CONDITIONS`).

Queues are declared in the workflow file as `[[queues]]` tables. A file without any gets one
to-do queue per group of transitions sharing sources, guards and roles, leaving out reopenings
and the optional steps (withdrawing, asking for more time): the duties, not the options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tracker.workflow.definition import (
    Labelled,
    WorkflowDefinition,
    WorkflowError,
    _check_entry,
    _names,
    _parse_who,
    _text,
)

KINDS = ("todo", "waiting")
# Conditions a queue may add (translated to SQL by tracker.tickets.queues).
CONDITIONS = (
    "overdue",  # the clock runs, no report awaits checking, the deadline has passed
    "returned",  # a report of completion was rejected at least once
    "not_returned",
    "followup_due",  # the follow-up check (回头看) is due by today
)
QUEUE_KEYS = {"name", "label_zh", "label_en", "kind", "transitions", "when", "roles", "who"}
# Effects of optional steps: a ticket offering only these waits for no one.
OPTIONAL_EFFECTS = ("resolve_withdrawn", "request_extension", "request_return")


@dataclass(frozen=True)
class Queue(Labelled):
    name: str
    label_zh: str
    label_en: str
    kind: Literal["todo", "waiting"]
    transitions: tuple[str, ...]
    when: tuple[str, ...] = ()
    who: dict[str, str] | None = None  # waiting queues: whose it is (role -> relation)

    def roles(self, definition: WorkflowDefinition) -> tuple[str, ...]:
        """Roles that have this queue."""
        if self.who is not None:
            return tuple(self.who)
        roles: list[str] = []
        for name in self.transitions:
            transition = definition.transition(name)
            assert transition is not None  # checked when parsed
            roles.extend(r for r in transition.roles if r not in roles)
        return tuple(roles)


def parse_queues(data: dict[str, Any], definition: WorkflowDefinition) -> tuple[Queue, ...]:
    """The `[[queues]]` of a parsed workflow file, or the derived ones when it has none."""
    raw = data.get("queues")
    source = definition.source
    if raw is None:
        return derive_queues(definition)
    if not isinstance(raw, list):
        raise WorkflowError(source, "queues", "must be [[queues]] entries")
    queues: list[Queue] = []
    for index, entry in enumerate(raw):
        _check_entry(entry, QUEUE_KEYS, source, f"queues[{index}]")
        name = _text(entry, "name", source, f"queues[{index}]")
        key = f"queues.{name}"
        if any(q.name == name for q in queues) or name in ("mine", "all"):
            raise WorkflowError(source, key, "duplicate or reserved queue name")
        kind = entry.get("kind", "todo")
        if kind not in KINDS:
            raise WorkflowError(source, f"{key}.kind", f"must be one of {', '.join(KINDS)}")
        names = _names(entry.get("transitions", []), source, f"{key}.transitions")
        if not names:
            raise WorkflowError(source, f"{key}.transitions", "at least one is required")
        for item in names:
            if definition.transition(item) is None:
                raise WorkflowError(source, f"{key}.transitions", f"unknown transition {item!r}")
        who = None
        if kind == "waiting":
            who = _parse_who(entry, source, key)
        elif "who" in entry or "roles" in entry:
            raise WorkflowError(
                source,
                f"{key}.who",
                "only waiting queues name whose they are; a to-do "
                "queue belongs to whoever may take its transitions",
            )
        queues.append(
            Queue(
                name=name,
                label_zh=_text(entry, "label_zh", source, key),
                label_en=_text(entry, "label_en", source, key),
                kind=kind,
                transitions=names,
                when=_names(entry.get("when", []), source, f"{key}.when", CONDITIONS),
                who=who,
            )
        )
    return tuple(queues)


def derive_queues(definition: WorkflowDefinition) -> tuple[Queue, ...]:
    """One to-do queue per group of duty transitions with the same sources, guards and who."""
    groups: dict[tuple, list[str]] = {}
    for t in definition.transitions:
        if t.reopen or any(effect in OPTIONAL_EFFECTS for effect in t.effects):
            continue
        groups.setdefault((t.sources, t.guards, tuple(sorted(t.who.items()))), []).append(t.name)
    queues = []
    for names in groups.values():
        first = definition.transition(names[0])
        assert first is not None
        queues.append(
            Queue(
                name=first.name,
                label_zh=f"待{first.label_zh}",
                label_en=first.label_en,
                kind="todo",
                transitions=tuple(names),
            )
        )
    return tuple(queues)


def queues_for_role(
    definition: WorkflowDefinition, queues: tuple[Queue, ...], role: str
) -> list[Queue]:
    """The queues a role has, to-do first, each group in declaration order."""
    mine = [q for q in queues if role in q.roles(definition)]
    return [q for q in mine if q.kind == "todo"] + [q for q in mine if q.kind == "waiting"]
