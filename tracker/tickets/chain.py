"""The history chain's key and digests: each event is MACed with its predecessor's MAC.

A plain hash can be recomputed by anyone who can write SQL; an HMAC needs `AUDIT_KEY`, which is
kept outside the database (a setting, an environment variable). Each ticket row keeps the
chain's head (`history_count`, `history_head`) and a seal over that head and the ticket's
`state`, `deadline` and `version`, so a deleted last event, a deleted history or a ticket row
edited in SQL no longer matches. Changing the key: docs/deploy.md ("Audit key rotation").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app

from tracker.core.clock import as_utc

# The event fields the MAC covers (all but its id and its own MAC), in a fixed order.
DIGESTED = (
    "ticket_id",
    "actor_id",
    "kind",
    "transition",
    "from_state",
    "to_state",
    "comment",
    "data",
    "created_at",
    "prev_hash",
)
# What an empty AUDIT_KEY is derived from SECRET_KEY with (so that a chain is always keyed).
_DERIVATION_LABEL = b"tracker audit chain v2"


@dataclass(frozen=True)
class AuditKeys:
    """The key new MACs are made with, and older keys still accepted when checking."""

    current: bytes
    previous: tuple[bytes, ...] = ()
    derived: bool = False  # True when AUDIT_KEY is empty and the key comes from SECRET_KEY

    @property
    def all(self) -> tuple[bytes, ...]:
        return (self.current, *self.previous)


def _key_bytes(value: str, secret_key: str) -> tuple[bytes, bool]:
    if value:
        return value.encode("utf-8"), False
    derived = hmac.new(secret_key.encode("utf-8"), _DERIVATION_LABEL, hashlib.sha256).digest()
    return derived, True


def keys_from_config(config: Mapping[str, Any]) -> AuditKeys:
    """AUDIT_KEY (else derived from SECRET_KEY) and AUDIT_PREVIOUS_KEYS.

    An empty entry in AUDIT_PREVIOUS_KEYS stands for the key derived from SECRET_KEY: the one in
    use until AUDIT_KEY was first set.
    """
    secret = str(config.get("SECRET_KEY") or "")
    current, derived = _key_bytes(str(config.get("AUDIT_KEY") or ""), secret)
    previous = config.get("AUDIT_PREVIOUS_KEYS") or []
    if isinstance(previous, str):
        previous = [previous]
    older = tuple(_key_bytes(str(key), secret)[0] for key in previous)
    return AuditKeys(current, older, derived)


def init_app(app: Flask) -> None:
    app.extensions["audit_keys"] = keys_from_config(app.config)


def current_keys() -> AuditKeys:
    return current_app.extensions["audit_keys"]


def _mac(key: bytes, payload: object) -> str:
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hmac.new(key, encoded.encode("utf-8"), hashlib.sha256).hexdigest()


def event_mac(key: bytes, row: Mapping[str, Any]) -> str:
    """The MAC of an event given as a mapping of its columns (predecessor's MAC included)."""
    payload = {name: row[name] for name in DIGESTED}
    payload["created_at"] = as_utc(row["created_at"]).isoformat()
    return _mac(key, payload)


def event_fields(event: object) -> dict[str, Any]:
    return {name: getattr(event, name) for name in DIGESTED}


def head_seal(
    key: bytes, ticket_id: int, count: int, head: str, state: str, deadline: date, version: int
) -> str:
    """The seal of a ticket row: its chain's head and the fields the history must explain."""
    return _mac(
        key,
        ["seal", ticket_id, count, head, state, deadline.isoformat(), int(version)],
    )


def matches(keys: Sequence[bytes], expected: str, compute: Callable[..., str], *args: Any) -> bool:
    """Whether `compute(key, *args)` gives `expected` for one of `keys` (current first)."""
    return any(hmac.compare_digest(compute(key, *args), expected) for key in keys)
