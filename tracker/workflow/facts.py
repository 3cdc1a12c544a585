"""The facts about a ticket the engine reads, and the registries of guards and effects.

A workflow file names guards and effects; these registries are the only names it may use (the
definition validator checks against them), so a name cannot be declared without a meaning:
- `GUARDS`: guard name -> predicate on `Facts`;
- `EFFECTS`: effect name -> how it changes the `Facts` (empty: it touches none of them).
The ticket service carries the effects out on a stored ticket through its own registry
(`tracker/tickets/effects.py`), which must implement exactly the names declared here: the app
refuses to start otherwise, and tests check the two registries change the facts alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Facts:
    """What the engine needs to know about a ticket besides its state."""

    awaiting_verification: bool = False
    extension_pending: bool = False
    followup_pending: bool = False
    resolved_done: bool = False
    supervised: bool = False  # under special supervision (挂牌督办)
    # Return and reassign (退单/改派): the responsible unit may still return it (its window, in
    # working days after receiving it, has not passed), and a return waits for the dispatcher.
    return_window_open: bool = False
    return_pending: bool = False


GUARDS: Final[Mapping[str, Callable[[Facts], bool]]] = MappingProxyType(
    {
        "awaiting_verification": lambda f: f.awaiting_verification,
        "not_awaiting_verification": lambda f: not f.awaiting_verification,
        "extension_pending": lambda f: f.extension_pending,
        "no_extension_pending": lambda f: not f.extension_pending,
        "followup_pending": lambda f: f.followup_pending,
        "resolved_done": lambda f: f.resolved_done,
        "supervised": lambda f: f.supervised,
        "not_supervised": lambda f: not f.supervised,
        "return_window_open": lambda f: f.return_window_open,
        "return_pending": lambda f: f.return_pending,
        "no_return_pending": lambda f: not f.return_pending,
    }
)

EFFECTS: Final[Mapping[str, Mapping[str, bool]]] = MappingProxyType(
    {
        "mark_awaiting_verification": {"awaiting_verification": True},
        "clear_awaiting_verification": {"awaiting_verification": False},
        "count_rejection": {},
        "count_rebound": {},
        "request_extension": {"extension_pending": True},
        "approve_extension": {"extension_pending": False},
        "refuse_extension": {"extension_pending": False},
        "set_deadline": {},
        "mark_verified": {},
        # a closed ticket has no pending extension and no return (退单) to answer
        "resolve_done": {
            "resolved_done": True,
            "extension_pending": False,
            "return_pending": False,
            "return_window_open": False,
        },
        "resolve_withdrawn": {
            "resolved_done": False,
            "extension_pending": False,
            "return_pending": False,
            "return_window_open": False,
        },
        "clear_resolution": {"resolved_done": False, "awaiting_verification": False},
        # only when follow-ups are configured (FOLLOWUP_DAYS > 0); see tickets/effects.py
        "schedule_followup": {"followup_pending": True},
        "record_followup": {"followup_pending": False},
        # special supervision (挂牌督办); see tracker/tickets/effects.py
        "start_supervision": {"supervised": True},
        "record_progress": {},
        "lift_supervision": {"supervised": False},
        # return and reassign (退单/改派); see tracker/tickets/effects.py. A unit returns a finding
        # once: a refusal closes its window; a reassignment opens one for the new unit.
        "request_return": {"return_pending": True},
        "refuse_return": {"return_pending": False, "return_window_open": False},
        "reassign": {"return_pending": False, "return_window_open": True},
    }
)


def guards_hold(guards: Iterable[str], facts: Facts) -> bool:
    return all(GUARDS[guard](facts) for guard in guards)


def after(facts: Facts, effects: Iterable[str]) -> Facts:
    """The facts once `effects` are carried out, in order."""
    for effect in effects:
        facts = replace(facts, **EFFECTS[effect])
    return facts
