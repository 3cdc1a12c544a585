"""Spreadsheet import (all or nothing, every bad row named) and the ledger export."""

from __future__ import annotations

import html
import re
import threading
from datetime import date
from io import BytesIO

import pytest
from helpers import NOW, database_rows, later, restart_ids
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from tracker.core.db import get_engine
from tracker.ops import audit
from tracker.ops.cli import audit_group
from tracker.org.models import User
from tracker.tickets import filing, ledger, service
from tracker.tickets.ledger_cli import export_command, import_command
from tracker.tickets.ledger_export import HEADER_ROW, LEDGER_COLUMNS, write_ledger
from tracker.tickets.models import Indicator, Ticket, TicketCoUnit
from tracker.tickets.queries import TicketFilter, scoped_query

HEADERS = list(ledger.IMPORT_HEADERS)


def sheet_bytes(rows: list[dict], title_row: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append(["示范县督查发现问题清单"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADERS])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def finding(i: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "问题描述": f"第{i}号 房前屋后垃圾堆未清理",
        "问题类别": "垃圾堆",
        "问题来源": "督查暗访",
        "乡镇/村": "上庄村",
        "责任单位": "青山乡" if i % 2 else "town-b",
        "协办单位": "县农业农村局" if i % 3 == 0 else "",
        "责任人": "张三",
        "整改要求": "限期清理",
        "整改时限": "2026-07-31" if i % 2 else "10个工作日",
        "严重程度": "一般",
        "标签": "三堆,回头看",
        "整改指标": "清理垃圾堆:12堆；回收废旧农膜:3.5吨",
        **extra,
    }


def run_import(db, user, workflow, settings, data: bytes):  # type: ignore[no-untyped-def]
    _total, rows = ledger.read_rows(BytesIO(data))
    result = ledger.import_findings(db, user, rows, workflow, NOW, settings)
    if result.ok:
        db.commit()
    else:
        db.rollback()
    return result


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(model)).one()


def test_thousand_rows_import_in_one_go(app, db, county, workflow, settings):
    data = sheet_bytes([finding(i) for i in range(1, 1001)], title_row=True)
    result = run_import(db, county.inspector, workflow, settings, data)
    assert result.ok, result.errors[:3]
    assert len(result.codes) == 1000 == count(db, Ticket)
    assert count(db, Indicator) == 2000
    assert count(db, TicketCoUnit) == 333
    ticket = db.exec(select(Ticket).where(Ticket.code == result.codes[1])).one()
    # 10 working days from Monday 2026-06-15: Dragon Boat Festival (19 June) is a holiday.
    assert ticket.deadline == date(2026, 6, 30)
    assert ticket.source == "unannounced"
    assert ticket.location_unit_id == county.village_a.id
    audited = app.test_cli_runner().invoke(audit_group, ["verify"])
    assert audited.exit_code == 0, audited.output
    assert "1000 个问题的 1000 条记录，历史链完整" in audited.output


def test_an_import_leaves_the_same_rows_as_filing_its_rows_one_by_one(
    db, county, workflow, settings, monkeypatch
):
    """The sheet is imported (one batch, chunks of 7); then, from the same state, the very
    findings the import validated are filed one at a time, as the web form files them."""
    monkeypatch.setattr(filing, "CHUNK", 7)
    validated: list = []
    batch = service.file_tickets

    def spy(session, reporter, items, *args, **kwargs):  # type: ignore[no-untyped-def]
        validated.extend(items)
        return batch(session, reporter, items, *args, **kwargs)

    monkeypatch.setattr(service, "file_tickets", spy)
    steps: list[int] = []
    _total, rows = ledger.read_rows(BytesIO(sheet_bytes([finding(i) for i in range(1, 31)])))
    result = ledger.import_findings(
        db, county.inspector, rows, workflow, NOW, settings, progress=steps.append
    )
    assert result.ok, result.errors
    imported = database_rows(db)
    db.rollback()
    restart_ids(db)
    monkeypatch.setattr(service, "file_tickets", batch)

    codes = [
        service.file_ticket(db, county.inspector, item, workflow, NOW, settings).code
        for item in validated
    ]
    assert database_rows(db) == imported
    assert codes == result.codes == [f"DC-2026-{n:06d}" for n in range(1, 31)]
    assert len(imported["ticket_co_unit"]) == 10 and len(imported["outbox_message"]) == 40
    # 2 steps a row, as before: each row as it is checked, then the filing chunk by chunk
    assert steps == [1] * 30 + [7, 7, 7, 7, 2]


def test_two_imports_at_once_get_disjoint_code_ranges(app, db, county, workflow, settings):
    """Two sheets imported in two transactions at the same moment (PostgreSQL): the second
    waits for the first's code range, then takes the next one."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL (SQLite has a single writer)")
    data = sheet_bytes([finding(i) for i in range(1, 301)])
    both_read = threading.Barrier(2, timeout=30)
    codes: list[list[str]] = [[], []]
    failures: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
                reporter = session.get(User, county.inspector.id)
                _total, rows = ledger.read_rows(BytesIO(data))
                rows = list(rows)
                both_read.wait()
                result = ledger.import_findings(session, reporter, rows, workflow, NOW, settings)
                assert result.ok, result.errors[:3]
                session.commit()
                codes[slot] = result.codes
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "an import hung"
    assert not failures, failures
    numbers = [[int(code.rsplit("-", 1)[1]) for code in batch] for batch in codes]
    for batch in numbers:
        assert batch == list(range(batch[0], batch[0] + 300))  # consecutive
    assert sorted(numbers[0] + numbers[1]) == list(range(1, 601))  # disjoint, no gap
    assert sorted(db.exec(select(Ticket.code)).all()) == sorted(codes[0] + codes[1])
    assert audit.verify_chain(db).ok


def test_two_bad_rows_import_nothing_and_are_both_named(db, county, workflow, settings):
    rows = [finding(i) for i in range(1, 1001)]
    rows[9]["责任单位"] = "不存在乡"
    rows[499]["整改时限"] = "下周"
    result = run_import(db, county.inspector, workflow, settings, sheet_bytes(rows))
    assert not result.ok
    assert [e.row for e in result.errors] == [11, 501]  # header is row 1
    assert "不存在乡" in result.errors[0].reason
    assert "整改时限" in result.errors[1].reason
    assert count(db, Ticket) == 0


def test_ambiguous_names_past_dates_and_bad_indicators_are_reported(db, county, workflow, settings):
    from tracker.org.service import create_unit

    create_unit(db, "village-a2", "上庄村", "village", "town-b")
    db.commit()
    rows = [
        finding(1),  # 上庄村 now names two units
        finding(3, **{"乡镇/村": "village-a", "整改时限": "2020-01-01"}),
        finding(5, **{"乡镇/村": "village-a", "整改指标": "清理垃圾堆"}),
        finding(7, **{"乡镇/村": "village-a", "问题描述": "", "标题": ""}),
        finding(9, **{"乡镇/村": "village-a"}),
    ]
    result = run_import(db, county.inspector, workflow, settings, sheet_bytes(rows))
    assert [e.row for e in result.errors] == [2, 3, 4, 5]
    assert "several units" in result.errors[0].reason
    assert "整改时限" in result.errors[1].reason
    assert "整改指标" in result.errors[2].reason


def test_template_has_headers_and_an_example_that_imports(db, county, workflow, settings):
    data = ledger.template_workbook()
    sheet = load_workbook(BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    result = run_import(db, county.inspector, workflow, settings, data)
    assert result.ok, result.errors
    assert len(result.codes) == 1


def test_cadre_cannot_import(app, db, county, workflow, settings, as_user):
    client = as_user(county.cadre_a)
    assert client.get("/tickets/import").status_code == 403


def test_upload_page_rerenders_bad_rows(app, db, county, as_user, monkeypatch):
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: NOW)
    client = as_user(county.inspector)
    assert client.get("/tickets/import").status_code == 200
    rows = [finding(1), finding(2, **{"问题类别": "不存在"}), finding(3, **{"责任单位": ""})]
    response = client.post(
        "/tickets/import",
        data={"file": (BytesIO(sheet_bytes(rows)), "findings.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "不存在" in page and '<td class="text-nowrap">3</td>' in page
    assert count(db, Ticket) == 0
    response = client.post(
        "/tickets/import",
        data={"file": (BytesIO(sheet_bytes([finding(1), finding(2)])), "findings.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.rollback()  # end the read snapshot taken above
    assert count(db, Ticket) == 2
    response = client.post(
        "/tickets/import",
        data={"file": (BytesIO(b"not a spreadsheet"), "findings.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    template = client.get("/tickets/import/template")
    assert template.status_code == 200
    assert load_workbook(BytesIO(template.data)).worksheets[0]["B1"].value == "问题描述"


def test_cli_import_reports_bad_rows_and_export_writes(app, db, county, tmp_path, monkeypatch):
    """The CLI speaks the configured language (zh) unless --lang or TRACKER_LANG names
    another; a bad row reads as on the web page, with its row number."""
    monkeypatch.setattr("tracker.tickets.ledger_cli.utcnow", lambda: NOW)
    good = tmp_path / "good.xlsx"
    good.write_bytes(sheet_bytes([finding(i) for i in range(1, 6)]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        sheet_bytes([finding(1), finding(2, **{"责任单位": "火星乡", "问题类别": "太空垃圾"})])
    )
    runner = app.test_cli_runner()
    result = runner.invoke(import_command, [str(bad), "--as", "inspector"])
    assert result.exit_code == 1
    assert "1 行有问题，未导入任何问题：" in result.output
    line = "第 3 行，问题类别：未知的问题类别 “太空垃圾”；责任单位：未知的单位 “火星乡”"
    assert line in result.output
    result = runner.invoke(import_command, [str(bad), "--as", "inspector", "--lang", "en"])
    assert "1 bad row; nothing was imported:" in result.output
    assert 'row 3: 问题类别: unknown category "太空垃圾"; 责任单位: unknown unit "火星乡"' in (
        result.output
    )
    result = runner.invoke(import_command, [str(bad), "--as", "nobody"], env={"TRACKER_LANG": "en"})
    assert result.exit_code == 1 and 'Error: unknown user "nobody"' not in result.output
    assert "Error: unknown user 'nobody'" in result.output
    result = runner.invoke(import_command, [str(bad), "--as", "nobody"])
    assert "错误：未知的用户 'nobody'" in result.output
    result = runner.invoke(import_command, [str(good)])
    assert result.exit_code == 0, result.output
    assert "已导入 5 个问题" in result.output
    out = tmp_path / "ledger.xlsx"
    result = runner.invoke(export_command, [str(out), "--as", "cadre-b", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"exported 2 findings to {out}" in result.output
    sheet = load_workbook(out).worksheets[0]
    assert sheet.max_row == HEADER_ROW + 2  # town-b has findings 2 and 4
    assert sheet["A2"].value.startswith("范围：河西镇")
    result = runner.invoke(export_command, [str(out), "--unit", "town-a", "--state", "reported"])
    assert result.exit_code == 0, result.output
    assert f"已导出 3 个问题到 {out}" in result.output
    assert load_workbook(out).worksheets[0].max_row == HEADER_ROW + 3
    result = runner.invoke(export_command, [str(out), "--unit", "nowhere"])
    assert result.exit_code != 0 and "错误：unit: 未知的单位 'nowhere'" in result.output


COLUMNS = [name for name, _w in LEDGER_COLUMNS]


@pytest.fixture
def ledger_tickets(make_ticket, county, move):  # type: ignore[no-untyped-def]
    late = make_ticket(title="清理垃圾堆", deadline=date(2026, 6, 20), co_units=["dept"])
    move(late, county.cadre_a, "accept", comment="已安排人员清理")
    make_ticket(title="河西镇柴草堆", responsible_unit="town-b", location_unit="village-b")
    make_ticket(title="县局农膜", responsible_unit="dept", location_unit=None)
    return late


def _download(client, query: str = ""):  # type: ignore[no-untyped-def]
    response = client.get("/tickets/export.xlsx" + query)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(BytesIO(response.data)).worksheets[0]


def test_export_one_row_per_visible_ticket_with_overdue_highlight(
    app, db, county, ledger_tickets, as_user, monkeypatch
):
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: later(10))
    client = as_user(county.admin)
    sheet = _download(client, "?queue=all")
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == COLUMNS
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.column_dimensions["D"].width == 30
    assert sheet.max_row == HEADER_ROW + 3
    rows = {
        r[1].value: dict(zip(COLUMNS, r, strict=True))
        for r in sheet.iter_rows(min_row=HEADER_ROW + 1)
    }
    late = rows[ledger_tickets.code]
    # ten days on, the 2026-06-20 deadline is past; the others (2026-06-30) are not
    assert late["是否逾期"].value == "是"
    assert late["序号"].fill.fgColor.rgb.endswith("F4CCCC")
    assert "已安排人员清理" in late["整改进展"].value
    assert "清理垃圾堆 —/12堆" in late["整改进展"].value
    assert late["责任单位"].value == "青山乡" and late["乡镇/村"].value == "上庄村"
    others = [r for code, r in rows.items() if code != ledger_tickets.code]
    assert all(r["是否逾期"].value == "否" for r in others)
    assert all(r["序号"].fill.fgColor.rgb != late["序号"].fill.fgColor.rgb for r in others)
    # scoped: the department's cadre sees its own finding and the one it co-operates on
    client = as_user(county.cadre_dept)
    sheet = _download(client, "?queue=all")
    assert {r[3].value.split("\n")[0] for r in sheet.iter_rows(min_row=HEADER_ROW + 1)} == {
        "清理垃圾堆",
        "县局农膜",
    }
    client = as_user(county.cadre_b)
    assert _download(client, "?queue=all").max_row == HEADER_ROW + 1
    # the filter is applied as on the list
    client = as_user(county.admin)
    assert _download(client, "?queue=all&unit=town-b").max_row == HEADER_ROW + 1
    response = client.get("/tickets/export.xlsx?state=nope")
    assert response.status_code == 302


def test_write_ledger_counts_rows(db, county, ledger_tickets, workflow):
    stmt = scoped_query(
        db, county.leader_a, TicketFilter(), workflow, later(30), "Asia/Shanghai", 3
    ).rows
    buffer = BytesIO()
    assert write_ledger(db, stmt, "deadline", workflow, later(30), "Asia/Shanghai", 3, buffer) == 1


def test_import_names_each_bad_row_in_chinese(as_user, county, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: NOW)
    client = as_user(county.inspector)
    rows = [
        finding(1, **{"责任单位": "火星乡"}),
        finding(3, **{"整改时限": "下周"}),
        finding(5, **{"严重程度": "很急"}),
        finding(7, **{"标题": "长" * 201}),
    ]
    response = client.post(
        "/tickets/import",
        data={"file": (BytesIO(sheet_bytes(rows)), "findings.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    reasons = [
        html.unescape(cell)
        for cell in re.findall(r'<td class="text-nowrap">\d+</td><td>(.*?)</td>', response.text)
    ]
    assert reasons == [
        "责任单位：未知的单位 “火星乡”",
        "整改时限：“下周” 既不是日期，也不是“N个工作日”",
        "严重程度：未知的严重程度 “很急”",
        "标题：最多200个字符",
    ]
    bad_file = client.post(
        "/tickets/import",
        data={"file": (BytesIO(b"not a spreadsheet"), "findings.xlsx")},
        content_type="multipart/form-data",
    )
    assert "请上传 Excel .xlsx 文件" in bad_file.text
