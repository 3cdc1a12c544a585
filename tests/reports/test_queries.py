"""Dashboard figures against the hand-counted scenario (tests/reports/conftest.py)."""

from __future__ import annotations

import json

from helpers import NOW
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from tracker.core.db import get_engine
from tracker.reports import cache
from tracker.reports.queries import dashboard_stats
from tracker.tickets.queries import TicketFilter


def _stats(db, app, user, filters=None):  # type: ignore[no-untyped-def]
    return dashboard_stats(db, user, filters, NOW, app.config)


def _by_code(stats: dict) -> dict[str, dict]:
    return {row["unit"]["code"]: row for row in stats["units"]}


def test_figures_per_township_match_hand_counts(db, app, county, scenario) -> None:
    stats = _stats(db, app, county.admin)
    rows = _by_code(stats)
    assert list(rows) == ["town-a", "town-b"]
    a, b = rows["town-a"], rows["town-b"]
    assert {k: a[k] for k in ("total", "open", "overdue", "closed", "done", "withdrawn")} == {
        "total": 6,
        "open": 4,
        "overdue": 1,
        "closed": 2,
        "done": 2,
        "withdrawn": 0,
    }
    assert a["closed_on_time_original"] == 1
    assert a["closed_on_time_extended"] == 2
    assert a["rejections"] == 1 and a["rebounds"] == 0
    assert a["rag"] == {"red": 1, "amber": 1, "green": 1}
    assert a["rectification_rate"] == 33.3
    assert a["avg_days_to_close"] == 15.0
    assert a["on_time_rate_original"] == 50.0 and a["on_time_rate_extended"] == 100.0

    assert {k: b[k] for k in ("total", "open", "overdue", "closed", "done", "withdrawn")} == {
        "total": 3,
        "open": 1,
        "overdue": 0,
        "closed": 2,
        "done": 1,
        "withdrawn": 1,
    }
    # t9 reported completion at 00:30 local on the day after its deadline: late both ways.
    assert b["closed_on_time_original"] == 0 and b["closed_on_time_extended"] == 0
    assert b["rebounds"] == 1 and b["rejections"] == 0
    assert b["rag"] == {"red": 0, "amber": 0, "green": 1}
    assert b["rectification_rate"] == 50.0
    assert b["avg_days_to_close"] == 14.0

    totals = stats["totals"]
    assert totals["total"] == 9 and totals["open"] == 5 and totals["closed"] == 4
    assert totals["rag"] == {"red": 1, "amber": 1, "green": 2}
    assert totals["rectification_rate"] == 37.5  # 3 done of 8 counted
    assert totals["avg_days_to_close"] == round((11 + 19 + 14) / 3, 1)
    json.dumps(stats)  # JSON-ready


def test_progress_per_round_and_week(db, app, county, scenario) -> None:
    rounds = {r["title"]: r for r in _stats(db, app, county.admin)["inspections"]}
    assert rounds["第一轮督导检查"]["total"] == 6
    assert rounds["第一轮督导检查"]["open"] == 4 and rounds["第一轮督导检查"]["closed"] == 2
    assert rounds["第二轮督导检查"]["closed"] == 2 and rounds["第二轮督导检查"]["open"] == 1
    assert rounds["第二轮督导检查"]["progress"] == 66.7
    # Opened and closed per local week (Monday to Sunday), the current week last.
    weekly = _stats(db, app, county.admin)["weekly"]
    assert len(weekly) == 12 and weekly[-1]["week_start"] == "2026-06-15"
    got = {
        w["week_start"]: (w["opened"], w["closed"]) for w in weekly if w["opened"] or w["closed"]
    }
    assert got == {
        "2026-05-18": (1, 0),
        "2026-05-25": (2, 0),
        "2026-06-01": (3, 1),
        "2026-06-08": (1, 3),
        "2026-06-15": (2, 0),
    }


def test_leader_of_one_township_sees_only_it(db, app, county, scenario) -> None:
    stats = _stats(db, app, county.leader_a)
    assert [row["unit"]["code"] for row in stats["units"]] == ["town-a"]
    assert stats["totals"]["total"] == 6
    assert stats["scope"]["units"] == ["town-a"]
    village = _stats(db, app, county.cadre_village_a)
    # A village cadre sees only their village's finding, still grouped under its township.
    assert [(r["unit"]["code"], r["total"]) for r in village["units"]] == [("town-a", 1)]


def test_filters_narrow_the_figures(db, app, county, scenario) -> None:
    by_round = _stats(db, app, county.admin, TicketFilter(inspection=scenario.round2.id))
    assert [row["unit"]["code"] for row in by_round["units"]] == ["town-b"]
    by_args = _stats(db, app, county.admin, MultiDict({"category": "plastic_film"}))
    assert by_args["totals"]["total"] == 1


def test_query_count_is_bounded(db, app, county, scenario, make_ticket) -> None:
    statements: list[str] = []

    def count(*args) -> None:  # type: ignore[no-untyped-def]
        statements.append(args[2])

    engine = get_engine(app)
    _stats(db, app, county.leader)  # the session remembers the leader's charges from here on
    db.commit()
    cache.clear()
    event.listen(engine, "before_cursor_execute", count)
    try:
        _stats(db, app, county.leader)
        first = len(statements)
        for _ in range(5):
            make_ticket(responsible_unit="village-b", location_unit="village-b")
        statements.clear()
        _stats(db, app, county.leader)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first <= 9  # SQLite 8; PostgreSQL adds SET LOCAL jit = off
    assert len(statements) == first
