"""One message per person: the notice window gathers bursts, the daily message gathers the day,
and 30 simulated days never send anyone two scheduled messages a day on any channel (e-mail, a
group robot, SMS) or lose a due reminder."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import NOW, later
from robots_server import RobotServer
from sqlmodel import select

from tracker.core.clock import local_date
from tracker.core.db import get_engine
from tracker.core.errors import ServiceError
from tracker.org.models import User
from tracker.reminders import jobs
from tracker.reminders.models import OutboxMessage, OutboxStatus
from tracker.reminders.robots import add_robot
from tracker.tickets.models import Ticket

MINUTE = timedelta(minutes=1)
ZONE = ZoneInfo("Asia/Shanghai")


def _overdue_all_day(db, ticket: Ticket, day: date) -> bool:  # type: ignore[no-untyped-def]
    db.refresh(ticket)
    running = ticket.state in ("reported", "rectifying") and not ticket.is_awaiting_verification
    return running and ticket.deadline < day


def test_an_import_of_30_findings_is_one_message(app, db, county, smtp, make_ticket):  # type: ignore[no-untyped-def]
    tickets = [
        make_ticket(now=NOW + n * 2 * MINUTE / 30, deadline=date(2026, 7, 30)) for n in range(30)
    ]
    jobs.sweep(app, NOW + 5 * MINUTE)
    assert smtp.messages == []  # the window is still gathering
    jobs.sweep(app, NOW + 11 * MINUTE)
    assert smtp.received() == {("cadre-a", "notices")}
    [message] = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert "新交办问题 (30)" in text and all(t.code in text for t in tickets)
    assert "30" in message["Subject"]
    jobs.sweep(app, NOW + 30 * MINUTE)
    assert len(smtp.messages) == 1


def test_night_notices_come_with_the_morning_message(app, db, county, smtp, make_ticket):  # type: ignore[no-untyped-def]
    late = make_ticket(now=later(-20), deadline=date(2026, 6, 14))
    jobs.sweep(app, later(-20) + 11 * MINUTE)
    smtp.clear()
    night = later(-0.4)  # 2026-06-14 22:24 local, outside the sending window
    new = make_ticket(now=night, deadline=date(2026, 7, 30))
    jobs.sweep(app, night + 20 * MINUTE)
    assert smtp.messages == []
    jobs.sweep(app, NOW)  # 10:00: one message with the overdue ticket and the night's notice
    assert smtp.received() == {
        ("cadre-a", "daily"),
        ("leader-a", "escalate"),
        ("leader", "escalate"),
    }
    daily = next(m for m in smtp.messages if m["To"].startswith("cadre-a"))
    text = daily.get_body(("plain",)).get_content()
    assert late.code in text and new.code in text


UNIT_CADRE: dict[int, str] = {}


def _step(moment) -> timedelta:  # type: ignore[no-untyped-def]
    """Every 15 minutes while messages go out (08:00-20:00), hourly at night when only the
    planner works and nothing is sent: 1,800 sweeps instead of 2,880, the same checkpoints."""
    hour = moment.astimezone(ZONE).hour
    return 15 * MINUTE if 8 <= hour < 20 else 60 * MINUTE


@pytest.mark.slow
def test_thirty_days_one_scheduled_message_a_day_and_nothing_lost(
    app, db, county, smtp, workflow, make_ticket, move, reminders_config
):  # type: ignore[no-untyped-def]
    if get_engine(app).dialect.name == "postgresql":
        # The rules are the same on both databases, and the PostgreSQL-only paths (SKIP LOCKED,
        # the gatherer's advisory lock) have their own test.
        pytest.skip("a SQLite run covers the simulation")
    reminders_config(STALE_AFTER_DAYS=4, LEADER_DIGEST_WEEKDAY=1, DAILY_CADRE_DIGEST=False)
    robots_http = RobotServer(per_minute=10**6)
    robots_http.start()
    app.config["CHANNELS"] = {"SMS": {"url": f"{robots_http.url}/sms"}}
    robot = add_robot(
        db,
        county.town_a,
        "wecom",
        "青山乡群",
        f"{robots_http.url}/cgi-bin/webhook/send?key=good-key",
    )
    for user, mobile, chosen in (
        (county.cadre_b, "13800000002", ["sms"]),  # chose SMS: gets every message by it too
        (county.leader, "13800000009", []),  # chose nothing: escalations still come by SMS
    ):
        person = db.get(User, user.id)
        person.mobile, person.notify_channels = mobile, chosen
        db.add(person)
    db.commit()
    rng = random.Random(17)
    UNIT_CADRE.update({county.town_a.id: "cadre-a", county.town_b.id: "cadre-b"})
    start = later(-30)
    indicators = [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}]
    steps = {
        # (state, awaiting verification): what someone may do next
        ("reported", False): [("accept", county.cadre_a, {})],
        ("rectifying", False): [
            ("report_completion", county.cadre_a, {"comment": "ok", "indicators": indicators}),
            ("request_extension", county.cadre_a, {"comment": "雨天", "deadline": None}),
            ("approve_extension", county.leader_a, {}),
        ],
        ("rectifying", True): [
            ("verify", county.inspector, {}),
            ("reject", county.inspector, {"comment": "未整改到位"}),
        ],
        ("verified", False): [("close", county.leader_a, {})],
        ("closed", False): [("rebound", county.inspector, {"comment": "反弹", "deadline": None})],
    }
    tickets: list[Ticket] = []
    at_midnight: dict[int, int] = {}  # ticket id -> version at the day's start, if overdue
    due: list[tuple[int, str, str]] = []  # (ticket, unit code, day): overdue the whole day
    moment = start
    while moment < start + timedelta(days=30):
        local = moment.astimezone(ZONE)
        if (local.hour, local.minute) in ((0, 0), (23, 0)):
            day = local.date()
            overdue = {t.id: t.version for t in tickets if _overdue_all_day(db, t, day)}
            unit = {t.id: t.responsible_unit_id for t in tickets}
            db.rollback()  # end the read: the sweeps write on their own connections
            if local.hour == 0:
                at_midnight = overdue
            else:
                due += [
                    (tid, UNIT_CADRE[unit[tid]], day.isoformat())
                    for tid, version in overdue.items()
                    if at_midnight.get(tid) == version
                ]
        steps_of_15 = _step(moment) // (15 * MINUTE)  # the same chances per hour, night or day
        if rng.random() < 1 - 0.95**steps_of_15:  # about five filings a day, at any hour
            unit = rng.choice(["town-a", "town-b"])
            deadline = local_date(moment, "Asia/Shanghai") + timedelta(days=rng.randint(0, 6))
            tickets.append(make_ticket(now=moment, deadline=deadline, responsible_unit=unit))
        if tickets and rng.random() < 1 - 0.9**steps_of_15:
            ticket = rng.choice(tickets)
            db.refresh(ticket)
            options = steps.get((ticket.state, ticket.is_awaiting_verification), [])
            if options:
                name, actor, inputs = rng.choice(options)
                if "deadline" in inputs:
                    inputs = {**inputs, "deadline": ticket.deadline + timedelta(days=3)}
                try:
                    move(ticket, actor, name, now=moment, **inputs)
                except ServiceError:
                    db.rollback()
        jobs.sweep(app, moment)
        moment += _step(moment)
    jobs.sweep(app, moment + timedelta(days=1))  # the last evening's items go out next morning
    robots_http.stop()

    db.rollback()
    scheduled: Counter = Counter()
    for message in smtp.messages:
        key = message["X-Tracker-Key"]
        if key.startswith("daily:"):
            day = key.split(":")[2]
            scheduled[(message["To"], day)] += 1
    assert scheduled and max(scheduled.values()) == 1
    keys = smtp.keys()
    assert len(keys) == len(set(keys))  # nothing sent twice
    rows = db.exec(select(OutboxMessage)).all()
    by_id = {r.id: r for r in rows}
    assert not [r for r in rows if r.status in (OutboxStatus.HELD, OutboxStatus.PENDING)]
    # every item went out in a sent message, or was dropped for a reason it could name
    for row in rows:
        if row.status == OutboxStatus.BUNDLED:
            assert by_id[row.bundle_id].status == OutboxStatus.SENT, row
        else:
            assert row.status in (OutboxStatus.SENT, OutboxStatus.CANCELLED), row
            assert row.status == OutboxStatus.SENT or row.last_error
    # no due reminder is missing: a ticket overdue all day long is in that day's message
    texts = {m["X-Tracker-Key"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
    codes = {t.id: t.code for t in tickets}
    users = {"cadre-a": county.cadre_a.id, "cadre-b": county.cadre_b.id}
    assert due
    for tid, cadre, day in due:
        assert codes[tid] in texts.get(f"daily:{users[cadre]}:{day}", ""), (tid, cadre, day)
    # and no item is in two messages: each bundled item names one bundle
    items = defaultdict(set)
    for row in rows:
        if row.bundle_id:
            items[row.id].add(row.bundle_id)
    assert all(len(b) == 1 for b in items.values())
    # the channels: one row per (recipient, channel, message), each sent once or dropped with a
    # reason, at most one daily message per person (or group) per channel per day
    channel_rows = [r for r in rows if r.channel != "email"]
    assert {r.channel for r in channel_rows} == {f"robot:{robot.id}", "sms"}
    for row in channel_rows:
        assert row.status == OutboxStatus.SENT or (
            row.status == OutboxStatus.CANCELLED and row.last_error
        ), row
    daily = Counter(
        (r.channel, r.recipient_id, r.key.split(":daily:")[-1].split(":")[-1].split("@")[0])
        for r in channel_rows
        if r.rule == "daily" and r.status == OutboxStatus.SENT
    )
    assert daily and max(daily.values()) == 1
    sent = Counter(r.channel for r in channel_rows if r.status == OutboxStatus.SENT)
    markdown = [
        p for p in robots_http.of("/cgi-bin/webhook/send") if p.body["msgtype"] == "markdown"
    ]
    assert len(markdown) == sent[f"robot:{robot.id}"]  # nothing posted twice, nothing lost
    assert len(robots_http.of("/sms")) == sent["sms"]
    assert all(len(p.body["markdown"]["content"].encode()) <= 4096 for p in markdown)
    robot_days = {
        r.key.rsplit(":", 1)[1]
        for r in channel_rows
        if r.key.startswith(f"robot:{robot.id}:daily:") and r.status == OutboxStatus.SENT
    }
    sms_days = {
        r.key.split(":")[2].split("@")[0]
        for r in channel_rows
        if r.channel == "sms"
        and r.rule == "daily"
        and r.recipient_id == county.cadre_b.id
        and r.status == OutboxStatus.SENT
    }
    for _tid, cadre, day in due:  # the group and the SMS got each day's due reminders too
        assert day in (robot_days if cadre == "cadre-a" else sms_days), (cadre, day)
