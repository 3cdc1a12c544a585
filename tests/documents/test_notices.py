"""The 督办通知单 (to one unit, for one or several findings, with a 文号 from the register) and
the 整改销号审批表 (one verified or closed finding, its photos embedded), as official .docx."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import docx
from helpers import pdf_text
from lifecycle import FINAL_REPORT, REJECTION, ROUND, VERIFICATION, at
from openpyxl import Workbook
from sqlmodel import select

from tracker.documents.models import IssuedDocument
from tracker.tickets.models import Ticket


def _texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def _cells(data: bytes) -> dict[str, str]:
    table = docx.Document(io.BytesIO(data)).tables[0]
    return {row.cells[0].text: row.cells[1].text for row in table.rows}


def test_a_notice_for_several_findings_of_one_unit(
    app, client, db, county, as_user, make_ticket, monkeypatch, to_pdf
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.documents.views.utcnow", lambda: at(25))
    app.config["DOCUMENTS"] = {**app.config["DOCUMENTS"], "CONTACT": "王芳 0571-1234567"}
    late = make_ticket(
        now=at(1),
        title="上庄村垃圾堆未清理",
        requirement="7日内清理完毕",
        deadline=date(2026, 6, 20),
    )
    other = make_ticket(now=at(1), title="上庄村残垣断壁未拆除", deadline=date(2026, 6, 30))
    as_user(county.leader_a)
    response = client.post("/tickets/notice", data={"ids": [str(late.id), str(other.id)]})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("wordprocessingml.document")
    texts = _texts(response.data)
    assert "督办通知单" in texts and "县人大办〔2026〕1号" in texts
    assert "青山乡：" in texts
    assert "在督查检查中发现你单位存在以下2个问题，现予督办。" in texts
    assert f"（一）上庄村垃圾堆未清理（{late.code}）" in texts
    assert f"（二）上庄村残垣断壁未拆除（{other.code}）" in texts
    first = texts[texts.index(f"（一）上庄村垃圾堆未清理（{late.code}）") + 1]
    assert first.endswith(
        "问题地点：上庄村。整改要求：7日内清理完毕。整改时限：2026年6月20日，已逾期5天。"
    )
    second = texts[texts.index(f"（二）上庄村残垣断壁未拆除（{other.code}）") + 1]
    assert second.endswith("整改要求：立行立改，彻底整改到位。整改时限：2026年6月30日。")
    assert texts[texts.index(second) + 1].endswith("联系人：王芳 0571-1234567。")
    assert "2026年6月25日" in texts
    section = docx.Document(io.BytesIO(response.data)).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37
    # The same findings print the same number again; the register names the unit.
    again = client.post("/tickets/notice", data={"ids": [str(other.id), str(late.id)]})
    assert "县人大办〔2026〕1号" in _texts(again.data)
    entry = db.exec(IssuedDocument.__table__.select()).one()
    assert entry.title == "督办通知单（青山乡）"
    # One finding from its page: a new notice, the next number.
    single = client.get(f"/tickets/{late.id}/notice.docx")
    assert single.status_code == 200 and "县人大办〔2026〕2号" in _texts(single.data)
    pages = [p.replace(" ", "") for p in pdf_text(to_pdf(response.data, ".docx")) if p.strip()]
    assert len(pages) == 1  # a notice for two findings is one page
    assert "督办通知单" in pages[0] and late.code in pages[0] and "—1—" in pages[0]


def test_a_selection_of_two_units_gives_one_notice_each(
    client, county, as_user, make_ticket
) -> None:  # type: ignore[no-untyped-def]
    a = make_ticket(title="青山乡问题")
    b = make_ticket(title="河西镇问题", responsible_unit="town-b", location_unit="village-b")
    as_user(county.inspector)
    response = client.post("/tickets/notice", data={"ids": [str(a.id), str(b.id)]})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["notice-town-a.docx", "notice-town-b.docx"]
    assert "河西镇：" in _texts(archive.read("notice-town-b.docx"))


def test_notices_are_scoped_and_only_for_those_who_chase(
    client, db, county, as_user, make_ticket
) -> None:  # type: ignore[no-untyped-def]
    theirs = make_ticket(title="河西镇问题", responsible_unit="town-b", location_unit="village-b")
    ours = make_ticket(title="青山乡问题")
    as_user(county.leader_a)  # 青山乡's leader: 河西镇's finding is not visible
    assert client.get(f"/tickets/{theirs.id}/notice.docx").status_code == 404
    mixed = client.post("/tickets/notice", data={"ids": [str(ours.id), str(theirs.id)]})
    assert mixed.status_code == 404
    as_user(county.cadre_a)  # sees the finding, may not chase it
    assert client.get(f"/tickets/{ours.id}/notice.docx").status_code == 403
    as_user(county.inspector)
    empty = client.post("/tickets/notice", data={"ids": [], "next": "/tickets?queue=all"})
    assert empty.status_code == 302 and empty.location.endswith("/tickets?queue=all")
    assert db.exec(IssuedDocument.__table__.select()).all() == []  # nothing issued by refusals


def test_the_closing_sheet_of_a_closed_finding(
    client, county, as_user, closed_finding, to_pdf
) -> None:  # type: ignore[no-untyped-def]
    ticket = closed_finding.ticket
    as_user(county.cadre_a)  # the unit prints it to sign
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="closing-sheet"' in page
    response = client.get(f"/tickets/{ticket.id}/closing-sheet.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    assert "整改销号审批表" in [p.text for p in document.paragraphs]
    cells = _cells(response.data)
    assert cells["问题编号"] == ticket.code and cells["督查轮次"] == ROUND
    assert cells["责任单位"] == "青山乡"
    assert cells["整改时限"] == "原定2026年6月20日，延期至2026年6月30日"
    assert cells["整改措施"] == FINAL_REPORT
    assert cells["整改成效"] == "清理垃圾堆12堆（目标12堆）"
    assert cells["佐证材料"] == "共3份，退回重报1次"
    assert cells["核查意见"] == f"核查通过：{VERIFICATION}\ninspector　2026年6月8日"
    assert cells["销号意见"] == "销号：同意销号\nleader-a　2026年6月10日"
    assert cells["签字"].count("（签字）") == 3
    assert REJECTION not in "".join(cells.values())
    # The photos are in the file: one before, two after.
    pictures = document.inline_shapes
    assert len(pictures) == 3
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.left_margin.mm) == 28
    pdf = "".join(pdf_text(to_pdf(response.data, ".docx"))).replace(" ", "")
    assert "整改销号审批表" in pdf and ticket.code in pdf


def test_no_closing_sheet_before_verification_nor_outside_scope(
    client, county, as_user, make_ticket, closed_finding
) -> None:  # type: ignore[no-untyped-def]
    fresh = make_ticket(title="刚交办的问题")
    as_user(county.inspector)
    response = client.get(f"/tickets/{fresh.id}/closing-sheet.docx")
    assert response.status_code == 302 and response.location.endswith(f"/tickets/{fresh.id}")
    assert 'id="closing-sheet"' not in client.get(f"/tickets/{fresh.id}").get_data(as_text=True)
    as_user(county.cadre_b)
    assert client.get(f"/tickets/{closed_finding.ticket.id}/closing-sheet.docx").status_code == 404


def _sheet(rows: list[tuple[str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["标题", "问题描述", "责任单位", "整改时限"])
    for title, unit in rows:
        sheet.append([title, title, unit, "2026-06-30"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_importing_findings_can_issue_their_notices(
    client, db, county, as_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: at(15))
    data = _sheet(
        [("上庄村垃圾堆", "青山乡"), ("河湾村柴草堆", "河西镇"), ("石门村粪堆", "青山乡")]
    )
    as_user(county.inspector)
    assert "form-check-input" in client.get("/tickets/import").get_data(as_text=True)
    response = client.post(
        "/tickets/import",
        data={"file": (io.BytesIO(data), "findings.xlsx"), "notices": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    town_a = _texts(archive.read("notice-town-a.docx"))
    assert "在督查检查中发现你单位存在以下2个问题，现予督办。" in town_a
    # An administrator imports (filing is theirs) but does not chase: imported, no notice.
    as_user(county.admin)
    response = client.post(
        "/tickets/import",
        data={"file": (io.BytesIO(data), "findings.xlsx"), "notices": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    listing = client.get(response.location).get_data(as_text=True)
    assert "未生成督办通知单" in listing
    assert len(db.exec(select(Ticket)).all()) == 6
    assert len(db.exec(IssuedDocument.__table__.select()).all()) == 2
