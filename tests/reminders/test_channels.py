"""Channels through the outbox: group robots (WeCom, DingTalk), a signed webhook and an SMS
gateway, against a local HTTP server answering as they document (tests/robots_server.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import NOW, later
from robots_server import RobotServer
from sqlmodel import select

from tracker.core.clock import as_utc
from tracker.org.models import User
from tracker.reminders import jobs
from tracker.reminders.chase import chase_ticket
from tracker.reminders.cli import DRAIN_JOB, SWEEP_JOB, build_scheduler
from tracker.reminders.models import OutboxMessage, OutboxStatus, Robot
from tracker.reminders.robots import add_robot

MOBILE_A = "13800000001"


@pytest.fixture
def robots_http():  # type: ignore[no-untyped-def]
    server = RobotServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def channels(app, robots_http):  # type: ignore[no-untyped-def]
    """Set `[channels]` of the running app: channels(ROBOT_PER_MINUTE=3)."""

    def set_(**values):  # type: ignore[no-untyped-def]
        app.config["CHANNELS"] = {
            "TIMEOUT": 5,
            "ROBOT_PER_MINUTE": 20,
            "WEBHOOK": {"url": f"{robots_http.url}/hook", "secret": "hook-secret"},
            "SMS": {
                "url": f"{robots_http.url}/sms",
                "body": '{"phone": "{mobile}", "content": "{text}", "sign": "示范县"}',
                "ok_field": "code",
                "ok_value": "OK",
            },
            **values,
        }

    set_()
    return set_


def _person(db, user: User, **fields) -> None:  # type: ignore[no-untyped-def]
    person = db.get(User, user.id)
    for name, value in fields.items():
        setattr(person, name, value)
    db.add(person)
    db.commit()


def _robot(db, unit, robots_http, kind="wecom", key="good-key", secret=""):  # type: ignore[no-untyped-def]
    if kind == "wecom":
        url = f"{robots_http.url}/cgi-bin/webhook/send?key={key}"
    else:
        url = f"{robots_http.url}/robot/send?access_token={key}"
    robot = add_robot(db, unit, kind, f"{unit.name}工作群", url, secret)
    db.commit()
    return robot


def _rows(db, channel: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.rollback()
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.channel == channel)).all())


def test_a_units_wecom_robot_gets_its_daily_message_and_mentions_its_cadre(
    app, db, county, smtp, four_tickets, channels, robots_http
):  # type: ignore[no-untyped-def]
    _person(db, county.cadre_a, mobile=MOBILE_A)
    robot = _robot(db, county.town_a, robots_http)
    jobs.sweep(app, NOW)
    assert len(smtp.messages) == 5  # the e-mails go as before
    markdown, mention = robots_http.of("/cgi-bin/webhook/send")
    assert markdown.body["msgtype"] == "markdown"
    content = markdown.body["markdown"]["content"]
    assert four_tickets["soon"].code in content and four_tickets["very_late"].code in content
    assert content.startswith("**") and len(content.encode()) <= 4096
    assert mention.body == {
        "msgtype": "text",
        "text": {"content": mention.body["text"]["content"], "mentioned_mobile_list": [MOBILE_A]},
    }
    [row] = _rows(db, f"robot:{robot.id}")
    assert row.status == OutboxStatus.SENT and row.rule == "daily"
    jobs.sweep(app, later(0.1))  # one daily message a day to the group too
    assert len(robots_http.of("/cgi-bin/webhook/send")) == 2


def test_a_robot_for_leaders_carries_the_leaders_escalations(
    app, db, county, smtp, four_tickets, channels, robots_http
):  # type: ignore[no-untyped-def]
    """The county office's leaders' work group: its robot posts the escalations of the leader
    in charge of the county, @-ing nobody; the township's robot keeps its cadre's message, and
    a robot of the county's own cadres gets no leader's."""
    _person(db, county.cadre_a, mobile=MOBILE_A)
    _person(db, county.leader, mobile="13800000009")
    town = _robot(db, county.town_a, robots_http)
    office = _robot(db, county.county, robots_http, key="office-key")
    leaders = add_robot(
        db,
        county.county,
        "dingtalk",
        "县领导工作群",
        f"{robots_http.url}/robot/send?access_token=good-token",
        "SECgood",
        for_leaders=True,
    )
    db.commit()
    robots_http.wecom_keys.add("office-key")
    jobs.sweep(app, NOW)
    [posted] = robots_http.of("/robot/send")
    assert posted.answer["errcode"] == 0  # signed as DingTalk checks
    text = posted.body["markdown"]["text"]
    assert four_tickets["very_late"].code in text and four_tickets["late_b"].code in text
    assert posted.body["at"] == {"atMobiles": [], "isAtAll": False}  # the leaders' own group
    [row] = _rows(db, f"robot:{leaders.id}")
    assert row.status == OutboxStatus.SENT and row.rule == "daily"
    assert row.recipient_id == county.leader.id
    assert {r.recipient_id for r in _rows(db, f"robot:{town.id}")} == {county.cadre_a.id}
    assert _rows(db, f"robot:{office.id}") == []  # no cadre there; leaders are not its people
    jobs.sweep(app, later(0.1))  # one daily message a day to the group too
    assert len(robots_http.of("/robot/send")) == 1


def test_a_long_digest_is_cut_to_the_robots_size_with_a_link(
    app, db, county, smtp, make_ticket, channels, robots_http
):  # type: ignore[no-untyped-def]
    for n in range(60):
        make_ticket(
            now=later(-20), deadline=date(2026, 6, 10), title=f"第{n}处房前屋后垃圾堆未清理" * 4
        )
    jobs.sweep(app, later(-20) + timedelta(minutes=11))
    robot = _robot(db, county.town_a, robots_http)
    jobs.sweep(app, NOW)
    [markdown] = robots_http.of("/cgi-bin/webhook/send")
    content = markdown.body["markdown"]["content"]
    assert markdown.answer["errcode"] == 0
    assert 3500 < len(content.encode()) <= 4096
    assert content.endswith("[…](http://tracker.example/notifications)")
    [row] = _rows(db, f"robot:{robot.id}")
    assert row.status == OutboxStatus.SENT


def test_dingtalk_is_signed_and_a_bad_signature_fails_at_once(
    app, db, county, smtp, four_tickets, channels, robots_http
):  # type: ignore[no-untyped-def]
    _person(db, county.cadre_a, mobile=MOBILE_A)
    good = _robot(db, county.town_a, robots_http, "dingtalk", "good-token", "SECgood")
    bad = _robot(db, county.town_b, robots_http, "dingtalk", "good-token", "SECwrong")
    jobs.sweep(app, NOW)
    posts = robots_http.of("/robot/send")
    assert sorted(p.answer["errcode"] for p in posts) == [0, 310000]
    sent = next(p for p in posts if p.answer["errcode"] == 0)
    assert set(sent.query) == {"access_token", "timestamp", "sign"}
    assert sent.body["msgtype"] == "markdown"
    assert sent.body["at"] == {"atMobiles": [MOBILE_A], "isAtAll": False}
    assert f"@{MOBILE_A}" in sent.body["markdown"]["text"]
    assert sent.body["markdown"]["title"]
    [ok] = _rows(db, f"robot:{good.id}")
    [refused] = _rows(db, f"robot:{bad.id}")
    assert ok.status == OutboxStatus.SENT
    assert refused.status == OutboxStatus.GIVEN_UP and refused.attempts == 1
    assert "310000" in refused.last_error
    assert len(smtp.messages) == 5  # the refusal stalls nobody
    jobs.sweep(app, later(0.2))
    assert len(robots_http.of("/robot/send")) == 2  # never retried


def test_a_bad_wecom_key_fails_that_row_alone(
    app, db, county, smtp, four_tickets, channels, robots_http
):  # type: ignore[no-untyped-def]
    bad = _robot(db, county.town_a, robots_http, key="revoked-key")
    good = _robot(db, county.town_b, robots_http)
    jobs.sweep(app, NOW)
    [refused] = _rows(db, f"robot:{bad.id}")
    [sent] = _rows(db, f"robot:{good.id}")
    assert refused.status == OutboxStatus.GIVEN_UP and "93000" in refused.last_error
    assert sent.status == OutboxStatus.SENT
    assert len(smtp.messages) == 5


def _chases(app, db, county, make_ticket, count: int, at):  # type: ignore[no-untyped-def]
    """`count` chases of town A's findings at `at`, gathered and sent by the next sweep."""
    tickets = [make_ticket(now=later(-5), deadline=date(2026, 6, 30)) for _ in range(count)]
    jobs.sweep(app, later(-5) + timedelta(minutes=11))
    for ticket in tickets:
        chase_ticket(db, ticket, county.leader_a, "请尽快整改", at)
    db.commit()
    return tickets


def test_a_robot_is_paced_to_its_rate(app, db, county, smtp, make_ticket, channels, robots_http):  # type: ignore[no-untyped-def]
    channels(ROBOT_PER_MINUTE=3)
    _chases(app, db, county, make_ticket, 5, NOW)
    robot = _robot(db, county.town_a, robots_http)
    jobs.sweep(app, NOW)
    assert len(robots_http.of("/cgi-bin/webhook/send")) == 3
    rows = _rows(db, f"robot:{robot.id}")
    waiting = [r for r in rows if r.status == OutboxStatus.PENDING]
    first_sent = min(as_utc(r.sent_at) for r in rows if r.sent_at)
    assert len(waiting) == 2
    assert all(as_utc(r.next_attempt_at) >= first_sent + timedelta(minutes=1) for r in waiting)
    assert all(r.attempts == 0 and not r.last_error for r in waiting)  # pacing is no failure
    jobs.sweep(app, NOW + timedelta(seconds=30))
    assert len(robots_http.of("/cgi-bin/webhook/send")) == 3
    jobs.sweep(app, NOW + timedelta(seconds=70))
    assert len(robots_http.of("/cgi-bin/webhook/send")) == 5
    assert {r.status for r in _rows(db, f"robot:{robot.id}")} == {OutboxStatus.SENT}
    rules = sorted(m["X-Tracker-Rule"] for m in smtp.messages)
    assert rules == ["chase"] * 5 + ["notices"]  # the chases' e-mails went at once


def test_a_robot_backlog_drains_at_its_rate_between_sweeps(
    app, db, county, smtp, make_ticket, channels, robots_http
):  # type: ignore[no-untyped-def]
    """100 messages to a robot of 20 a minute: the sweep sends 20 and says when the robot may
    take more; the scheduler drains then (here: at the moments it is told, `now` passed), so
    the backlog is gone within five minutes, never over 20 in any 60 seconds by our clock or
    by the robot's, which never answers "too fast"."""
    simulated = [0.0]
    robots_http.clock = lambda: simulated[0]
    _chases(app, db, county, make_ticket, 100, NOW)
    robot = _robot(db, county.town_a, robots_http)
    result = jobs.sweep(app, NOW)
    assert len(robots_http.of("/cgi-bin/webhook/send")) == 20
    drains = []
    due = result.next_due
    while due is not None and due < NOW + timedelta(minutes=10):
        simulated[0] = (due - NOW).total_seconds()
        drains.append(due)
        due = jobs.drain(app, due)[1]
    rows = _rows(db, f"robot:{robot.id}")
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert all(r.attempts == 1 and not r.last_error for r in rows)  # no pace counted a failure
    assert len(drains) == 4 and drains[-1] < NOW + timedelta(minutes=5)
    sent = sorted(as_utc(r.sent_at) for r in rows)
    assert max(sum(t <= u < t + timedelta(minutes=1) for u in sent) for t in sent) == 20
    assert {p.answer["errcode"] for p in robots_http.of("/cgi-bin/webhook/send")} == {0}
    assert jobs.drain(app, drains[-1] + timedelta(minutes=1))[1] is None  # nothing waits


def test_the_scheduler_drains_before_the_next_sweep(app):  # type: ignore[no-untyped-def]
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler, minutes = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        sweep = scheduler.get_job(SWEEP_JOB)
        next_sweep = sweep.next_run_time + timedelta(minutes=minutes)
        sweep.modify(next_run_time=next_sweep)  # as after the first sweep
        follow_up = sweep.args[1]
        follow_up(next_sweep + timedelta(seconds=1))  # the sweep comes first
        assert scheduler.get_job(DRAIN_JOB) is None
        soon = next_sweep - timedelta(minutes=minutes) + timedelta(seconds=61)
        follow_up(soon)
        drain = scheduler.get_job(DRAIN_JOB)
        assert drain.next_run_time == soon and drain.args == (app, follow_up)
        assert drain.func is jobs.drain_job
    finally:
        scheduler.shutdown(wait=False)


def test_a_rate_limit_answer_pauses_the_robot(
    app, db, county, smtp, make_ticket, channels, robots_http
):  # type: ignore[no-untyped-def]
    robots_http.per_minute = 2  # the robot is stricter than we think
    _chases(app, db, county, make_ticket, 5, NOW)
    robot = _robot(db, county.town_a, robots_http)
    jobs.sweep(app, NOW)
    posts = robots_http.of("/cgi-bin/webhook/send")
    assert [p.answer["errcode"] for p in posts] == [0, 0, 45009]  # then it stopped asking
    rows = _rows(db, f"robot:{robot.id}")
    limited = [r for r in rows if r.status == OutboxStatus.FAILED]
    assert len(limited) == 1 and "45009" in limited[0].last_error and limited[0].attempts == 0
    assert len([r for r in rows if r.status == OutboxStatus.PENDING]) == 2
    robots_http._sent.clear()  # a minute passes at the robot
    robots_http.per_minute = 20
    jobs.sweep(app, NOW + timedelta(minutes=2))
    assert {r.status for r in _rows(db, f"robot:{robot.id}")} == {OutboxStatus.SENT}
    assert len(robots_http.of("/cgi-bin/webhook/send")) == 6


def test_dingtalk_throttling_waits_ten_minutes(
    app, db, county, smtp, make_ticket, channels, robots_http
):  # type: ignore[no-untyped-def]
    robots_http.per_minute = 1
    _chases(app, db, county, make_ticket, 2, NOW)
    robot = _robot(db, county.town_a, robots_http, "dingtalk", "good-token", "SECgood")
    jobs.sweep(app, NOW)
    assert [p.answer["errcode"] for p in robots_http.of("/robot/send")] == [0, 130101]
    [waiting] = [r for r in _rows(db, f"robot:{robot.id}") if r.status == OutboxStatus.FAILED]
    assert as_utc(waiting.next_attempt_at) >= NOW + timedelta(minutes=10)
    jobs.sweep(app, NOW + timedelta(minutes=5))
    assert len(robots_http.of("/robot/send")) == 2


def test_personal_channels_carry_what_people_chose_and_every_escalation(
    app, db, county, smtp, four_tickets, channels, robots_http
):  # type: ignore[no-untyped-def]
    _person(db, county.cadre_a, mobile=MOBILE_A, notify_channels=["webhook", "sms"])
    _person(db, county.cadre_b, mobile="13800000002")  # chose nothing: reminders by e-mail only
    _person(db, county.leader, mobile="13800000009")  # chose nothing: escalations still by SMS
    jobs.sweep(app, NOW)
    [hook] = robots_http.of("/hook")
    assert hook.answer == {"ok": True}  # the receiver checked the signature
    assert hook.body["recipient"]["username"] == "cadre-a"
    assert hook.body["rule"] == "daily" and four_tickets["soon"].code in hook.body["text"]
    assert hook.body["link"] == "http://tracker.example/notifications"
    phones = sorted(p.body["phone"] for p in robots_http.of("/sms"))
    assert phones == [MOBILE_A, "13800000009"]
    sms = next(p for p in robots_http.of("/sms") if p.body["phone"] == MOBILE_A)
    assert sms.body["sign"] == "示范县" and len(sms.body["content"]) <= 140
    assert {r.status for r in _rows(db, "sms")} == {OutboxStatus.SENT}


def test_a_webhook_with_the_wrong_secret_is_refused_for_good(
    app, db, county, smtp, four_tickets, channels, robots_http
):  # type: ignore[no-untyped-def]
    channels(WEBHOOK={"url": f"{robots_http.url}/hook", "secret": "not-the-secret"})
    _person(db, county.cadre_a, notify_channels=["webhook"])
    jobs.sweep(app, NOW)
    [row] = _rows(db, "webhook")
    assert row.status == OutboxStatus.GIVEN_UP and "401" in row.last_error
    assert len(smtp.messages) == 5


def test_robots_admin_masks_secrets_and_checks_input(app, db, county, client, as_user, robots_http):  # type: ignore[no-untyped-def]
    url = f"{robots_http.url}/robot/send?access_token=tok-123456789"
    as_user(county.cadre_a)
    assert client.get("/admin/robots").status_code == 403
    as_user(county.admin)
    added = client.post(
        "/admin/robots",
        data={
            "unit": "town-a",
            "kind": "dingtalk",
            "name": "青山乡群",
            "url": url,
            "secret": "SECabcdef123456",
        },
    )
    assert added.status_code == 302
    html = client.get("/admin/robots").get_data(as_text=True)
    assert "青山乡群" in html and "tok-123456789" not in html and "SECabcdef123456" not in html
    assert "…6789" in html and "…3456" in html
    refused = client.post(
        "/admin/robots", data={"unit": "town-a", "kind": "wecom", "name": "x", "url": "ftp://nope"}
    )
    assert refused.status_code == 422 and "https://" in refused.get_data(as_text=True)
    [robot_id] = [r.id for r in _robots(db)]
    client.post(f"/admin/robots/{robot_id}", data={"is_enabled": "0", "url": "", "secret": ""})
    [robot] = _robots(db)
    assert not robot.is_enabled and robot.webhook_url == url and robot.secret == "SECabcdef123456"
    assert not robot.is_for_leaders
    for_leaders = {"unit": "county", "kind": "wecom", "name": "县领导群", "for_leaders": "1"}
    wecom = f"{robots_http.url}/cgi-bin/webhook/send?key=k"
    assert client.post("/admin/robots", data={**for_leaders, "url": wecom}).status_code == 302
    assert [r.is_for_leaders for r in _robots(db)] == [False, True]
    assert client.get("/admin/robots").get_data(as_text=True).count("robot-for-leaders") == 1


def _robots(db):  # type: ignore[no-untyped-def]
    db.rollback()
    return list(db.exec(select(Robot)).all())


def test_outbox_shows_failures_per_channel_and_recipient_and_resends(
    app, db, county, smtp, four_tickets, channels, robots_http, client, as_user
):  # type: ignore[no-untyped-def]
    bad = _robot(db, county.town_a, robots_http, key="revoked-key")
    jobs.sweep(app, NOW)
    as_user(county.admin)
    html = client.get(f"/admin/outbox?channel=robot:{bad.id}").get_data(as_text=True)
    assert "revoked-key" not in html
    assert f'data-failure="robot:{bad.id} cadre-a"' in html
    [row] = _rows(db, f"robot:{bad.id}")
    robots_http.wecom_keys.add("revoked-key")  # the key was put right at WeCom
    client.post(f"/admin/outbox/{row.id}/resend")
    jobs.sweep(app, NOW + timedelta(minutes=1))
    [row] = _rows(db, f"robot:{bad.id}")
    assert row.status == OutboxStatus.SENT


def test_people_choose_their_channels(app, db, county, client, as_user, channels):  # type: ignore[no-untyped-def]
    as_user(county.cadre_a)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="channels" value="sms"' in page and 'name="channels" value="webhook"' in page
    saved = client.post(
        "/account/notifications",
        data={"reminders": "on", "mobile": "138 0000 0001", "channels": ["sms", "fax"]},
    )
    assert saved.status_code == 302
    db.rollback()
    person = db.get(User, county.cadre_a.id)
    assert person.mobile == MOBILE_A and person.notify_channels == ["sms"]
    bad = client.post("/account/notifications", data={"mobile": "call me"})
    assert bad.status_code == 422
    db.rollback()
    assert db.get(User, county.cadre_a.id).mobile == MOBILE_A
