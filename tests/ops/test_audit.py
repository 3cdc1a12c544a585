"""`tracker audit verify`: the ticket history is tamper-evident."""

from __future__ import annotations

from sqlalchemy import text

from tracker.ops import audit
from tracker.ops.cli import audit_group


def _history(db, county, make_ticket, move):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", comment="已签收")
    other = make_ticket(title="另一个问题")
    return ticket, other


def test_a_fresh_history_verifies(app, db, county, make_ticket, move):
    _history(db, county, make_ticket, move)
    result = app.test_cli_runner().invoke(audit_group, ["verify"])
    assert result.exit_code == 0, result.output
    assert "正常：2 个问题的 3 条记录" in result.output  # the configured default: zh
    result = app.test_cli_runner().invoke(audit_group, ["verify"], env={"TRACKER_LANG": "en"})
    assert "3 events of 2 tickets" in result.output


def test_an_edited_comment_is_named(app, db, county, make_ticket, move):
    ticket, _ = _history(db, county, make_ticket, move)
    accept_id = db.execute(
        text("SELECT id FROM ticket_event WHERE ticket_id = :t AND kind = 'transition'"),
        {"t": ticket.id},
    ).scalar_one()
    db.execute(
        text("UPDATE ticket_event SET comment = 'rewritten' WHERE id = :id"), {"id": accept_id}
    )
    db.commit()

    result = app.test_cli_runner().invoke(audit_group, ["verify", "--lang", "en"])
    assert result.exit_code == 1
    assert f"ticket {ticket.id}: event {accept_id} was altered" in result.output
    assert "1 broken ticket histories" in result.output
    zh = app.test_cli_runner().invoke(audit_group, ["verify"])  # the configured default: zh
    assert zh.exit_code == 1
    assert f"已损坏：ticket {ticket.id}" in zh.output and "1 个问题的历史记录已损坏" in zh.output


def test_a_removed_event_breaks_the_next_link(db, county, make_ticket, move):
    ticket, _ = _history(db, county, make_ticket, move)
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        comment="完成",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "achieved": 12}],
    )
    ids = (
        db.execute(
            text("SELECT id FROM ticket_event WHERE ticket_id = :t ORDER BY id"), {"t": ticket.id}
        )
        .scalars()
        .all()
    )
    db.execute(text("DELETE FROM ticket_event WHERE id = :id"), {"id": ids[1]})
    db.commit()

    result = audit.verify_chain(db)
    assert not result.ok
    assert [(b.ticket_id, b.event_id) for b in result.breaks or []] == [(ticket.id, ids[2])]
    assert "prev_hash" in (result.breaks or [])[0].reason
