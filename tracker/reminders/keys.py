"""Outbox keys: the one place that spells them.

A key names one outbox row: what it is (its rule, or a robot or channel), what it is about (a
ticket and its deadline, an event, a day or week) and, last, for whom. The outbox keeps a key once,
which is what makes planning idempotent; so a key's spelling is stored data: spelling a mail's key
differently re-plans, and re-sends, every mail already in the outbox.

`KEY_VERSION` names the spelling. Version 1, the spelling the outbox has held since the start, is
`<kind>:<part>:...:<part>`, each part in its `str()` form (a date is ISO, `2026-06-15`), with no
version mark. A later version must start its keys with `v<N>:`, so that no new key can equal an
old one by accident, and say in its migration what becomes of rows keyed the old way.
`tests/reminders/test_keys.py` pins the version-1 spelling of every kind.
"""

from __future__ import annotations

KEY_VERSION = 1


def outbox_key(kind: str, *parts: object) -> str:
    """`kind:part:...`: the key of one outbox row (version 1; see the module's note)."""
    return ":".join((kind, *map(str, parts)))


def channel_key(message_key: str, channel: str) -> str:
    """The key of a message's row on another channel than e-mail: `key@channel`."""
    return f"{message_key}@{channel}"


def event_of(key: str) -> str:
    """A per-recipient key without its recipient: what every recipient's row shares."""
    return key.rsplit(":", 1)[0]
