"""`tracker demo --tickets N` above 1,000: the bulk path builds consistent, verifiable data."""

from __future__ import annotations

import io
import json
import logging

from helpers import NOW
from sqlalchemy import func, select

from tracker.core.logging_setup import json_handler
from tracker.demo import bulk_demo
from tracker.ops import audit
from tracker.tickets.models import Indicator, Ticket, TicketCodeCounter


def test_bulk_demo_makes_every_state_with_a_valid_history(app, db):  # type: ignore[no-untyped-def]
    bulk_demo(db, 1200, 7, NOW)
    assert db.exec(select(func.count()).select_from(Ticket)).one()[0] == 1200
    assert db.exec(select(func.count()).select_from(Indicator)).one()[0] == 1200
    states = {row[0] for row in db.exec(select(Ticket.state).distinct())}
    assert states == {"reported", "rectifying", "verified", "closed"}
    assert db.get(TicketCodeCounter, NOW.year).last == 1200
    codes = db.exec(select(Ticket.code).order_by(Ticket.id.desc()).limit(1)).one()[0]
    assert codes.endswith("-001200")
    result = audit.verify_chain(db)
    assert result.ok and result.tickets == 1200 and result.events > 2400


def test_json_log_lines() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tracker.test-json")
    logger.addHandler(json_handler(stream))
    logger.propagate = False
    logger.warning("backup written to %s", "/tmp/x", extra={"bytes": 12})
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "warning" and entry["message"] == "backup written to /tmp/x"
    assert entry["bytes"] == 12 and entry["logger"] == "tracker.test-json"
