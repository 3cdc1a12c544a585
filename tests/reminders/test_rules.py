"""Content, digests, no false alarms, chases, working days, crashes and concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from helpers import NOW, later
from sqlmodel import select

from tracker.core.db import get_engine, session_scope
from tracker.org.models import User
from tracker.reminders import jobs
from tracker.reminders.bundles import gather
from tracker.reminders.dispatcher import claim, dispatch
from tracker.reminders.messages import TicketView, build_message
from tracker.reminders.models import OutboxMessage, OutboxStatus, Rule
from tracker.reminders.planner import plan
from tracker.reminders.policy import Policy
from tracker.tickets.models import EventKind, TicketEvent

FILED = later(-20)


def _quiet(app, smtp, now=FILED):  # type: ignore[no-untyped-def]
    """Send the filing notices (once their gathering window is over) and forget them."""
    jobs.sweep(app, now)
    jobs.sweep(app, now + timedelta(minutes=11))
    smtp.clear()


def test_mail_content(app, db, county, smtp, make_ticket):  # type: ignore[no-untyped-def]
    county.cadre_b.locale = "en"
    db.add(county.cadre_b)
    db.commit()
    ticket = make_ticket(now=FILED, deadline=date(2026, 6, 18), title="垃圾堆未清理")
    late = make_ticket(now=FILED, deadline=date(2026, 6, 12), responsible_unit="town-b")
    _quiet(app, smtp)
    jobs.sweep(app, NOW)
    by_to = {m["To"]: m for m in smtp.messages if m["X-Tracker-Rule"] in ("before", "overdue")}
    before = by_to["cadre-a@example.org"]
    assert ticket.code in before["Subject"] and "3" in before["Subject"]
    assert before["Content-Language"] == "zh"
    text = before.get_body(("plain",)).get_content()
    html = before.get_body(("html",)).get_content()
    for part in (text, html):
        assert ticket.code in part and "垃圾堆未清理" in part
        assert "2026-06-18" in part  # the local deadline
        assert f"http://tracker.example/tickets/{ticket.id}" in part
        assert "青山乡" in part  # the responsible unit
    assert "3 days left" not in text  # Chinese by default (the days left are in it as a number)
    assert html.lstrip().startswith("<!doctype html>")
    overdue = by_to["cadre-b@example.org"]
    assert overdue["Content-Language"] == "en"
    assert (
        late.code in overdue["Subject"]
        and "3 days overdue" in overdue.get_body(("plain",)).get_content()
    )


def test_cadre_digest_gathers_tickets(app, db, county, smtp, make_ticket, reminders_config):  # type: ignore[no-untyped-def]
    reminders_config(DAILY_CADRE_DIGEST=True, LEADER_DIGEST_WEEKDAY=1, ESCALATE_AFTER_DAYS=0)
    codes = [
        make_ticket(now=FILED, deadline=d).code
        for d in (date(2026, 6, 16), date(2026, 6, 15), date(2026, 6, 10))
    ]
    make_ticket(now=FILED, deadline=date(2026, 7, 30))  # not due: not in the digest
    _quiet(app, smtp)
    jobs.sweep(app, NOW)  # a Monday: the weekly leader digest too
    assert smtp.received() == {
        ("cadre-a", "cadre_digest"),
        ("leader-a", "leader_digest"),
        ("leader", "leader_digest"),
    }
    digest = next(m for m in smtp.messages if m["X-Tracker-Rule"] == "cadre_digest")
    body = digest.get_body(("plain",)).get_content()
    assert all(code in body for code in codes) and "3" in digest["Subject"]
    leader = next(m for m in smtp.messages if m["To"] == "leader-a@example.org")
    assert codes[2] in leader.get_body(("html",)).get_content() and codes[0] not in str(leader)
    smtp.clear()
    jobs.sweep(app, later(0.1))
    assert smtp.messages == []


def test_changed_ticket_is_not_reminded(app, db, county, smtp, make_ticket, move, workflow):  # type: ignore[no-untyped-def]
    ticket = make_ticket(now=FILED, deadline=date(2026, 6, 18))
    move(ticket, county.cadre_a, "accept", now=FILED)
    _quiet(app, smtp)
    with session_scope(app) as session:
        plan(session, NOW, app.config, workflow)
    # the unit reports completion after the reminder was planned: the clock stops
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=NOW,
        comment="done",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
    )
    result = dispatch(get_engine(app), NOW, app.config, workflow)
    assert result.cancelled == 2  # the reminder, and the daily message left with nothing to say
    assert ("cadre-a", "before") not in smtp.received()
    row = db.exec(select(OutboxMessage).where(OutboxMessage.rule == "before")).one()
    assert row.status == OutboxStatus.CANCELLED and "clock stopped" in row.last_error


def test_reopened_ticket_follows_new_deadline(app, db, county, smtp, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket(now=FILED, deadline=date(2026, 6, 12))
    move(ticket, county.cadre_a, "accept", now=FILED)
    _quiet(app, smtp)
    jobs.sweep(app, later(-4))  # 2026-06-11: one day left
    assert ("cadre-a", "before") in smtp.received()
    achieved = [{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}]
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=later(-3.9),
        comment="ok",
        indicators=achieved,
    )
    move(ticket, county.inspector, "verify", now=later(-3.8))
    move(ticket, county.leader_a, "close", now=later(-3.7))
    move(
        ticket,
        county.inspector,
        "rebound",
        now=later(-0.1),
        comment="又堆起来了",
        deadline=date(2026, 6, 18),
    )
    jobs.sweep(app, NOW)  # old deadline 3 days overdue: nothing about it; new one 3 days left
    assert ("cadre-a", "daily") in smtp.received()  # the rebound notice and the reminder
    db.rollback()
    sent = db.exec(
        select(OutboxMessage.key).where(
            OutboxMessage.ticket_id == ticket.id, OutboxMessage.status == OutboxStatus.BUNDLED
        )
    ).all()
    assert any(k.startswith(f"before:{ticket.id}:2026-06-18:3:") for k in sent)
    assert not any(k.startswith("overdue") for k in sent)


def test_opt_out_spares_reminders_not_escalations(
    app, db, county, smtp, make_ticket, client, as_user
):  # type: ignore[no-untyped-def]
    make_ticket(now=FILED, deadline=date(2026, 6, 12))
    _quiet(app, smtp)
    as_user(county.cadre_a)
    assert client.get("/account/notifications").status_code == 200
    assert client.post("/account/notifications", data={}).status_code == 302
    jobs.sweep(app, NOW)
    received = smtp.received()
    assert ("cadre-a", "overdue") not in received
    assert ("leader-a", "escalate") in received


def test_chase_goes_through_history_and_outbox(app, db, county, smtp, make_ticket, client, as_user):  # type: ignore[no-untyped-def]
    # The chase is stamped by the request's real clock, so the ticket lives on that clock too:
    # filed now with a deadline weeks ahead, nothing but the chase is due when the sweep runs.
    filed = datetime.now(UTC)
    ticket = make_ticket(now=filed, deadline=(filed + timedelta(days=60)).date())
    _quiet(app, smtp, filed)
    as_user(county.cadre_a)
    assert client.post(f"/tickets/{ticket.id}/chase").status_code == 403
    as_user(county.leader_b)  # not in charge of town A: cannot even see it
    assert client.post(f"/tickets/{ticket.id}/chase").status_code == 404
    as_user(county.leader_a)
    page = client.get(f"/tickets/{ticket.id}")
    assert f"/tickets/{ticket.id}/chase".encode() in page.data
    response = client.post(f"/tickets/{ticket.id}/chase", data={"comment": "请本周内完成"})
    assert response.status_code == 302
    events = db.exec(select(TicketEvent).where(TicketEvent.kind == EventKind.CHASE)).all()
    assert len(events) == 1 and events[0].actor_id == county.leader_a.id
    assert smtp.messages == []  # nothing sent during the request
    jobs.sweep(app, datetime.now(UTC) + timedelta(minutes=1))
    assert smtp.received() == {("cadre-a", "chase")}
    assert "请本周内完成" in smtp.messages[0].get_body(("plain",)).get_content()


def test_detail_shows_escalation_level(app, db, county, smtp, make_ticket, as_user, client):  # type: ignore[no-untyped-def]
    from tracker.reminders.escalation import escalation_of

    ticket = make_ticket(now=FILED, deadline=date(2026, 6, 12))
    policy = Policy.from_config(app.config)
    wf = app.extensions["workflow"]
    assert escalation_of(ticket, wf, policy, later(-5)).level == "blue"
    assert escalation_of(ticket, wf, policy, NOW).level == "yellow"
    assert escalation_of(ticket, wf, policy, later(5)).level == "red"
    as_user(county.cadre_a)
    page = client.get(f"/tickets/{ticket.id}")
    assert b'data-escalation="' in page.data  # shown now (the real clock is past the deadline)


def test_killed_dispatch_loses_nothing(app, db, county, smtp, make_ticket, workflow):  # type: ignore[no-untyped-def]
    make_ticket(now=FILED, deadline=date(2026, 6, 12))
    make_ticket(now=FILED, deadline=date(2026, 6, 18))
    _quiet(app, smtp)
    engine = get_engine(app)
    with session_scope(app) as session:
        planned = plan(session, NOW, app.config, workflow).added
    # 1. a dispatcher dies inside its claim transaction: nothing was changed
    conn = engine.connect().execution_options(sqlite_immediate=True)
    trans = conn.begin()
    conn.execute(select(OutboxMessage.id).with_for_update(skip_locked=True)).all()
    trans.rollback()
    conn.close()
    # 2. a dispatcher claims rows, then dies before sending them
    policy = Policy.from_config(app.config)
    messages = gather(engine, NOW, policy)  # one message per person
    claimed = claim(engine, NOW, policy, "dead-dispatcher", limit=2)
    assert len(claimed) == 2
    first = dispatch(engine, NOW, app.config, workflow)
    assert first.sent == messages - 2  # the others go out; the claimed two wait for their lease
    after_lease = NOW + timedelta(minutes=policy.lease_minutes + 1)
    assert dispatch(engine, after_lease, app.config, workflow).sent == 2
    assert planned > messages == len(smtp.messages) == len(set(smtp.keys()))


def test_working_days_across_national_day(app, db, county, smtp, make_ticket, reminders_config):  # type: ignore[no-untyped-def]
    reminders_config(WORKING_DAYS=True)
    filed = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
    make_ticket(now=filed, deadline=date(2026, 10, 9))
    _quiet(app, smtp, filed)
    seen: dict[str, set] = {}
    day = date(2026, 9, 21)
    while day <= date(2026, 10, 13):
        smtp.clear()
        jobs.sweep(app, datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))
        got = {rule for user, rule in smtp.received() if user == "cadre-a"}
        if got:
            seen[day.isoformat()] = got
        day += timedelta(days=1)
    assert seen == {
        "2026-09-29": {"before"},  # 3 working days before (Sep 30, Oct 8, Oct 9)
        "2026-10-08": {"before"},  # 1 working day left; nothing during the holiday Oct 1–7
        "2026-10-09": {"due"},
        "2026-10-10": {"overdue"},  # a Saturday, but a make-up working day
        "2026-10-12": {"overdue"},  # Sunday the 11th is a rest day
        "2026-10-13": {"overdue"},
    }


@pytest.mark.postgres_only
def test_two_dispatch_processes_send_each_mail_once(app, db, county, smtp, make_ticket, workflow):  # type: ignore[no-untyped-def]
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL")
    for n in range(12):
        make_ticket(now=FILED, deadline=date(2026, 6, 10 + n % 9))
    _quiet(app, smtp)
    with session_scope(app) as session:
        planned = plan(session, NOW, app.config, workflow).added
    env = {
        **os.environ,
        "TRACKER_ENV": "development",
        "TRACKER_DATABASE_URL": app.config["DATABASE_URL"],
        "TRACKER_MAIL_SERVER": "127.0.0.1",
        "TRACKER_MAIL_PORT": str(smtp.port),
        "TRACKER_MAIL_SUPPRESS_SEND": "false",
        "TRACKER_REMINDERS__BATCH_SIZE": "2",
        "TRACKER_REMINDERS__DAILY_CADRE_DIGEST": "false",
        "TRACKER_REMINDERS__LEADER_DIGEST_WEEKDAY": "0",
        "TRACKER_REMINDERS__STALE_AFTER_DAYS": "0",
    }
    command = [
        os.path.join(os.path.dirname(sys.executable), "tracker"),
        "reminders",
        "sweep",
        "--now",
        NOW.isoformat(),
    ]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in runs]
    assert all(p.returncode == 0 for p in runs), outputs
    db.rollback()
    left = db.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.HELD)).all()
    sent = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at >= NOW
        )
    ).all()
    assert planned > len(sent) and not left  # every item went out, gathered
    assert len(smtp.messages) == len(sent) == len(set(smtp.keys()))


def test_a_digest_line_is_rendered_once_per_language_and_reads_as_before(app):  # type: ignore[no-untyped-def]
    """A ticket in a cadre's and a leader's digest: its line is rendered once per language and
    shared (bench/RESULTS.md, issue 17); the text and HTML read as the template loop wrote them."""
    ticket = TicketView(1, "XC-1", 'Drain <b>&"', "Town & <u>", "2026-06-18", -5, "https://t/1")
    other = TicketView(2, "XC-2", "Fence", "Town", "2026-06-20", 3, "https://t/2")
    with app.app_context():
        workflow = app.extensions["workflow"]
        cadre = User(name="cadre", email="c@example.com", locale="en")
        leader = User(name="leader", email="l@example.com", locale="en")
        first = build_message(Rule.CADRE_DIGEST, {"total": 2}, cadre, [ticket, other], workflow)
        rendered = dict(ticket.lines)
        second = build_message(Rule.LEADER_DIGEST, {"total": 1}, leader, [ticket], workflow)
    assert set(rendered) == {("en", "txt"), ("en", "html")}
    assert ticket.lines == rendered  # the leader's digest reused the cadre's lines
    line = (
        '- XC-1 Drain <b>&"\n  Town & <u> · Deadline 2026-06-18 (5 days overdue)\n  https://t/1\n'
    )
    assert line in first.body and line in second.body
    assert first.body.index(line) < first.body.index("- XC-2 Fence")
    row = (
        '<tr><td><a href="https://t/1">XC-1</a> Drain &lt;b&gt;&amp;&#34;</td>'
        "<td>Town &amp; &lt;u&gt;</td><td>2026-06-18 (5 days overdue)</td></tr>\n</table>"
    )
    assert row in second.html
