"""Special supervision (挂牌督办): put under supervision, reminded every working day, a weekly
progress report asked for, shown with a badge and filtered; lifting it stops the reminders."""

from __future__ import annotations

import io
from datetime import date, timedelta

import docx
import pytest
from helpers import NOW, count_queries, later
from sqlmodel import select

from tracker.core.errors import Forbidden, ValidationFailed
from tracker.reminders.models import OutboxMessage, Rule
from tracker.reminders.planner import plan
from tracker.reports.supervised import for_viewer

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


def _dashboard(client, monkeypatch, now) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.reports.views.utcnow", lambda: now)
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html.split('id="supervision"', 1)[1].split("</section>", 1)[0]


def test_reminders_every_working_day_and_a_weekly_report_until_lifted(  # type: ignore[no-untyped-def]
    app, db, client, as_user, monkeypatch, county, workflow, move, supervised
):
    app.config["REMINDERS"] = {**app.config["REMINDERS"], "WORKING_DAYS": True}
    assert supervised.is_supervised and supervised.supervisor == "张县长"
    as_user(county.leader)
    section = _dashboard(client, monkeypatch, NOW)
    assert supervised.code in section and "张县长" in section and "群众反映强烈" in section
    assert "report-overdue" not in section
    _sweep(db, app, workflow, range(9))  # 06-15 .. 06-23
    section = _dashboard(client, monkeypatch, later(8))  # 06-23: 8 days without a report
    assert "report-overdue" in section and "8" in section and "已清理一半" not in section
    move(supervised, county.cadre_a, "report_progress", now=later(9), comment="已清理一半")
    section = _dashboard(client, monkeypatch, later(9))
    assert "已清理一半" in section and "report-overdue" not in section
    assert "supervision-badge" in client.get("/tickets?queue=all").get_data(as_text=True)
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
    assert supervised.code not in _dashboard(client, monkeypatch, later(14))
    assert "supervision-badge" not in client.get("/tickets?queue=all").get_data(as_text=True)
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


def _supervise(move, ticket, who, level: str = "county") -> None:  # type: ignore[no-untyped-def]
    move(
        ticket,
        who,
        "supervise",
        comment="反复整改不到位",
        supervision_level=level,
        supervisor="王县长",
    )


def test_dashboard_section_is_scoped_and_takes_a_fixed_number_of_statements(  # type: ignore[no-untyped-def]
    app, db, county, make_ticket, move, supervised
):
    """The list is what each viewer may see; its cost does not grow with the findings listed."""
    config = app.config

    def listed(user) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
        db.expire_all()
        with count_queries(app) as statements:
            found = for_viewer(db, user, None, later(8), config)
        return [f.ticket.code for f in found.findings], len(statements)

    listed(county.leader)  # a session remembers the leader's charges and the directory version
    codes, one = listed(county.leader)
    assert codes == [supervised.code]
    others = []
    for index in range(4):
        town = ("town-a", "town-b")[index % 2]
        village = ("village-a", "village-b")[index % 2]
        ticket = make_ticket(title=f"问题{index}", responsible_unit=town, location_unit=village)
        _supervise(move, ticket, county.inspector, ("county", "township")[index // 2])
        move(
            ticket,
            county.cadre_a if town == "town-a" else county.cadre_b,
            "report_progress",
            comment=f"进展{index}",
            now=later(5),
        )
        others.append(ticket)
    listed(county.leader)  # after the commits above: the directory's version is read again
    codes, five = listed(county.leader)
    assert five == one, "one statement per finding crept in"
    # county level first, then the longest supervised
    assert codes == [
        supervised.code,
        others[0].code,
        others[1].code,
        others[2].code,
        others[3].code,
    ]
    town_b = [t.code for t in others if t.responsible_unit_id == county.town_b.id]
    assert listed(county.leader_b)[0] == town_b
    assert sorted(listed(county.cadre_a)[0]) == sorted(
        [supervised.code] + [t.code for t in others if t.code not in town_b]
    )
    found = for_viewer(db, county.inspector, None, later(8), config).findings
    assert found[0].reason == "群众反映强烈" and found[0].report_overdue
    assert found[0].days_supervised == 8 and found[0].days_open == 13
    assert found[1].last_report == "进展0" and not found[1].report_overdue
    assert found[1].report_waited == 3


def test_the_bulletin_lists_the_supervised_findings_on_the_page_and_in_the_docx(  # type: ignore[no-untyped-def]
    app, client, as_user, monkeypatch, county, move, supervised
):
    move(supervised, county.cadre_a, "report_progress", now=later(2), comment="已清理一半。")
    monkeypatch.setattr("tracker.reports.bulletin_views.utcnow", lambda: later(10))
    args = "start=2026-06-01&end=2026-06-20"
    line = (
        f"1．【县级督办】上庄村房前屋后垃圾堆未清理（{supervised.code}，青山乡，督办领导：张县长）。"
        "督办事由：群众反映强烈。已督办10天，最近一次报送进展（2026年6月17日）：已清理一半，"
        "已8天未报送进展，逾期。"
    )
    as_user(county.leader)
    page = client.get(f"/bulletin?{args}").get_data(as_text=True)
    assert "挂牌督办问题" in page and line in page
    assert "尚有挂牌督办问题1个，其中县级督办1个、乡级督办0个，1个未按期报送督办进展：" in page
    document = docx.Document(io.BytesIO(client.get(f"/bulletin.docx?{args}").data))
    text = [p.text for p in document.paragraphs]
    assert "挂牌督办问题" in text and line in text
    # Scoped: town B's leader does not see town A's finding; switched off in the settings.
    as_user(county.leader_b)
    assert "挂牌督办问题" not in client.get(f"/bulletin?{args}").get_data(as_text=True)
    as_user(county.leader)
    app.config["SUPERVISION"] = {**app.config["SUPERVISION"], "IN_BULLETIN": False}
    assert "挂牌督办问题" not in client.get(f"/bulletin?{args}").get_data(as_text=True)
