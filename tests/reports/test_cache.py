"""The dashboard's aggregate cache: served again while nothing changes, recomputed on any change."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

from helpers import NOW
from sqlalchemy import event, text, update

from tracker.core.db import get_engine, make_engine
from tracker.reports import cache
from tracker.reports.queries import dashboard_stats
from tracker.tickets.models import Ticket

SOURCES = ("ticket", "ticket_rollup")


def _count_aggregates(app):  # type: ignore[no-untyped-def]
    """A list that collects the per-unit aggregates (over tickets or their rollup) run on the
    app's engine (and its remover)."""
    scans: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if any(f"GROUP BY {table}.responsible_unit_id" in statement for table in SOURCES):
            scans.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", record)
    return scans, lambda: event.remove(engine, "before_cursor_execute", record)


def test_same_view_is_served_from_the_cache(db, app, county, scenario) -> None:
    cache.clear()
    scans, stop = _count_aggregates(app)
    try:
        first = dashboard_stats(db, county.leader, None, NOW, app.config)
        again = dashboard_stats(db, county.leader, None, NOW + timedelta(minutes=5), app.config)
    finally:
        stop()
    assert len(scans) == 1
    assert again["units"] == first["units"] and again["weekly"] == first["weekly"]


def test_a_transition_is_seen_at_once(db, app, county, scenario, move) -> None:
    cache.clear()
    before = dashboard_stats(db, county.admin, None, NOW, app.config)
    version = cache.data_version(db)
    t2 = scenario.t["t2"]  # overdue since 06-10
    move(t2, county.cadre_a, "request_extension", comment="雨季", deadline=date(2026, 6, 30))
    assert cache.data_version(db) != version
    move(t2, county.leader_a, "approve_extension")
    after = dashboard_stats(db, county.admin, None, NOW, app.config)
    assert after["totals"]["overdue"] == before["totals"]["overdue"] - 1


def test_a_write_without_an_event_is_seen_too(db, app, county, scenario) -> None:
    cache.clear()
    before = dashboard_stats(db, county.admin, None, NOW, app.config)
    db.execute(update(Ticket).where(Ticket.id == scenario.t["t1"].id).values(rebound_count=5))
    db.commit()
    after = dashboard_stats(db, county.admin, None, NOW, app.config)
    assert after["totals"]["rebounds"] == before["totals"]["rebounds"] + 5


def test_scope_filters_and_day_are_part_of_the_key(db, app, county, scenario) -> None:
    cache.clear()
    whole = dashboard_stats(db, county.leader, None, NOW, app.config)
    one = dashboard_stats(db, county.leader_a, None, NOW, app.config)
    assert [u["unit"]["code"] for u in whole["units"]] == ["town-a", "town-b"]
    assert [u["unit"]["code"] for u in one["units"]] == ["town-a"]
    later = dashboard_stats(db, county.leader_a, None, NOW + timedelta(days=3), app.config)
    assert later["totals"]["overdue"] != one["totals"]["overdue"]


def test_no_cache_when_turned_off(db, app, county, scenario) -> None:
    cache.clear()
    config = {**app.config, "DASHBOARD_CACHE_SECONDS": 0}
    scans, stop = _count_aggregates(app)
    try:
        dashboard_stats(db, county.leader, None, NOW, config)
        dashboard_stats(db, county.leader, None, NOW, config)
    finally:
        stop()
    assert len(scans) == 2


def test_importing_the_cache_installs_nothing_the_app_installs_it_on_its_engine(
    app, tmp_path
) -> None:
    """The write counter listens on the app's engine (create_app), not on every engine."""
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "from sqlalchemy import event; from sqlalchemy.engine import Engine;"
            "from tracker.reports import cache;"
            "print(event.contains(Engine, 'after_cursor_execute', cache._count_writes))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == "False"
    assert event.contains(get_engine(app), "after_cursor_execute", cache._count_writes)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        before = cache._writes
        with other.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert cache._writes == before  # not the app's engine: not counted
    finally:
        other.dispose()
