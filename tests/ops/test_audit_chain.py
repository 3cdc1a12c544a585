"""The keyed history chain: what `tracker audit verify` names, and races that must not fork it."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from io import BytesIO

import pytest
from helpers import NOW
from PIL import Image
from sqlalchemy import text
from sqlmodel import Session
from werkzeug.datastructures import FileStorage

from tracker.core.db import get_engine, writer_bind
from tracker.evidence import service as evidence
from tracker.evidence import storage
from tracker.ops import audit
from tracker.ops.audit import BreakKind
from tracker.ops.cli import audit_group
from tracker.org.models import User
from tracker.reminders.chase import chase_ticket
from tracker.tickets import service
from tracker.tickets.chain import keys_from_config
from tracker.tickets.models import Ticket


def _verify(app) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(audit_group, ["verify"], env={"TRACKER_LANG": "en"})
    return result.exit_code, result.output


def _events(db, ticket) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        db.execute(
            text("SELECT id FROM ticket_event WHERE ticket_id = :t ORDER BY id"), {"t": ticket.id}
        ).scalars()
    )


@pytest.fixture
def history(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    """Two tickets; the first accepted and commented on (three events)."""
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", comment="已签收")
    service.add_comment(db, ticket, county.cadre_a, "正在清理", NOW)
    db.commit()
    make_ticket(title="另一个问题")
    return ticket


def test_a_sound_history_verifies(app, history):  # type: ignore[no-untyped-def]
    code, output = _verify(app)
    assert code == 0, output
    assert "4 events of 2 tickets, every chain intact" in output
    zh = app.test_cli_runner().invoke(audit_group, ["verify"])  # the configured default: zh
    assert "正常：2 个问题的 4 条记录，历史链完整" in zh.output


def test_deleting_the_last_event_is_named(app, db, history):  # type: ignore[no-untyped-def]
    ids = _events(db, history)
    db.execute(text("DELETE FROM ticket_event WHERE id = :id"), {"id": ids[-1]})
    db.commit()
    code, output = _verify(app)
    assert code == 1
    assert f"BROKEN ticket {history.id}: event {ids[-2]} does not end where" in output
    assert "2 of 3 events" in output and "[head]" in output


def test_deleting_the_last_event_and_rewinding_the_head_is_named(app, db, history):  # type: ignore[no-untyped-def]
    """Someone with SQL access who also moves the ticket's head back: the seal gives it away."""
    ids = _events(db, history)
    previous = db.execute(
        text("SELECT hash FROM ticket_event WHERE id = :id"), {"id": ids[-2]}
    ).scalar_one()
    db.execute(text("DELETE FROM ticket_event WHERE id = :id"), {"id": ids[-1]})
    db.execute(
        text("UPDATE ticket SET history_count = 2, history_head = :h WHERE id = :t"),
        {"h": previous, "t": history.id},
    )
    db.commit()
    code, output = _verify(app)
    assert code == 1 and f"ticket {history.id}: history the ticket row was changed" in output


def test_deleting_a_whole_history_is_named(app, db, history):  # type: ignore[no-untyped-def]
    db.execute(text("DELETE FROM ticket_event WHERE ticket_id = :t"), {"t": history.id})
    db.commit()
    code, output = _verify(app)
    assert code == 1
    assert f"ticket {history.id}: history does not end where" in output
    assert "0 of 3 events" in output


def test_a_chain_recomputed_without_the_key_is_named(app, db, history):  # type: ignore[no-untyped-def]
    """Edit a comment, then recompute every later hash and the head as plain SHA-256 did."""
    ids = _events(db, history)
    db.execute(text("UPDATE ticket_event SET comment = '已改写' WHERE id = :id"), {"id": ids[1]})
    previous = ""
    for event_id in ids:
        row = (
            db.execute(text("SELECT * FROM ticket_event WHERE id = :id"), {"id": event_id})
            .mappings()
            .one()
        )
        payload = {k: str(row[k]) for k in ("ticket_id", "kind", "comment", "created_at")}
        digest = hashlib.sha256(json.dumps([payload, previous]).encode()).hexdigest()
        db.execute(
            text("UPDATE ticket_event SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": previous, "h": digest, "id": event_id},
        )
        previous = digest
    db.execute(
        text("UPDATE ticket SET history_head = :h WHERE id = :t"), {"h": previous, "t": history.id}
    )
    db.commit()
    result = audit.verify_chain(db)
    assert [(b.ticket_id, b.event_id, b.kind) for b in result.breaks] == [
        (history.id, ids[0], BreakKind.CONTENT)
    ]


@pytest.mark.parametrize(
    ("column", "value"), [("state", "closed"), ("deadline", "2099-12-31"), ("version", 99)]
)
def test_editing_the_ticket_row_in_sql_is_named(app, db, history, column, value):  # type: ignore[no-untyped-def]
    db.execute(
        text(f"UPDATE ticket SET {column} = :v WHERE id = :t"), {"v": value, "t": history.id}
    )
    db.commit()
    code, output = _verify(app)
    assert code == 1
    assert f"ticket {history.id}: history the ticket row was changed outside" in output
    assert "[seal]" in output


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_replaced_or_deleted_attachment_is_named(app, db, county, history):  # type: ignore[no-untyped-def]
    upload = FileStorage(BytesIO(_png()), filename="现场.png", content_type="image/png")
    stored = evidence.store_many(
        db,
        history,
        county.cadre_a,
        [upload],
        "evidence",
        NOW,
        app.config,
        app.extensions["workflow"],
    ).added
    event = evidence.record_uploads(db, history, county.cadre_a, stored, NOW)
    db.commit()
    assert _verify(app)[0] == 0
    path = storage.file_path(app.config["UPLOAD_DIR"], stored[0].stored_name)
    original = path.read_bytes()
    path.write_bytes(original[:-8] + b"tampered")
    code, output = _verify(app)
    assert code == 1
    assert f"ticket {history.id}: event {event.id} added a file" in output
    assert "file was replaced" in output and "[attachment]" in output
    path.write_bytes(original)
    db.execute(text("UPDATE attachment SET sha256 = :h"), {"h": "0" * 64})
    db.commit()
    assert "row no longer matches" in _verify(app)[1]


def test_rotation_previous_keys_verify_and_rekey_moves_to_the_new_key(app, db, history):  # type: ignore[no-untyped-def]
    """From the key derived from SECRET_KEY (AUDIT_KEY unset) to a key of its own."""

    def configure(**settings) -> None:  # type: ignore[no-untyped-def]
        app.config.update(settings)
        app.extensions["audit_keys"] = keys_from_config(app.config)

    configure(AUDIT_KEY="a-new-key-" + "k" * 32)
    code, output = _verify(app)
    assert code == 1 and "[content]" in output  # the new key alone does not know the history
    configure(AUDIT_PREVIOUS_KEYS=[""])  # "": the key derived from SECRET_KEY
    assert _verify(app)[0] == 0
    rekeyed = app.test_cli_runner().invoke(audit_group, ["rekey"])
    assert rekeyed.exit_code == 0, rekeyed.output
    assert "已用当前 AUDIT_KEY 重新签名 2 个问题的 4 条记录" in rekeyed.output
    again = app.test_cli_runner().invoke(audit_group, ["rekey", "--lang", "en"])
    assert "re-keyed 4 events of 2 tickets" in again.output
    configure(AUDIT_PREVIOUS_KEYS=[])  # the old key dropped
    assert _verify(app)[0] == 0


RACE_SECONDS = 10
RACERS = 8


def test_chases_racing_comments_keep_one_chain(app, db, county, make_ticket):  # type: ignore[no-untyped-def]
    """8 threads chasing and commenting on one ticket for 10 s: every event on its own
    predecessor (before the ticket's row was locked, most of them forked the chain)."""
    ticket = make_ticket()
    db.commit()
    engine = get_engine(app)
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def race(slot: int) -> None:
        with app.app_context():
            while not stop.is_set():
                try:
                    with Session(writer_bind(engine), expire_on_commit=False) as session:
                        mine = session.get(Ticket, ticket.id)
                        user = session.get(User, county.inspector.id)
                        if slot % 2:
                            chase_ticket(session, mine, user, f"催办 {slot}", NOW)
                        else:
                            service.add_comment(session, mine, user, f"意见 {slot}", NOW)
                        session.commit()
                        written.append(slot)
                except BaseException as error:  # reported below
                    failures.append(error)
                    return

    threads = [threading.Thread(target=race, args=(slot,)) for slot in range(RACERS)]
    for thread in threads:
        thread.start()
    time.sleep(RACE_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures[:3]
    assert len(written) > 50
    db.rollback()
    result = audit.verify_chain(db)
    assert result.ok, [b.describe() for b in result.breaks[:5]]
    assert result.events == len(written) + 1
