"""The dashboard's rollups: kept exact by the triggers through every kind of change, and read
back into the very figures the tickets give (tracker/reports/rollup.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from conftest import BACKENDS, pg_database
from helpers import NOW, count_queries, later
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import column as sa_column
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy import table as sa_table
from werkzeug.datastructures import MultiDict

from tracker import create_app, migrate
from tracker.core.db import get_engine, session_scope
from tracker.ops.cli import backup_command, restore_command
from tracker.reports import cache, rollup
from tracker.reports.cli import reports_group
from tracker.reports.models import TicketFlowRollup, TicketRollup
from tracker.reports.queries import dashboard_stats
from tracker.tickets import ledger
from tracker.tickets.bulk import bulk_update
from tracker.tickets.models import Ticket
from tracker.tickets.queries import TicketFilter

DONE = {"name": "清理垃圾堆", "unit": "堆", "achieved": 1}


def assert_rollup_exact(db) -> None:  # type: ignore[no-untyped-def]
    db.commit()
    _rows, found = rollup.differences(db)
    db.commit()
    assert [d.describe() for d in found] == []


def both_ways(db, app, user, now=NOW, filters=None, **config):  # type: ignore[no-untyped-def]
    """The dashboard from the rollups and from the tickets; asserts they are equal."""
    base = {**app.config, "DASHBOARD_CACHE_SECONDS": 0, **config}
    live = dashboard_stats(db, user, filters, now, {**base, "DASHBOARD_ROLLUP": False})
    with count_queries(app) as statements:
        fast = dashboard_stats(db, user, filters, now, {**base, "DASHBOARD_ROLLUP": True})
    assert fast == live
    return fast, statements


def reads(statements: list[str], table: str) -> bool:
    return any(f"FROM {table}" in s for s in statements)


# --- the triggers follow every change ------------------------------------------------------


def test_every_step_of_a_ticket_keeps_the_rollup_exact(
    db, app, county, make_ticket, move, settings
) -> None:
    c = county
    ticket = make_ticket(deadline=date(2026, 6, 20))
    other = make_ticket(responsible_unit="town-b", location_unit="village-b", co_units=["dept"])
    assert_rollup_exact(db)
    assert db.execute(select(func.sum(TicketRollup.tickets))).scalar_one() == 2
    steps = [
        (c.cadre_a, "accept", {}),
        (c.cadre_a, "request_extension", {"comment": "雨季", "deadline": date(2026, 7, 10)}),
        (c.leader_a, "approve_extension", {}),  # the deadline in force moves
        (c.cadre_a, "report_completion", {"comment": "完成", "indicators": [DONE]}),
        (c.inspector, "reject", {"comment": "不到位"}),
        (c.cadre_a, "report_completion", {"comment": "再次", "indicators": [DONE]}),
        (c.inspector, "verify", {}),
        (c.leader_a, "close", {}),
        (c.inspector, "rebound", {"comment": "反弹", "deadline": date(2026, 7, 30)}),
    ]
    for number, (user, name, inputs) in enumerate(steps):
        move(ticket, user, name, now=later(number), **inputs)
        assert_rollup_exact(db)
    move(other, c.inspector, "withdraw", comment="重复")
    assert_rollup_exact(db)
    # Bulk edits: a new responsible unit and deadline for both.
    bulk_update(
        db,
        c.admin,
        [ticket.id, other.id],
        NOW,
        settings,
        deadline=date(2026, 9, 1),
        responsible_unit="dept",
    )
    assert_rollup_exact(db)
    rows = db.execute(select(TicketRollup)).scalars().all()
    assert {(r.responsible_unit_id, r.state, r.tickets) for r in rows} == {
        (c.department.id, "rectifying", 1),
        (c.department.id, "closed", 1),
    }
    flow = db.execute(select(TicketFlowRollup)).scalars().all()
    # Opened: both; closed: the withdrawn one (the other was closed, then reopened).
    assert sum(f.opened for f in flow) == 2 and sum(f.closed for f in flow) == 1


def test_updates_that_touch_no_counted_column_leave_the_rollup_alone(db, county, make_ticket):
    ticket = make_ticket()
    db.execute(text("UPDATE ticket_rollup SET rebounds = 7"))  # a marker the triggers keep
    db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(updated_at=later(1), title="新标题", person_in_charge="李四")
    )
    db.commit()
    assert db.execute(select(TicketRollup.rebounds)).scalar_one() == 7


def test_a_deleted_ticket_leaves_no_empty_group(db, county, make_ticket) -> None:
    make_ticket()
    bare = db.execute(
        insert(Ticket)
        .values(**_bare_ticket(county.town_b.id, code="X-1", inspection_id=None))
        .returning(Ticket.id)
    ).scalar_one()
    db.commit()
    assert db.execute(select(func.count()).select_from(TicketRollup)).scalar_one() == 2
    db.execute(delete(Ticket).where(Ticket.id == bare))
    assert_rollup_exact(db)
    units = db.execute(select(TicketRollup.responsible_unit_id)).scalars().all()
    assert units == [county.town_a.id]
    slots = db.execute(select(TicketFlowRollup.responsible_unit_id)).scalars().all()
    assert slots == [county.town_a.id]


def _sheet(rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(ledger.IMPORT_HEADERS))
    for row in rows:
        sheet.append([row.get(h, "") for h in ledger.IMPORT_HEADERS])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_import_is_counted(db, county, workflow, settings) -> None:
    rows = [
        {
            "问题描述": f"第{i}号 房前屋后垃圾堆未清理",
            "问题类别": "垃圾堆",
            "乡镇/村": "上庄村",
            "问题来源": "督查暗访",
            "责任单位": "青山乡" if i % 2 else "town-b",
            "协办单位": "县农业农村局" if i % 3 == 0 else "",
            "责任人": "张三",
            "整改要求": "限期清理",
            "整改时限": "2026-07-31",
            "严重程度": "一般",
            "整改指标": "清理垃圾堆:12堆",
        }
        for i in range(1, 13)
    ]
    _total, parsed = ledger.read_rows(BytesIO(_sheet(rows)))
    result = ledger.import_findings(db, county.inspector, parsed, workflow, NOW, settings)
    assert result.ok, result.errors
    assert_rollup_exact(db)
    counted = db.execute(
        select(TicketRollup.responsible_unit_id, TicketRollup.tickets).order_by(
            TicketRollup.responsible_unit_id
        )
    ).all()
    assert counted == [(county.town_a.id, 6), (county.town_b.id, 6)]


# --- random changes: the rollup always equals a fresh aggregate ------------------------------

STATES = ("reported", "rectifying", "verified", "closed")
DAYS = st.dates(date(2026, 5, 1), date(2026, 8, 31))
MOMENTS = st.datetimes(datetime(2026, 5, 1), datetime(2026, 8, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


def _bare_ticket(unit_id: int, code: str, **values) -> dict:  # type: ignore[no-untyped-def]
    """A ticket row written straight into the table (what a bulk loader or manual SQL does)."""
    return {
        "code": code,
        "title": "随机",
        "responsible_unit_id": unit_id,
        "state": "reported",
        "deadline": date(2026, 6, 30),
        "original_deadline": date(2026, 6, 30),
        "created_at": NOW,
        "updated_at": NOW,
        "last_activity_at": NOW,
        "version": 1,
        **values,
    }


def changes(units: list[int], rounds: list[int]):  # type: ignore[no-untyped-def]
    """Random values for the columns the rollups read."""
    return st.fixed_dictionaries(
        {},
        optional={
            "responsible_unit_id": st.sampled_from(units),
            "inspection_id": st.sampled_from([None, *rounds]),
            "state": st.sampled_from(STATES),
            "is_awaiting_verification": st.booleans(),
            "resolution": st.sampled_from([None, "done", "withdrawn"]),
            "deadline": DAYS,
            "original_deadline": DAYS,
            "created_at": MOMENTS,
            "closed_at": st.none() | MOMENTS,
            "completed_on": st.none() | DAYS,
            "closed_on": st.none() | DAYS,
            "rejection_count": st.integers(0, 3),
            "rebound_count": st.integers(0, 3),
        },
    )


@pytest.fixture
def rounds(db):  # type: ignore[no-untyped-def]
    from tracker.inspections.models import Inspection

    made = [Inspection(title=f"第{i}轮", started_on=date(2026, 5, i)) for i in (1, 2)]
    db.add_all(made)
    db.commit()
    return [r.id for r in made]


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_changes_keep_the_rollup_exact(db, app, county, rounds, data) -> None:
    units = [county.town_a.id, county.village_a.id, county.town_b.id, county.department.id]
    values = changes(units, rounds)
    db.rollback()  # a failed example leaves its transaction behind
    db.execute(delete(Ticket))  # each example starts afresh (and the triggers empty the rollups)
    ids: list[int] = []
    for step in range(data.draw(st.integers(1, 8), label="steps")):
        action = data.draw(st.sampled_from(["insert", "update", "delete"]), label="action")
        if action == "insert" or not ids:
            row = _bare_ticket(data.draw(st.sampled_from(units)), f"H-{step}")
            row.update(data.draw(values, label="values"))
            ids.append(db.execute(insert(Ticket).values(**row).returning(Ticket.id)).scalar_one())
        elif action == "update":
            ticket_id = data.draw(st.sampled_from(ids), label="ticket")
            new = data.draw(values, label="new values")
            if new:
                db.execute(update(Ticket).where(Ticket.id == ticket_id).values(**new))
        else:
            ticket_id = data.draw(st.sampled_from(ids), label="ticket")
            db.execute(delete(Ticket).where(Ticket.id == ticket_id))
            ids.remove(ticket_id)
    assert_rollup_exact(db)
    # Whatever the rows hold (even a running ticket with `closed_at` set), the same figures.
    day = data.draw(st.sampled_from([NOW, later(10), later(40)]), label="day")
    both_ways(db, app, county.leader_a, day)
    both_ways(db, app, county.admin, day, TicketFilter(inspection=rounds[0]))


# --- the dashboard reads the same figures from the rollups ---------------------------------


@pytest.fixture
def co_operated(county, make_ticket, move):  # type: ignore[no-untyped-def]
    """Tickets that the department and town A see only as co-operating units (协办)."""
    b = {"responsible_unit": "town-b", "location_unit": "village-b"}
    first = make_ticket(deadline=date(2026, 6, 16), co_units=["dept"], **b)
    second = make_ticket(deadline=date(2026, 6, 25), co_units=["dept", "town-a"], **b)
    move(second, county.cadre_b, "accept")
    return [first, second]


VIEWERS = ("admin", "leader", "leader_a", "leader_b", "cadre_a", "cadre_village_a", "cadre_dept")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_dashboard_from_the_rollups_equals_the_tickets_day_by_day(
    db, app, county, scenario, co_operated, viewer
) -> None:
    user = getattr(county, viewer)
    # From 06-15 to 07-05 the open deadlines (06-16 ... 06-30) go green, amber, then red.
    for days in (0, 1, 2, 4, 8, 12, 20):
        stats, statements = both_ways(db, app, user, later(days))
        assert reads(statements, "ticket_rollup") and reads(statements, "ticket_flow_rollup")
    if viewer == "cadre_dept":  # sees two tickets, neither of its own
        assert any("ticket_co_unit" in s for s in statements)  # counted from `ticket`
        assert stats["totals"]["total"] == 2
        assert stats["totals"]["rag"] == {"red": 2, "amber": 0, "green": 0}
        assert [u["unit"]["code"] for u in stats["units"]] == ["town-b"]


@pytest.mark.parametrize(
    ("viewer", "unit"),
    [("admin", "town-a"), ("leader", "dept"), ("leader_a", "town-b"), ("cadre_dept", "county")],
)
def test_unit_and_round_filters_from_the_rollups(
    db, app, county, scenario, co_operated, viewer, unit
) -> None:
    user = getattr(county, viewer)
    both_ways(db, app, user, filters=TicketFilter(unit=unit))
    both_ways(db, app, user, filters=TicketFilter(unit=unit, inspection=scenario.round2.id))
    args = MultiDict({"inspection": str(scenario.round1.id)})
    _stats, statements = both_ways(db, app, user, filters=args)
    assert reads(statements, "ticket_rollup")


def test_other_filters_count_the_tickets(db, app, county, scenario) -> None:
    stats, statements = both_ways(
        db, app, county.admin, filters=TicketFilter(category="garbage_pile")
    )
    assert not reads(statements, "ticket_rollup") and not reads(statements, "ticket_flow_rollup")
    assert stats["totals"]["total"] == 8


def test_a_running_ticket_with_closed_at_is_counted_from_the_tickets(
    db, app, county, scenario
) -> None:
    """A custom workflow could close a ticket while its clock runs: its deadline is not in the
    rollup's key, so the figures come from the tickets (and stay right)."""
    db.execute(
        update(Ticket)
        .where(Ticket.id == scenario.t["t2"].id)
        .values(closed_at=NOW, closed_on=NOW.date())
    )
    db.commit()
    stats, statements = both_ways(db, app, county.admin)
    assert stats["totals"]["overdue"] == 1
    assert any("GROUP BY ticket.responsible_unit_id" in s for s in statements)


def test_weeks_off_the_quarter_hours_are_counted_from_the_tickets(db, app, county, scenario):
    """Liberia kept UTC-0:44:30 until 1972: its local weeks do not start on a rollup slot."""
    now = datetime(1970, 3, 1, 12, tzinfo=UTC)
    _stats, statements = both_ways(db, app, county.admin, now, TIMEZONE="Africa/Monrovia")
    assert not reads(statements, "ticket_flow_rollup")
    assert reads(statements, "ticket_rollup")


def test_the_cache_still_serves_repeated_views(db, app, county, scenario) -> None:
    cache.clear()
    dashboard_stats(db, county.leader, None, NOW, app.config)
    with count_queries(app) as statements:
        dashboard_stats(db, county.leader, None, NOW, app.config)
    assert not reads(statements, "ticket_rollup")


# --- operators: rebuild, check, migrate ------------------------------------------------------


def test_check_names_a_tampered_group_and_rebuild_repairs_it(db, app, county, scenario) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(reports_group, ["check-rollup", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "rollup rows match the tickets" in result.output
    assert "行汇总数据与问题一致" in runner.invoke(reports_group, ["check-rollup"]).output
    db.execute(
        text("UPDATE ticket_rollup SET tickets = tickets + 1 WHERE responsible_unit_id = :u"),
        {"u": county.town_b.id},
    )
    db.execute(text("DELETE FROM ticket_flow_rollup"))
    db.commit()
    zh = runner.invoke(reports_group, ["check-rollup"])  # the configured default: zh
    assert zh.output.startswith("不一致：ticket_rollup") and "行汇总数据不一致" in zh.output
    result = runner.invoke(reports_group, ["check-rollup"], env={"TRACKER_LANG": "en"})
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("DIFFERENT ticket_rollup (responsible_unit_id=")
    assert f"responsible_unit_id={county.town_b.id}," in first
    assert "rollup has tickets=" in first and "; tickets give tickets=" in first
    result = runner.invoke(reports_group, ["rebuild-rollup"])
    assert result.exit_code == 0, result.output
    assert "ticket_rollup：由 9 个问题汇总为" in result.output
    result = runner.invoke(reports_group, ["rebuild-rollup", "--lang", "en"])
    assert "ticket_rollup: " in result.output and "from 9 tickets" in result.output
    assert runner.invoke(reports_group, ["check-rollup"]).exit_code == 0


def test_a_restored_backup_brings_its_rollups_and_triggers(
    app, db, county, make_ticket, tmp_path
) -> None:
    """The rollups are data and the triggers schema: a restore needs nothing more."""
    make_ticket()
    output = tmp_path / "tracker.bak"
    runner = app.test_cli_runner()
    assert runner.invoke(backup_command, ["--output", str(output)]).exit_code == 0
    make_ticket(responsible_unit="town-b", location_unit="village-b")  # not in the backup
    db.close()
    result = runner.invoke(restore_command, [str(output), "--yes"])
    assert result.exit_code == 0, result.output
    get_engine(app).dispose()
    assert_rollup_exact(db)
    assert db.execute(select(func.sum(TicketRollup.tickets))).scalar_one() == 1
    make_ticket(responsible_unit="town-b", location_unit="village-b")  # the triggers run
    assert_rollup_exact(db)
    assert db.execute(select(func.sum(TicketRollup.tickets))).scalar_one() == 2


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else pg_database("roll")
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    yield app
    get_engine(app).dispose()


def test_migration_fills_the_rollups_from_existing_tickets(empty_database) -> None:
    app = empty_database
    migrate.upgrade(app, "0001")
    with app.app_context(), session_scope(app) as session:
        from tracker.org.service import create_unit

        unit = create_unit(session, "town", "青山乡", "township")
        for number in range(3):
            closed = NOW if number == 2 else None
            row = _bare_ticket(unit.id, f"M-{number}", closed_at=closed, state="reported")
            # Revision 0001's columns only: today's model has columns added later (0009).
            table = Ticket.__table__  # type: ignore[attr-defined]
            added_later = {"history_count", "history_head", "history_seal"}
            defaults = {
                c.name: c.default.arg
                for c in table.c
                if c.default is not None and c.default.is_scalar and c.name not in added_later
            }
            values = {**defaults, **row}
            columns = [sa_column(name, table.c[name].type) for name in values]
            session.execute(insert(sa_table("ticket", *columns)).values(**values))
    migrate.upgrade(app)
    with app.app_context(), session_scope(app) as session:
        assert rollup.differences(session)[1] == []
        assert session.execute(select(func.sum(TicketRollup.tickets))).scalar_one() == 3
        assert session.execute(select(func.sum(TicketFlowRollup.closed))).scalar_one() == 1
    migrate.downgrade(app, "0001")
    migrate.upgrade(app)
