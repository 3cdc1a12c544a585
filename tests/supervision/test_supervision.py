"""Special supervision (挂牌督办): put under supervision, reminded every working day, a weekly
progress report asked for, shown with a badge and filtered; lifting it stops the reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import NOW, later
from sqlmodel import select

from tracker.errors import Forbidden, ValidationFailed
from tracker.reminders.models import OutboxMessage, Rule
from tracker.reminders.planner import plan

# NOW is Monday 2026-06-15; 06-19 is the Dragon Boat Festival (端午节), 06-20/21 and 06-27/28
# are weekends. Working days in the two weeks from NOW:
WORKING = [date(2026, 6, d) for d in (15, 16, 17, 18, 22, 23, 24, 25, 26)]


@pytest.fixture
def supervised(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket(now=later(-5), deadline=date(2026, 7, 30))
    move(ticket, county.cadre_a, "accept", now=later(-4))
    move(
        ticket,
        county.inspector,
        "supervise",
        now=NOW,
        comment="群众反映强烈",
        supervision_level="county",
        supervisor="张县长",
    )
    return ticket


def _sweep(db, app, workflow, days: range) -> None:  # type: ignore[no-untyped-def]
    for day in days:
        plan(db, NOW + timedelta(days=day), app.config, workflow)
        db.commit()


def _rows(db, ticket, rule: Rule, user) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return db.exec(
        select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket.id,
            OutboxMessage.rule == rule.value,
            OutboxMessage.recipient_id == user.id,
        )
    ).all()


def test_reminders_every_working_day_and_a_weekly_report_until_lifted(  # type: ignore[no-untyped-def]
    app, db, county, workflow, move, supervised
):
    app.config["REMINDERS"] = {**app.config["REMINDERS"], "WORKING_DAYS": True}
    assert supervised.is_supervised and supervised.supervisor == "张县长"
    _sweep(db, app, workflow, range(9))  # 06-15 .. 06-23
    move(supervised, county.cadre_a, "report_progress", now=later(9), comment="已清理一半")
    _sweep(db, app, workflow, range(9, 14))  # 06-24 .. 06-28
    daily = _rows(db, supervised, Rule.SUPERVISION, county.cadre_a)
    assert sorted(date.fromisoformat(r.key.split(":")[2]) for r in daily) == WORKING
    # 7 days after supervision began (06-22) the report is asked for once; the report of 06-24
    # starts a new week, due 07-01, after this fortnight.
    reports = _rows(db, supervised, Rule.SUPERVISION_REPORT, county.cadre_a)
    assert [r.payload["days"] for r in reports] == [7]
    assert reports[0].payload["supervisor"] == "张县长"

    move(supervised, county.inspector, "lift_supervision", now=later(14), comment="已解除")
    assert not supervised.is_supervised
    _sweep(db, app, workflow, range(14, 28))
    assert len(_rows(db, supervised, Rule.SUPERVISION, county.cadre_a)) == len(WORKING)
    assert len(_rows(db, supervised, Rule.SUPERVISION_REPORT, county.cadre_a)) == 1


def test_only_inspectors_and_leaders_in_charge_supervise(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket(now=later(-5))
    with pytest.raises(Forbidden):
        move(
            ticket,
            county.cadre_a,
            "supervise",
            comment="x",
            supervision_level="county",
            supervisor="a",
        )
    with pytest.raises(Forbidden):
        move(
            ticket,
            county.leader_b,
            "supervise",
            comment="x",
            supervision_level="county",
            supervisor="a",
        )
    with pytest.raises(ValidationFailed):  # level and leader are required
        move(ticket, county.leader_a, "supervise", comment="x")
    move(
        ticket,
        county.leader_a,
        "supervise",
        comment="x",
        supervision_level="township",
        supervisor="李书记",
    )
    assert ticket.supervision_level == "township"


def test_badge_filter_and_api(db, client, as_user, county, supervised, make_ticket):  # type: ignore[no-untyped-def]
    from tracker.auth.tokens import create_token

    other = make_ticket(now=later(-5), title="另一个问题")
    as_user(county.cadre_a)
    page = client.get("/tickets?queue=all&supervised=1").get_data(as_text=True)
    assert supervised.code in page and other.code not in page
    assert "县级督办" in page
    detail = client.get(f"/tickets/{supervised.id}").get_data(as_text=True)
    assert "县级督办" in detail and "报送督办进展" in detail
    _row, token = create_token(db, county.leader, "t", NOW)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/tickets/{supervised.id}", headers=headers).get_json()
    assert body["supervision"]["level"] == "county"
    assert body["supervision"]["supervisor"] == "张县长"
    listed = client.get("/api/v1/tickets?supervised=1", headers=headers).get_json()
    assert [i["code"] for i in listed["items"]] == [supervised.code]
    plain = client.get(f"/api/v1/tickets/{other.id}", headers=headers).get_json()
    assert plain["supervision"] is None


def test_a_cadre_may_neither_supervise_nor_lift_on_the_page_or_the_api(  # type: ignore[no-untyped-def]
    db, client, as_user, county, make_ticket, supervised
):
    """policy.SUPERVISE: inspectors and leaders in charge; a cadre of the unit gets 403 from the
    page and from the API, and the finding is unchanged."""
    from tracker.auth.tokens import create_token

    plain = make_ticket(now=later(-5), title="另一个问题")
    as_user(county.cadre_a)
    attempts = [
        (plain, {"transition": "supervise", "supervision_level": "county", "supervisor": "我"}),
        (supervised, {"transition": "lift_supervision"}),
    ]
    for ticket, form in attempts:
        page = client.post(
            f"/tickets/{ticket.id}/transition",
            data={**form, "comment": "自己督办", "version": str(ticket.version)},
        )
        assert page.status_code == 403, form
    _row, token = create_token(db, county.cadre_a, "t", NOW)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for ticket, form in attempts:
        api = client.post(
            f"/api/v1/tickets/{ticket.id}/transitions",
            json={**form, "comment": "自己督办", "version": ticket.version},
            headers=headers,
        )
        assert api.status_code == 403, api.get_json()
        assert api.get_json()["error"]["code"] == "forbidden"
    db.expire_all()
    assert not db.get(type(plain), plain.id).is_supervised
    assert db.get(type(supervised), supervised.id).supervisor == "张县长"
