"""`tracker backup` and `tracker restore`: a round trip on SQLite and PostgreSQL."""

from __future__ import annotations

from conftest import pg_database
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, select

from tracker.ops import audit
from tracker.ops.backup import restore
from tracker.ops.cli import backup_command, restore_command
from tracker.tickets.models import Ticket, TicketEvent


def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            tickets = session.exec(select(func.count()).select_from(Ticket)).one()
            events = session.exec(select(func.count()).select_from(TicketEvent)).one()
            assert audit.verify_chain(session).ok
    finally:
        engine.dispose()
    return tickets, events


def test_backup_then_restore_into_a_fresh_database(app, db, county, make_ticket, move, tmp_path):
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", comment="签收")
    make_ticket(title="第二个问题")
    url = app.config["DATABASE_URL"]
    output = tmp_path / "backups" / "tracker.bak"

    result = app.test_cli_runner().invoke(backup_command, ["--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.stat().st_size > 0
    assert f"备份已写入 {output}（{output.stat().st_size} 字节）" in result.output

    if url.startswith("sqlite"):
        fresh = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        fresh = pg_database("restore")
    restore(fresh, output)
    assert _counts(fresh) == _counts(url) == (2, 3)


def test_restore_replaces_later_changes(app, db, county, make_ticket, tmp_path):
    make_ticket()
    output = tmp_path / "tracker.bak"
    runner = app.test_cli_runner()
    written = runner.invoke(backup_command, ["--output", str(output), "--lang", "en"])
    assert written.exit_code == 0 and f"backup written to {output} (" in written.output
    make_ticket(title="备份之后新增")
    db.close()

    result = runner.invoke(restore_command, [str(output), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"数据库已从 {output} 恢复" in result.output
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        titles = conn.execute(text("SELECT title FROM ticket")).scalars().all()
    engine.dispose()
    assert titles == ["上庄村房前屋后垃圾堆未清理"]


def test_restore_refuses_a_missing_file(app, tmp_path):
    result = app.test_cli_runner().invoke(restore_command, [str(tmp_path / "nope.bak"), "--yes"])
    assert result.exit_code != 0
