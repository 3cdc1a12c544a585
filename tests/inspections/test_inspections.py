"""Inspection rounds: creating (with errors shown), scope, progress figures, next steps."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import NOW, later
from sqlmodel import select

from tracker.core.errors import Forbidden, NotFound, ValidationFailed
from tracker.inspections import service
from tracker.inspections.models import Inspection, InspectionMember, InspectionUnit
from tracker.reports import service as reports_service

TZ = "Asia/Shanghai"


def _round(db, county, **fields):  # type: ignore[no-untyped-def]
    data = {
        "title": "2026年第二季度人居环境督查",
        "kind": "routine",
        "started_on": date(2026, 6, 1),
        "ended_on": date(2026, 6, 5),
        "team": ["inspector", "inspector2"],
        "units": ["town-a", "town-b"],
        **fields,
    }
    inspection = service.create_inspection(db, county.inspector, data, NOW)
    db.commit()
    return inspection


def test_create_records_team_and_units(db, county) -> None:  # type: ignore[no-untyped-def]
    inspection = _round(db, county, kind="unannounced", team=["inspector2", "leader"])
    assert inspection.kind == "unannounced"
    members = db.exec(
        select(InspectionMember.user_id).where(InspectionMember.inspection_id == inspection.id)
    ).all()
    assert sorted(members) == sorted([county.inspector2.id, county.leader.id])
    units = db.exec(
        select(InspectionUnit.unit_id).where(InspectionUnit.inspection_id == inspection.id)
    ).all()
    assert sorted(units) == sorted([county.town_a.id, county.town_b.id])
    # an inspector who names no team is the team
    alone = _round(db, county, team=[])
    assert db.exec(
        select(InspectionMember.user_id).where(InspectionMember.inspection_id == alone.id)
    ).all() == [county.inspector.id]


BAD_INPUT = [
    ({"title": "   "}, "title"),
    ({"ended_on": date(2026, 5, 1)}, "ended_on"),
    ({"ended_on": date(2027, 8, 1)}, "ended_on"),
    ({"team": ["nobody"]}, "team"),
    ({"team": ["cadre-a"]}, "team"),
    ({"units": []}, "units"),
    ({"units": ["town-a", "atlantis"]}, "units"),
    ({"kind": "picnic"}, "kind"),
]


def test_create_refuses_bad_input_field_by_field(db, county) -> None:  # type: ignore[no-untyped-def]
    for fields, field in BAD_INPUT:
        with pytest.raises(ValidationFailed) as refused:
            _round(db, county, **fields)
        assert field in refused.value.fields, fields
        db.rollback()
    assert db.exec(select(Inspection)).all() == []


def test_only_inspectors_and_admins_create(db, county) -> None:  # type: ignore[no-untyped-def]
    data = {"title": "x", "started_on": date(2026, 6, 1), "units": ["town-a"]}
    for user in (county.cadre_a, county.leader):
        with pytest.raises(Forbidden):
            service.create_inspection(db, user, data, NOW)
    assert service.create_inspection(db, county.admin, data, NOW).id


def test_new_page_rerenders_errors_then_creates(db, county, as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user(county.cadre_a).get("/inspections/new").status_code == 403
    client = as_user(county.inspector)
    assert client.get("/inspections/new").status_code == 200
    bad = client.post(
        "/inspections/new",
        data={
            "title": "六月暗访",
            "kind": "unannounced",
            "started_on": "2026-06-10",
            "ended_on": "2026-06-01",
            "team": ["inspector2"],
            "units": ["town-a"],
        },
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "is-invalid" in page and 'id="ended_on-error"' in page
    assert 'value="六月暗访"' in page  # what was typed is kept
    missing = client.post("/inspections/new", data={"title": "", "started_on": ""})
    assert missing.status_code == 422
    assert db.exec(select(Inspection)).all() == []
    good = client.post(
        "/inspections/new",
        data={
            "title": "六月暗访",
            "kind": "unannounced",
            "started_on": "2026-06-10",
            "ended_on": "2026-06-12",
            "team": ["inspector2"],
            "units": ["town-a", "village-b"],
        },
    )
    assert good.status_code == 302
    db.rollback()
    inspection = db.exec(select(Inspection)).one()
    assert good.headers["Location"].endswith(f"/inspections/{inspection.id}")
    detail = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "六月暗访" in detail and "inspector2" in detail and "河湾村" in detail
    assert f"/tickets/new?inspection={inspection.id}" in detail


@pytest.fixture
def progress_round(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    """A round with findings in every situation; hand-counted figures in the tests below."""
    inspection = _round(db, county)
    other = _round(db, county, title="另一轮")
    file = lambda **kw: make_ticket(inspection_id=inspection.id, **kw)  # noqa: E731
    report = {"comment": "已整改", "indicators": [{"name": "清理垃圾堆", "achieved": 12}]}
    on_time = file(title="按期 reported")
    overdue = file(title="逾期 reported", now=later(-30), deadline=date(2026, 6, 1))
    awaiting = file(title="待核查")
    move(awaiting, county.cadre_a, "accept")
    move(awaiting, county.cadre_a, "report_completion", **report)
    verified = file(title="已核查")
    move(verified, county.cadre_a, "accept")
    move(verified, county.cadre_a, "report_completion", **report)
    move(verified, county.inspector, "verify")
    closed = file(title="已销号")
    move(closed, county.cadre_a, "accept")
    move(closed, county.cadre_a, "report_completion", **report)
    move(closed, county.inspector, "verify")
    move(closed, county.leader_a, "close")
    withdrawn = file(title="重复")
    move(withdrawn, county.inspector, "withdraw", comment="重复录入")
    town_b = file(title="河西镇问题", responsible_unit="town-b", location_unit="village-b")
    make_ticket(title="其他轮次", inspection_id=other.id)
    make_ticket(title="无轮次")
    return inspection, [on_time, overdue, awaiting, verified, closed, withdrawn, town_b]


def test_progress_is_counted_by_hand(db, county, workflow, progress_round) -> None:  # type: ignore[no-untyped-def]
    inspection, _tickets = progress_round
    everyone = service.get_inspection(db, county.inspector, inspection.id, workflow, NOW, TZ)
    p = everyone.progress
    assert p.by_state == {"reported": 3, "rectifying": 1, "verified": 1, "closed": 1}
    assert (p.total, p.closed, p.stopped, p.overdue, p.awaiting, p.withdrawn) == (6, 1, 1, 1, 1, 1)
    assert (p.remaining, p.percent, p.open_on_time) == (5, 16, 3)
    assert sum(count for _css, count, _x, _w in p.segments()) == p.total
    assert len(everyone.tickets) == 7  # the list shows withdrawn ones too
    # a township cadre counts only their township's findings
    town_a = service.get_inspection(db, county.cadre_a, inspection.id, workflow, NOW, TZ).progress
    assert (town_a.total, town_a.closed, town_a.overdue, town_a.remaining) == (5, 1, 1, 4)
    assert town_a.percent == 20
    town_b = service.get_inspection(db, county.cadre_b, inspection.id, workflow, NOW, TZ)
    assert (town_b.progress.total, town_b.progress.closed) == (1, 0)
    assert [t.title for t in town_b.tickets] == ["河西镇问题"]
    # the list has the same figures, and a round with no findings counts zero
    rounds = {
        r.inspection.title: r
        for r in service.list_inspections(db, county.inspector, workflow, NOW, TZ)
    }
    assert rounds["2026年第二季度人居环境督查"].progress.total == 6
    assert rounds["2026年第二季度人居环境督查"].unit_count == 2
    assert rounds["另一轮"].progress.total == 1 and rounds["另一轮"].progress.percent == 0


def test_progress_pages(county, as_user, progress_round, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    inspection, tickets = progress_round
    for where in ("tracker.inspections.views.utcnow", "tracker.web.template_helpers.utcnow"):
        monkeypatch.setattr(where, lambda: NOW)  # the pages read the clock; pin it
    client = as_user(county.inspector)
    listing = client.get("/inspections").get_data(as_text=True)
    assert "1/6" in listing and "(16%)" in listing
    assert "progress-bar-svg" in listing and "style=" not in listing
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert re.search(r'id="total">6<', page)
    assert re.search(r'id="overdue">1<', page)
    assert re.search(r'id="remaining">5<', page)
    assert "table-danger" in page  # the overdue finding is red
    for ticket in tickets:
        assert ticket.code in page
    assert "其他轮次" not in page


def test_rounds_outside_ones_scope_are_not_found(db, county, workflow, as_user) -> None:  # type: ignore[no-untyped-def]
    town_a_only = _round(db, county, title="青山乡专项", units=["town-a"])
    county_wide = _round(db, county, title="全县督查", units=["county"])
    village = _round(db, county, title="上庄村回头看", units=["village-a"])
    expectations = {
        county.cadre_b: {"全县督查"},
        county.leader_b: {"全县督查"},
        county.cadre_a: {"青山乡专项", "全县督查", "上庄村回头看"},
        county.cadre_village_a: {"青山乡专项", "全县督查", "上庄村回头看"},
        county.leader_a: {"青山乡专项", "全县督查", "上庄村回头看"},
        county.cadre_dept: {"全县督查"},
        county.inspector: {"青山乡专项", "全县督查", "上庄村回头看"},
        county.admin: {"青山乡专项", "全县督查", "上庄村回头看"},
    }
    ids = {"青山乡专项": town_a_only.id, "全县督查": county_wide.id, "上庄村回头看": village.id}
    for user, visible in expectations.items():
        listed = {r.inspection.title for r in service.list_inspections(db, user, workflow, NOW, TZ)}
        assert listed == visible, user.username
        client = as_user(user)
        for title, inspection_id in ids.items():
            status = client.get(f"/inspections/{inspection_id}").status_code
            assert status == (200 if title in visible else 404), (user.username, title)
        assert client.get("/inspections/99999").status_code == 404
    with pytest.raises(NotFound):
        service.get_inspection(db, county.cadre_b, town_a_only.id, workflow, NOW, TZ)


def test_a_finding_in_scope_makes_its_round_visible(db, county, workflow, make_ticket) -> None:  # type: ignore[no-untyped-def]
    inspection = _round(db, county, title="部门督查", units=["town-a"])
    make_ticket(inspection_id=inspection.id, co_units=["dept"])
    titles = [
        r.inspection.title
        for r in service.list_inspections(db, county.cadre_dept, workflow, NOW, TZ)
    ]
    assert titles == ["部门督查"]


def test_next_steps_by_leaders_and_inspectors(db, county, as_user) -> None:  # type: ignore[no-untyped-def]
    inspection = _round(db, county)
    cadre = as_user(county.cadre_a)
    page = cadre.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert f"/inspections/{inspection.id}/next-steps" not in page  # no form for cadres
    assert (
        cadre.post(f"/inspections/{inspection.id}/next-steps", data={"next_steps": "x"}).status_code
        == 403
    )
    leader = as_user(county.leader)
    text = "一、持续开展“回头看”\n二、建立长效机制"
    response = leader.post(f"/inspections/{inspection.id}/next-steps", data={"next_steps": text})
    assert response.status_code == 302
    db.rollback()
    db.expire_all()
    saved = db.get(Inspection, inspection.id)
    assert saved.next_steps == text and saved.next_steps_updated_by_id == county.leader.id
    too_long = leader.post(
        f"/inspections/{inspection.id}/next-steps",
        data={"next_steps": "长" * (service.MAX_NEXT_STEPS + 1)},
    )
    assert too_long.status_code == 422
    assert (
        as_user(county.leader_b)
        .post(f"/inspections/{inspection.id}/next-steps", data={"next_steps": "y"})
        .status_code
        == 302
    )  # the round covered town B too
    db.rollback()  # end the read transaction before writing (SQLite WAL snapshot)
    other = _round(db, county, title="青山乡", units=["town-a"])
    assert (
        as_user(county.leader_b)
        .post(f"/inspections/{other.id}/next-steps", data={"next_steps": "y"})
        .status_code
        == 404
    )


def test_both_pages_keep_the_next_steps_by_one_rule(db, county) -> None:  # type: ignore[no-untyped-def]
    """The round's page and the bulletin's wrote the same text under two rules (10,000 or 20,000
    characters, line ends kept or not); both now go through `update_next_steps`."""
    inspection = _round(db, county)
    longest = "长" * (service.MAX_NEXT_STEPS - 4)
    for save in (
        lambda text: service.update_next_steps(db, county.leader, inspection, text, NOW),
        lambda text: reports_service.save_next_steps(db, county.leader, inspection.id, text, NOW),
    ):
        assert save(f"一、\r\n{longest}\r\n").next_steps == f"一、\n{longest}"
        with pytest.raises(ValidationFailed):
            save("长" * (service.MAX_NEXT_STEPS + 1))
    with pytest.raises(Forbidden):
        service.update_next_steps(db, county.cadre_a, inspection, "x", NOW)
    with pytest.raises(Forbidden):
        reports_service.save_next_steps(db, county.cadre_a, inspection.id, "x", NOW)
