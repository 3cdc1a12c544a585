"""A finished round entered as history (`tracker import --historical`, the import page's box):
past dates and final states taken as given, every bad row named and none written, nothing sent."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from helpers import NOW
from openpyxl import Workbook
from sqlmodel import func, select

from tracker.ops.cli import audit_group
from tracker.reminders.cli import sweep_command
from tracker.reminders.models import OutboxMessage
from tracker.tickets import ledger
from tracker.tickets.ledger_cli import import_command
from tracker.tickets.models import Ticket, TicketEvent

HEADERS = [*ledger.IMPORT_HEADERS, *ledger.HISTORY_HEADERS]


def sheet(rows: list[dict]) -> bytes:
    workbook = Workbook()
    page = workbook.active
    page.append(HEADERS)
    for row in rows:
        page.append([row.get(h, "") for h in HEADERS])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def past(i: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "问题描述": f"第{i}号 房前屋后垃圾堆未清理",
        "问题类别": "垃圾堆",
        "乡镇/村": "上庄村",
        "责任单位": "青山乡",
        "整改时限": "2026-03-20",
        "整改指标": "清理垃圾堆:12堆",
        "交办日期": date(2026, 3, 2),
        "整改状态": "已销号",
        "完成时间": "2026-03-15",
        "销号时间": "2026年3月25日",
        "整改进展": "已清理完毕，建立长效保洁机制",
        **extra,
    }


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def pinned(monkeypatch):  # type: ignore[no-untyped-def]
    for where in ("tracker.tickets.ledger_cli.utcnow", "tracker.tickets.ledger_views.utcnow"):
        monkeypatch.setattr(where, lambda: NOW)


def test_cli_enters_a_past_round_in_its_states_and_sends_nothing(  # type: ignore[no-untyped-def]
    app, db, county, tmp_path, pinned
):
    path = tmp_path / "round1.xlsx"
    path.write_bytes(
        sheet(
            [
                past(1),
                past(2, **{"整改状态": "已核查", "销号时间": "", "核查时间": "2026-03-18"}),
                # last year's: 10 working days from 2025-11-03, closed with one date only
                past(
                    3,
                    **{
                        "责任单位": "town-b",
                        "乡镇/村": "",
                        "交办日期": "2025-11-03",
                        "整改时限": "10个工作日",
                        "完成时间": "2025-11-12",
                        "销号时间": "",
                    },
                ),
            ]
        )
    )
    runner = app.test_cli_runner()
    result = runner.invoke(
        import_command, [str(path), "--historical", "--as", "inspector", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "imported 3 past findings" in result.output
    db.rollback()
    by_number = {t.description[:3]: t for t in db.exec(select(Ticket))}
    closed, verified, last_year = by_number["第1号"], by_number["第2号"], by_number["第3号"]
    assert (closed.state, closed.resolution) == ("closed", "done")
    assert closed.deadline == date(2026, 3, 20) and closed.completed_on == date(2026, 3, 15)
    assert closed.closed_on == date(2026, 3, 25) and closed.verified_at is not None
    assert closed.created_at.date() == date(2026, 3, 2) and closed.return_by is None
    assert closed.followup_due_on is None  # no follow-up check planned for history
    assert (verified.state, verified.closed_at, verified.resolution) == ("verified", None, None)
    assert verified.verified_at.date() == date(2026, 3, 18)
    assert last_year.code.startswith("DC-2025-") and closed.code.startswith("DC-2026-")
    assert last_year.deadline == date(2025, 11, 17)  # ten working days after 3 November
    assert last_year.closed_on == date(2025, 11, 12)  # 销号 on its one date
    created = db.exec(select(TicketEvent).where(TicketEvent.ticket_id == closed.id)).one()
    assert created.to_state == "closed" and created.created_at == NOW
    assert created.data["historical"]["filed_on"] == "2026-03-02"
    assert created.data["historical"]["progress"].startswith("已清理完毕")
    assert _count(db, OutboxMessage) == 0  # no notice of the filing
    swept = runner.invoke(sweep_command, ["--now", "2026-06-16T01:00:00+00:00"])
    assert swept.exit_code == 0, swept.output
    db.rollback()
    assert _count(db, OutboxMessage) == 0  # and no reminder afterwards
    assert runner.invoke(audit_group, ["verify"]).exit_code == 0  # the history chains hold


def test_every_bad_row_is_named_and_none_is_written(app, db, county, tmp_path, pinned):  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        sheet(
            [
                past(1),
                past(2, **{"整改状态": "整改中"}),  # open: not history
                past(3, **{"交办日期": ""}),
                past(4, **{"完成时间": "2026-02-01"}),  # before it was filed
                past(5, **{"销号时间": "2026-07-01"}),  # after today
                past(6, **{"责任单位": "火星乡"}),
                past(7, **{"整改时限": "2026-02-01"}),  # due before it was filed
                past(8, **{"整改状态": "", "完成时间": "某天"}),
            ]
        )
    )
    result = app.test_cli_runner().invoke(
        import_command, [str(path), "--historical", "--as", "inspector", "--lang", "en"]
    )
    assert result.exit_code == 1
    for row in range(3, 10):
        assert f"row {row}:" in result.output, (row, result.output)
    assert "row 2:" not in result.output
    assert "整改状态" in result.output and "火星乡" in result.output and "某天" in result.output
    db.rollback()
    assert _count(db, Ticket) == 0


def test_without_the_flag_past_dates_are_refused(app, db, county, tmp_path, pinned):  # type: ignore[no-untyped-def]
    path = tmp_path / "round1.xlsx"
    path.write_bytes(sheet([past(1)]))
    result = app.test_cli_runner().invoke(
        import_command, [str(path), "--as", "inspector", "--lang", "en"]
    )
    assert result.exit_code == 1 and "row 2" in result.output


def test_only_inspectors_and_admins_enter_history(app, db, county, tmp_path, pinned):  # type: ignore[no-untyped-def]
    path = tmp_path / "round1.xlsx"
    path.write_bytes(sheet([past(1)]))
    runner = app.test_cli_runner()
    result = runner.invoke(
        import_command, [str(path), "--historical", "--as", "leader", "--lang", "en"]
    )
    assert result.exit_code != 0 and "inspectors and admins" in result.output
    result = runner.invoke(import_command, [str(path), "--historical", "--as", "admin"])
    assert result.exit_code == 0, result.output


def test_the_import_page_enters_history(app, db, county, as_user, pinned):  # type: ignore[no-untyped-def]
    upload = {"historical": "y", "file": (BytesIO(sheet([past(1)])), "round1.xlsx")}
    leader = as_user(county.leader)
    assert 'name="historical"' not in leader.get("/tickets/import").get_data(as_text=True)
    refused = leader.post("/tickets/import", data=upload, content_type="multipart/form-data")
    assert refused.status_code == 403
    inspector = as_user(county.inspector)
    assert 'name="historical"' in inspector.get("/tickets/import").get_data(as_text=True)
    bad = {
        "historical": "y",
        "file": (BytesIO(sheet([past(1, **{"整改状态": "已交办"})])), "x.xlsx"),
    }
    response = inspector.post("/tickets/import", data=bad, content_type="multipart/form-data")
    assert response.status_code == 422 and "已交办" in response.get_data(as_text=True)
    upload = {"historical": "y", "file": (BytesIO(sheet([past(1)])), "round1.xlsx")}
    response = inspector.post("/tickets/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    db.rollback()
    ticket = db.exec(select(Ticket)).one()
    assert ticket.state == "closed"
    page = inspector.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "historical" in page and "2026-03-25" in page
