"""A whole round as the county runs it (four townships, findings rectified, verified and closed)
gives a bulletin that reads like the seed bulletin and goes out as an official document."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import pytest
from helpers import NOW, pdf_text
from sqlmodel import select

from tracker.inspections.models import Inspection, InspectionUnit
from tracker.org.service import create_unit, create_user
from tracker.reports.bulletin import Selection, build_bulletin
from tracker.reports.models import BulletinText

TITLE = "2026年第一轮乡镇脱贫攻坚环境整治督导检查"
ACCOUNT_A = (
    "结合环境集中整治日行动，动员各村农牧民群众积极参与，围绕农牧村房前屋后、河道灰坡的"
    "垃圾堆、灰堆、杂物堆进行了专项排查整治。"
)
ACCOUNT_B = "以问题为导向倒逼人居环境整治责任落实，组织镇党政班子成员逐村到户打分评比。"
# What 青山乡's units achieved, finding by finding (name, unit, achieved).
FIGURES_A = [
    [("整治农牧户庭院", "户", 30), ("清理垃圾堆", "堆", 12), ("清理粪土堆", "堆", 5)],
    [("修缮破旧房屋", "间", 3), ("清除废旧农膜", "吨", 1.5)],
    [("拆除废弃房屋", "间", 14), ("拆除废弃房屋", "平方米", 420), ("拆除残垣断壁", "米", 300)],
]
PARAGRAPH_A = (
    "青山乡" + ACCOUNT_A + "共整治农牧户庭院30户，清理垃圾堆12堆、粪土堆5堆，清除废旧农膜1.5吨。"
    "拆除废弃房屋14间420平方米，修缮破旧房屋3间，拆除残垣断壁300米。"
)


def at(day: int) -> datetime:
    return datetime(2026, 6, day, 2, tzinfo=UTC)


@pytest.fixture
def county_round(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    """Four townships, ten findings; all rectified, verified and closed by 06-12."""
    town_c = create_unit(db, "town-c", "红星镇", "township", "county")
    town_d = create_unit(db, "town-d", "白云乡", "township", "county")
    cadres = {
        "town-a": county.cadre_a,
        "town-b": county.cadre_b,
        "town-c": create_user(db, "cadre-c", "cadre", "x" * 12, unit_code="town-c"),
        "town-d": create_user(db, "cadre-d", "cadre", "x" * 12, unit_code="town-d"),
    }
    inspection = Inspection(title=TITLE, started_on=date(2026, 6, 1))
    db.add(inspection)
    db.commit()
    for unit in (county.town_a, county.town_b, town_c, town_d):
        db.add(InspectionUnit(inspection_id=inspection.id, unit_id=unit.id))
    db.commit()
    plan = [("town-a", figures) for figures in FIGURES_A] + [
        ("town-b", [("清理垃圾堆", "堆", 8), ("清理柴草堆", "堆", 6)]),
        ("town-b", [("处置病死畜禽", "只", 20)]),
        ("town-b", [("新建户厕选址", "座", 4)]),
        ("town-c", [("拆除废弃房屋", "间", 6), ("拆除废弃房屋", "平方米", 180)]),
        ("town-c", [("拆除废弃棚圈", "处", 2)]),
        ("town-d", [("清理三堆", "处", 40)]),
        ("town-d", [("拆除彩钢围墙", "米", 120)]),
    ]
    for unit, figures in plan:
        ticket = make_ticket(
            now=at(1),
            responsible_unit=unit,
            location_unit=None,
            inspection_id=inspection.id,
            deadline=date(2026, 6, 30),
        )
        cadre = cadres[unit]
        move(ticket, cadre, "accept", now=at(2))
        indicators = [{"name": n, "unit": u, "achieved": v} for n, u, v in figures]
        move(ticket, cadre, "report_completion", now=at(5), comment="已整改", indicators=indicators)
        move(ticket, county.inspector, "verify", now=at(8))
        move(ticket, county.leader, "close", now=at(12))
    return inspection


def _accounts(client, as_user, county, inspection) -> None:  # type: ignore[no-untyped-def]
    """青山乡's cadre submits, the inspector accepts; the inspector writes 河西镇's."""
    as_user(county.cadre_a)
    page = client.get(f"/inspections/{inspection.id}/account")
    assert page.status_code == 200
    response = client.post(f"/inspections/{inspection.id}/account", data={"text": ACCOUNT_A})
    assert response.status_code == 302
    as_user(county.inspector)
    pending = client.get(f"/bulletin?inspection={inspection.id}").get_data(as_text=True)
    assert ACCOUNT_A not in pending.split('id="townships"')[1].split("</article>")[0]
    text_id = pending.split("/accounts/accept/")[1].split('"')[0]
    assert client.post(f"/bulletin/{inspection.id}/accounts/accept/{text_id}").status_code == 302
    response = client.post(
        f"/bulletin/{inspection.id}/accounts/{county.town_b.id}", data={"text": ACCOUNT_B}
    )
    assert response.status_code == 302


def test_the_round_reads_like_the_seed_bulletin_and_converts_to_pdf(
    client, db, county, as_user, county_round, to_pdf
) -> None:  # type: ignore[no-untyped-def]
    _accounts(client, as_user, county, county_round)
    response = client.get(f"/bulletin.docx?inspection={county_round.id}&issued_on=2026-06-15")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert "2026年第一轮乡镇脱贫攻坚环境整治督查情况通报" in texts
    assert "县人大办〔2026〕1号" in texts and "2026年6月15日" in texts
    assert PARAGRAPH_A in texts, [t for t in texts if t.startswith("青山乡")]
    paragraph_b = next(t for t in texts if t.startswith("河西镇"))
    assert paragraph_b.startswith("河西镇" + ACCOUNT_B + "共清理垃圾堆8堆、柴草堆6堆")
    assert next(t for t in texts if t.startswith("红星镇")).endswith(
        "经核查，共拆除废弃房屋6间180平方米、废弃棚圈2处。"
    )
    whole = "\n".join(texts)
    assert "尚未整改0个" not in whole and "逾期0个" not in whole and "尚有" not in whole
    assert "督导检查督查情况通报" not in whole
    # The same bulletin keeps its number; the PDF carries every township's paragraph.
    again = client.get(f"/bulletin.docx?inspection={county_round.id}")
    assert "县人大办〔2026〕1号" in [
        p.text for p in docx.Document(io.BytesIO(again.data)).paragraphs
    ]
    pdf = "".join(pdf_text(to_pdf(response.data, ".docx"))).replace("\n", "").replace(" ", "")
    for township in ("青山乡", "河西镇", "红星镇", "白云乡"):
        paragraph = next(t for t in texts if t.startswith(township))
        assert paragraph.replace(" ", "") in pdf
    assert "—1—" in pdf


def test_accounts_have_a_history_and_only_own_cadres_write_them(
    client, db, county, as_user, county_round
) -> None:  # type: ignore[no-untyped-def]
    _accounts(client, as_user, county, county_round)
    as_user(county.cadre_a)
    client.post(f"/inspections/{county_round.id}/account", data={"text": "第二稿。"})
    rows = db.exec(select(BulletinText).where(BulletinText.unit_id == county.town_a.id)).all()
    assert [r.text for r in rows] == [ACCOUNT_A, "第二稿。"]
    assert rows[0].written_by_id == county.cadre_a.id
    assert rows[0].accepted_by_id == county.inspector.id and rows[1].accepted_at is None
    # Until accepted, the bulletin prints the accepted version.
    bulletin = build_bulletin(
        db,
        county.inspector,
        Selection(county_round),
        NOW,
        {"TIMEZONE": "Asia/Shanghai", "AMBER_DAYS": 3},
    )
    assert bulletin.townships[0].sentence().startswith("青山乡" + ACCOUNT_A)
    # A cadre cannot accept, nor write another township's account; an empty text is refused.
    assert (
        client.post(
            f"/bulletin/{county_round.id}/accounts/{county.town_b.id}", data={"text": "x"}
        ).status_code
        == 403
    )
    refused = client.post(f"/inspections/{county_round.id}/account", data={"text": "  "})
    assert refused.status_code == 422
    as_user(county.leader)
    assert client.get(f"/inspections/{county_round.id}/account").status_code == 403


def test_section_two_is_a_draft_the_author_edits(client, db, county, as_user, county_round) -> None:  # type: ignore[no-untyped-def]
    as_user(county.leader)
    page = client.get(f"/bulletin?inspection={county_round.id}").get_data(as_text=True)
    assert "一是人居环境方面问题10个" in page
    edited = "一是群众主动参与人居环境意识仍需加强。\n二是脱贫政策知晓率还有待加强。"
    response = client.post(f"/bulletin/{county_round.id}/problems", data={"text": edited})
    assert response.status_code == 302
    document = docx.Document(
        io.BytesIO(client.get(f"/bulletin.docx?inspection={county_round.id}").data)
    )
    texts = [p.text for p in document.paragraphs]
    start = texts.index("二、存在的主要问题")
    assert texts[start + 1 : start + 3] == edited.split("\n")
    row = db.exec(select(BulletinText).where(BulletinText.section == "problems")).one()
    assert row.written_by_id == county.leader.id and row.written_at is not None


def test_a_period_counts_the_work_verified_in_it(
    db, app, county, county_round, make_ticket, move
) -> None:  # type: ignore[no-untyped-def]
    late = make_ticket(now=at(1), inspection_id=county_round.id, deadline=date(2026, 6, 30))
    move(late, county.cadre_a, "accept", now=at(2))
    move(
        late,
        county.cadre_a,
        "report_completion",
        now=at(14),
        comment="已清理",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "achieved": 9}],
    )
    period = Selection(county_round, date(2026, 6, 13), date(2026, 6, 15))
    bulletin = build_bulletin(db, county.inspector, period, NOW, app.config)
    assert bulletin.title.endswith("督查情况通报（2026年6月13日至2026年6月15日）")
    town_a = bulletin.townships[0].sentence()
    assert "另已上报待核查：清理垃圾堆9堆。" in town_a
    assert "整治农牧户" not in town_a  # verified on 06-08, before the period
    earlier = Selection(county_round, date(2026, 6, 1), date(2026, 6, 10))
    town_a = build_bulletin(db, county.inspector, earlier, NOW, app.config).townships[0]
    assert "整治农牧户庭院30户" in town_a.sentence()
