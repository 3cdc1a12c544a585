"""Township ranking: the parts of each score and the order, from configured weights."""

from __future__ import annotations

from helpers import NOW

from tracker.reports.queries import load_units, make_context, unit_figures
from tracker.reports.ranking import Weights, rank_townships


def _rank(db, app, user, ranking: dict):  # type: ignore[no-untyped-def]
    ctx = make_context(db, user, None, NOW, app.config)
    groups = unit_figures(db, ctx, load_units(db))
    return rank_townships(groups, Weights.from_config({"RANKING": ranking}))


def test_default_weights_parts_and_order(db, app, county, scenario) -> None:
    ranked = _rank(db, app, county.admin, dict(app.config["RANKING"]))
    assert [(r.rank, r.figures.unit.code) for r in ranked] == [(1, "town-a"), (2, "town-b")]
    a, b = ranked
    # Town A, 6 counted: 1 on time (original) → +16.7; 1 overdue → −16.7; 1 rejection × 0.5.
    assert a.parts == {"on_time": 16.7, "overdue": -16.7, "rebounds": 0.0, "rejections": -8.3}
    assert a.score == -8.3
    # Town B, 2 counted (the withdrawn one does not count): 1 rebound × 2 per 100 → −100.
    assert b.parts == {"on_time": 0.0, "overdue": 0.0, "rebounds": -100.0, "rejections": 0.0}
    assert b.score == -100.0


def test_weights_change_the_order(db, app, county, scenario) -> None:
    ranked = _rank(db, app, county.admin, {"rejections": 10, "on_time_against": "extended"})
    assert [r.figures.unit.code for r in ranked] == ["town-b", "town-a"]
    a = ranked[1]
    assert a.parts["on_time"] == 33.3  # two closed on time against the extended deadline
    assert a.parts["rejections"] == -166.7


def test_leader_ranks_only_their_township(db, app, county, scenario) -> None:
    ranked = _rank(db, app, county.leader_b, {})
    assert [r.figures.unit.code for r in ranked] == ["town-b"]


def test_ranking_page_shows_parts(client, as_user, county, scenario) -> None:
    as_user(county.leader)
    page = client.get("/ranking").get_data(as_text=True)
    assert "青山乡" in page and "河西镇" in page
    assert "-100.0" in page and "+16.7" in page
