"""Sweeps against a real SMTP server: the right people get the right mails, once."""

from __future__ import annotations

from helpers import NOW, later
from sqlmodel import select

from tracker.reminders import jobs
from tracker.reminders.models import OutboxMessage, OutboxStatus


def test_right_people_get_right_mails(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    result = jobs.sweep(app, NOW)
    assert smtp.received() == {
        ("cadre-a", "daily"),  # soon: 3 days left, and very_late, overdue: one message
        ("cadre-b", "overdue"),  # late_b: 2 days overdue (alone: reads as its own mail)
        ("leader-b", "escalate"),  # ... escalated to the leaders in charge of town B
        ("leader-a", "escalate"),  # very_late
        ("leader", "daily"),  # late_b escalated, very_late red: to the county leaders
    }
    assert len(smtp.messages) == result.dispatch.sent == 5  # one per person
    assert result.dispatch.failed == 0
    daily = {m["To"].split("@")[0]: m for m in smtp.messages}
    cadre = daily["cadre-a"].get_body(("plain",)).get_content()
    assert "即将到期 (1)" in cadre and "逾期 (1)" in cadre
    leader = daily["leader"].get_body(("plain",)).get_content()
    # very_late crossed the escalation and the red level: listed once, at red
    assert leader.count(four_tickets["very_late"].code) == 1
    assert "红色预警" in leader and "red" not in leader


def test_sweeping_twice_sends_nothing_more(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    jobs.sweep(app, NOW)
    first = len(smtp.messages)
    again = jobs.sweep(app, NOW)
    later_same_day = jobs.sweep(app, later(0.2))
    assert again.plan.added == later_same_day.plan.added == 0
    assert len(smtp.messages) == first
    assert len(set(smtp.keys())) == first


def test_next_day_overdue_reminders_continue(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    jobs.sweep(app, NOW)
    smtp.clear()
    jobs.sweep(app, later(1))
    # overdue reminders are daily; escalations and red alerts were already given for this deadline
    assert smtp.received() == {("cadre-a", "overdue"), ("cadre-b", "overdue")}


def test_no_mail_at_night(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    night = later(0.5)  # 22:00 local
    result = jobs.sweep(app, night)
    assert result.plan.added > 0 and smtp.messages == []
    jobs.sweep(app, later(0.95))  # 08:48 local next morning
    assert smtp.messages


def test_smtp_down_loses_nothing(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    smtp.stop()
    result = jobs.sweep(app, NOW)  # does not raise
    assert result.dispatch.sent == 0 and result.dispatch.failed == 5
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)).all()
    assert len(rows) == 5 and all("Connection" in r.last_error for r in rows)
    smtp.start()
    jobs.sweep(app, later(1 / 24 / 60 * 2))  # before the back-off: nothing yet
    assert smtp.messages == []
    jobs.sweep(app, later(1 / 24 / 6))  # 10 minutes later
    jobs.sweep(app, later(1 / 24 / 3))
    assert len(smtp.messages) == 5
    assert len(set(smtp.keys())) == 5


def test_given_up_after_max_attempts(app, db, county, smtp, four_tickets, client, as_user):  # type: ignore[no-untyped-def]
    smtp.stop()
    for hours in (0, 1, 2, 3):
        jobs.sweep(app, later(hours / 24))
    given_up = db.exec(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.GIVEN_UP)
    ).all()
    assert len(given_up) == 5 and all(r.attempts == 3 for r in given_up)
    # the admin sees them and resends one
    as_user(county.admin)
    page = client.get("/admin/outbox?status=given_up")
    assert page.status_code == 200 and b"given_up" in page.data
    response = client.post(f"/admin/outbox/{given_up[0].id}/resend")
    assert response.status_code == 302
    smtp.start()
    jobs.sweep(app, later(0.25))
    assert len(smtp.messages) == 1


def test_hanging_server_does_not_hang_the_sweep(
    app, mail_app, db, county, smtp, four_tickets, hanging_smtp
):  # type: ignore[no-untyped-def]
    """The socket timeout ends each wait: every row fails with "timed out", none waits on."""
    stuck = mail_app(hanging_smtp, MAIL_TIMEOUT=1)
    result = jobs.sweep(stuck, NOW)
    assert result.dispatch.sent == 0 and result.dispatch.failed == 5
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)).all()
    assert rows and all("timed out" in r.last_error.lower() for r in rows)


def test_every_part_of_every_mail_is_well_formed(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    """Mails are written under compat32 with random boundaries, in a thread ahead of the sender
    (messages.MailMessage, render_ahead): read back by the standard library's strict policy,
    no part has a defect, every text decodes, each multipart has a boundary of its own."""
    result = jobs.sweep(app, NOW)
    sent = {
        r.key
        for r in db.exec(select(OutboxMessage).where(OutboxMessage.status == "sent"))
        if r.channel == "email"
    }
    boundaries = []
    for message in smtp.messages:
        assert message["X-Tracker-Key"] in sent
        assert "\ufffd" not in message["Subject"] and message["Subject"].isprintable()
        for part in message.walk():
            assert not part.defects
            if part.is_multipart():
                boundaries.append(part.get_boundary())
            else:
                assert part.get_content_charset() == "utf-8" and part.get_content().strip()
    assert len(smtp.messages) == result.dispatch.sent == 5
    assert len(boundaries) == len(set(boundaries)) == 2 * len(smtp.messages)  # mixed, alternative


def test_mail_ids_threads_and_unsubscribe(app, db, county, smtp, four_tickets):  # type: ignore[no-untyped-def]
    jobs.sweep(app, NOW)
    by_to = {m["To"].split("@")[0]: m for m in smtp.messages}
    late_b = four_tickets["late_b"]
    for message in smtp.messages:
        assert message["Message-ID"].endswith("@tracker.example>")  # BASE_URL's host
        assert not message.defects
    assert len({m["Message-ID"] for m in smtp.messages}) == len(smtp.messages)
    overdue, escalation = by_to["cadre-b"], by_to["leader-b"]
    for message in (overdue, escalation):  # both about late_b: one thread
        assert message["References"] == f"<ticket-{late_b.id}@tracker.example>"
        assert message["In-Reply-To"] == message["References"]
    assert overdue["List-Unsubscribe"] == "<http://tracker.example/account/notifications>"
    assert escalation["List-Unsubscribe"] is None  # escalations cannot be turned off
