"""The ledger (台账) prints as it is: title, A4 landscape one page wide, header repeated, real
dates, and the columns an office keeps (round, deadlines, verification, closing, returns,
evidence); 整改进展 is the unit's own last report."""

from __future__ import annotations

import io
from datetime import date, datetime

from helpers import pdf_info, pdf_text
from lifecycle import FINAL_REPORT, ROUND, VERIFICATION, at
from openpyxl import load_workbook

from tracker.tickets.ledger_export import HEADER_ROW, LEDGER_COLUMNS

COLUMNS = [name for name, _w in LEDGER_COLUMNS]


def _ledger(client, query: str = "?queue=all"):  # type: ignore[no-untyped-def]
    response = client.get("/tickets/export.xlsx" + query)
    assert response.status_code == 200
    return response.data


def test_the_ledger_carries_the_whole_life_of_a_finding(
    app, client, county, as_user, closed_finding, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: at(15))
    app.config["BASE_URL"] = "https://tracker.example"
    as_user(county.leader_a)
    sheet = load_workbook(io.BytesIO(_ledger(client))).worksheets[0]
    assert sheet["A1"].value == f"{ROUND}问题整改台账"
    assert sheet["A2"].value == "范围：青山乡　　共1个问题　　截至2026年6月15日"
    assert [c.value for c in sheet[HEADER_ROW]] == COLUMNS
    row = dict(zip(COLUMNS, sheet[HEADER_ROW + 1], strict=True))
    assert row["督查轮次"].value == ROUND
    # Real dates with a date format, not text.
    for name, day in (
        ("原定时限", date(2026, 6, 20)),
        ("延期后时限", date(2026, 6, 30)),
        ("完成时间", date(2026, 6, 7)),
        ("销号时间", date(2026, 6, 10)),
    ):
        cell = row[name]
        assert cell.is_date and cell.value == datetime.combine(day, datetime.min.time()), name
        assert cell.number_format == "yyyy-mm-dd"
    # The unit's report, not the leader's "同意销号"; the figures after it.
    assert row["整改进展"].value == FINAL_REPORT + "\n清理垃圾堆 12/12堆"
    assert row["核查人"].value == "inspector"
    assert row["核查意见"].value == f"核查通过：{VERIFICATION}"
    assert row["退回次数"].value == 1
    assert row["佐证材料(数量)"].value == 3
    assert row["佐证材料(数量)"].hyperlink.target == (
        f"https://tracker.example/tickets/{closed_finding.ticket.id}"
    )
    assert row["整改状态"].value == "已销号" and row["是否逾期"].value == "否"


def test_print_settings_of_the_sheet(client, county, as_user, closed_finding) -> None:  # type: ignore[no-untyped-def]
    as_user(county.inspector)
    sheet = load_workbook(io.BytesIO(_ledger(client))).worksheets[0]
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9
    assert setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.print_area == f"'整改台账'!$A$1:$U${HEADER_ROW + 1}"
    assert sheet.page_margins.left == 0.4 and sheet.page_margins.top == 0.6
    assert "&P" in sheet.oddFooter.center.text
    assert all(sheet[f"{c}{HEADER_ROW + 1}"].alignment.wrap_text for c in "ADJN")
    # Without a filter on one round, the title names no round.
    sheet = load_workbook(io.BytesIO(_ledger(client, "?queue=all&unit=town-b"))).worksheets[0]
    assert sheet["A1"].value == "督查发现问题整改台账"
    assert sheet["A2"].value.startswith("范围：河西镇（含下级单位）　　共0个问题")


def test_libreoffice_prints_every_column_on_each_page_width(
    client, county, as_user, make_ticket, closed_finding, to_pdf
) -> None:  # type: ignore[no-untyped-def]
    for i in range(40):
        make_ticket(
            title=f"河湾村第{i + 1}处柴草堆未清理",
            description="河湾村村道两侧柴草堆、粪土堆占道，雨后污水横流，群众反映强烈。" * 3,
            responsible_unit="town-b",
        )
    as_user(county.inspector)
    pdf = to_pdf(_ledger(client, "?queue=all&sort=created"), ".xlsx")
    width, height = (float(v) for v in pdf_info(pdf)["Page size"].split()[0:3:2])
    assert width > height  # landscape
    pages = [p.replace(" ", "") for p in pdf_text(pdf) if p.strip()]
    assert len(pages) >= 2
    assert "督查发现问题整改台账" in pages[0] and "督查发现问题整改台账" not in pages[1]
    for number, page in enumerate(pages, start=1):
        # First and last column on every page: the set fits the width, the header repeats.
        for header in ("序号", "问题编号", "整改进展", "是否逾期"):
            assert header in page, (number, header)
    assert closed_finding.ticket.code in pages[0]
    # 40 + 1 rows need no more pages than their height asks (no page per column strip).
    assert len(pages) <= 6
