"""Outbox keys keep their version-1 spelling: a key spelled anew re-sends every planned mail."""

from __future__ import annotations

from datetime import date

from helpers import NOW
from sqlmodel import select

from tracker.org.models import User
from tracker.reminders import jobs
from tracker.reminders.keys import KEY_VERSION, channel_key, event_of, outbox_key
from tracker.reminders.models import OutboxMessage, Rule


def test_version_one_spelling_of_every_kind() -> None:
    day = date(2026, 6, 15)
    assert KEY_VERSION == 1
    assert outbox_key(Rule.BEFORE, 7, date(2026, 6, 18), 3, 42) == "before:7:2026-06-18:3:42"
    assert outbox_key(Rule.STALE, 7, day, 2, 42) == "stale:7:2026-06-15:2:42"
    assert outbox_key(Rule.CADRE_DIGEST, 42, day) == "cadre_digest:42:2026-06-15"
    assert outbox_key(Rule.LEADER_DIGEST, 42, "2026-W25") == "leader_digest:42:2026-W25"
    assert outbox_key(Rule.NOTICE, 9, 42) == "notice:9:42"
    assert outbox_key(Rule.SUPERVISION_REPORT, 7, day, 1, 42) == (
        "supervision_report:7:2026-06-15:1:42"
    )
    assert outbox_key("robot:5", Rule.DAILY, day) == "robot:5:daily:2026-06-15"
    assert channel_key("daily:42:2026-06-15", "sms") == "daily:42:2026-06-15@sms"
    assert event_of("chase:9:42") == "chase:9"


def test_a_sweep_writes_the_keys_it_always_wrote(app, db, county, smtp, four_tickets) -> None:  # type: ignore[no-untyped-def]
    jobs.sweep(app, NOW)
    ids = {u.username: u.id for u in db.exec(select(User))}
    soon, late_b, very_late = (four_tickets[k].id for k in ("soon", "late_b", "very_late"))
    keys = set(db.exec(select(OutboxMessage.key).where(OutboxMessage.created_at >= NOW)))
    cadre_a, cadre_b = ids["cadre-a"], ids["cadre-b"]
    leader, leader_a, leader_b = ids["leader"], ids["leader-a"], ids["leader-b"]
    assert keys == {
        f"before:{soon}:2026-06-18:3:{cadre_a}",
        f"overdue:{late_b}:2026-06-13:2:{cadre_b}",
        f"overdue:{very_late}:2026-06-05:10:{cadre_a}",
        f"escalate:{late_b}:2026-06-13:{leader}",
        f"escalate:{late_b}:2026-06-13:{leader_b}",
        f"escalate:{very_late}:2026-06-05:{leader}",
        f"escalate:{very_late}:2026-06-05:{leader_a}",
        f"red:{very_late}:2026-06-05:{leader}",
        *(f"daily:{user}:2026-06-15" for user in (leader, leader_a, leader_b, cadre_a, cadre_b)),
    }
