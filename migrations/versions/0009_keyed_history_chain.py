"""keyed history chain: each ticket keeps its chain's head and seal; events re-MACed with the key

Revision ID: keyed_history_chain
Revises: accounts_sessions
Create Date: 2026-12-03 04:40:00

The history was chained with plain SHA-256, which anyone with SQL access can recompute, and
nothing recorded where a history ended. This adds `history_count`, `history_head` and
`history_seal` to `ticket` and rewrites every event's `prev_hash`/`hash` as HMAC-SHA256 under
the audit key, which `tracker db upgrade` hands over (config.attributes["audit_key"]). Histories
are taken as they stand: run `tracker audit verify` on the old code first if in doubt.
The digest code is frozen here as it was on this date.
"""

import hashlib
import hmac
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import context, op

revision = "keyed_history_chain"
down_revision = "accounts_sessions"
branch_labels = None
depends_on = None

BATCH = 5000
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
EVENT = sa.table(
    "ticket_event",
    sa.column("id", sa.Integer),
    sa.column("ticket_id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("transition", sa.String),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("comment", sa.Text),
    sa.column("data", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
TICKET = sa.table(
    "ticket",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("deadline", sa.Date),
    sa.column("version", sa.Integer),
    sa.column("history_count", sa.Integer),
    sa.column("history_head", sa.String),
    sa.column("history_seal", sa.String),
)


def _mac(key: bytes, payload: object) -> str:
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hmac.new(key, encoded.encode("utf-8"), hashlib.sha256).hexdigest()


def _event_mac(key: bytes, row: dict) -> str:
    payload = {name: row[name] for name in DIGESTED}
    moment = row["created_at"]
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    payload["created_at"] = moment.isoformat()
    return _mac(key, payload)


def _rechain_events(conn, key: bytes) -> dict[int, tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Re-MAC every event in (ticket, id) order, a batch at a time; the head of each ticket."""
    heads: dict[int, tuple[int, str]] = {}
    after = (-1, -1)
    update = (
        EVENT.update()
        .where(EVENT.c.id == sa.bindparam("eid"))
        .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("mac"))
    )
    while True:
        rows = conn.execute(
            sa.select(EVENT)
            .where(sa.tuple_(EVENT.c.ticket_id, EVENT.c.id) > sa.tuple_(*after))
            .order_by(EVENT.c.ticket_id, EVENT.c.id)
            .limit(BATCH)
        ).mappings().all()
        if not rows:
            return heads
        changes = []
        for row in rows:
            count, previous = heads.get(row["ticket_id"], (0, ""))
            mac = _event_mac(key, {**row, "prev_hash": previous})
            changes.append({"eid": row["id"], "prev": previous, "mac": mac})
            heads[row["ticket_id"]] = (count + 1, mac)
        conn.execute(update, changes)
        after = (rows[-1]["ticket_id"], rows[-1]["id"])


def _seal_tickets(conn, key: bytes, heads: dict[int, tuple[int, str]]) -> None:  # type: ignore[no-untyped-def]
    update = (
        TICKET.update()
        .where(TICKET.c.id == sa.bindparam("tid"))
        .values(
            history_count=sa.bindparam("count"),
            history_head=sa.bindparam("head"),
            history_seal=sa.bindparam("seal"),
        )
    )
    after = -1
    while True:
        rows = conn.execute(
            sa.select(TICKET.c.id, TICKET.c.state, TICKET.c.deadline, TICKET.c.version)
            .where(TICKET.c.id > after)
            .order_by(TICKET.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for ticket_id, state, deadline, version in rows:
            count, head = heads.get(ticket_id, (0, ""))
            seal = _mac(
                key, ["seal", ticket_id, count, head, state, deadline.isoformat(), int(version)]
            )
            changes.append({"tid": ticket_id, "count": count, "head": head, "seal": seal})
        conn.execute(update, changes)
        after = rows[-1][0]


def upgrade() -> None:
    # Plain ALTER TABLE on every backend: a batch rebuild of `ticket` on SQLite would fail on the
    # foreign keys pointing at it and drop the rollup triggers.
    op.add_column(
        "ticket", sa.Column("history_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "ticket",
        sa.Column("history_head", sa.String(length=64), nullable=False, server_default=""),
    )
    op.add_column(
        "ticket",
        sa.Column("history_seal", sa.String(length=64), nullable=False, server_default=""),
    )
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(TICKET)).scalar_one() == 0:
        return
    key = context.config.attributes.get("audit_key")
    if not key:
        raise RuntimeError("the audit key is needed to re-chain the history: run `tracker db upgrade`")
    _seal_tickets(conn, key, _rechain_events(conn, key))


def downgrade() -> None:
    for column in ("history_seal", "history_head", "history_count"):
        op.drop_column("ticket", column)  # SQLite >= 3.35 drops a column in place
