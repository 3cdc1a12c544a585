"""Township ranking out of 100: every deduction, bonus, cap and tie computed by hand, then
compared with the page, the drill-down lists and the API.

On top of the reports scenario (tests/reports/conftest.py, today 2026-06-15):
- town A gets t10, due 05-01 and never started (45 days overdue: the 8- and 31-day bands), and
  three chases: t2's on 06-10 (unanswered), t6's on 06-10 (a cadre commented on 06-11) and t1's
  on 06-14 (still within the three days a unit has to answer);
- town B gets a third round with t11 and t12, both reported complete on 06-05 (25 days before
  their deadline: closed early) and closed, so the round is cleared.
"""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import pytest
from helpers import NOW, count_queries

from tracker.auth.tokens import create_token
from tracker.core.config import ConfigError
from tracker.inspections.models import Inspection
from tracker.org.models import Unit
from tracker.reminders.chase import chase_ticket
from tracker.reports.bulletin_sections import table_rows
from tracker.reports.queries import load_units, make_context
from tracker.reports.ranking import RankingSettings, rank
from tracker.reports.ranking_counts import township_ranking
from tracker.tickets.service import add_comment

from .conftest import day, done

# Hand computation with the default settings (config/default.toml):
# town A: overdue t2, t10 (2 × −2) −4; t10 ≥ 8 days −1 and ≥ 31 days −2; rejection of t5 −1;
#         t2's chase unanswered −1 → 100 − 9 = 91.
# town B: rebound of t7 −3; t11, t12 closed early (2 × 0.5) +1; round 3 cleared +2 → 100.
DEFAULT = {
    "town-a": {
        "overdue": (2, -4.0),
        "overdue_days_8": (1, -1.0),
        "overdue_days_31": (1, -2.0),
        "rejections": (1, -1.0),
        "rebounds": (0, 0.0),
        "returns_justified": (0, 0.0),
        "chases_unanswered": (1, -1.0),
        "closed_early": (0, 0.0),
        "round_cleared": (0, 0.0),
    },
    "town-b": {
        "overdue": (0, 0.0),
        "overdue_days_8": (0, 0.0),
        "overdue_days_31": (0, 0.0),
        "rejections": (0, 0.0),
        "rebounds": (1, -3.0),
        "returns_justified": (0, 0.0),
        "chases_unanswered": (0, 0.0),
        "closed_early": (2, 1.0),
        "round_cleared": (1, 2.0),
    },
}
# Changed weights: overdue capped at 3; a rebound costs 12.5; the closed-early bonus capped at
# 0.5; a rejection event counted as a justified return at 2 points. Town A: −3 −1 −2 −1 −2 −1
# = 90; town B: −12.5 +0.5 +2 = 90: a tie, both ranked first.
CHANGED = {
    "overdue_cap": 3,
    "rebounds": 12.5,
    "on_time_closure_cap": 0.5,
    "returns_justified": 2,
    "return_justified_events": ["reject"],
}


@pytest.fixture
def ranked_round(db, county, make_ticket, move, scenario):  # type: ignore[no-untyped-def]
    c, t = county, scenario.t
    t["t10"] = make_ticket(now=day(20, 4), deadline=date(2026, 5, 1))
    chase_ticket(db, t["t2"], c.inspector, "请尽快整改", day(10))
    chase_ticket(db, t["t6"], c.inspector, "请尽快整改", day(10))
    add_comment(db, t["t6"], c.cadre_a, "正在整改", day(11))
    chase_ticket(db, t["t1"], c.leader, "请尽快整改", day(14))
    round3 = Inspection(title="第三轮督导检查", started_on=date(2026, 6, 1))
    db.add(round3)
    db.commit()
    for name in ("t11", "t12"):
        t[name] = make_ticket(
            now=day(1),
            deadline=date(2026, 6, 30),
            responsible_unit="town-b",
            location_unit="village-b",
            inspection_id=round3.id,
        )
        move(t[name], c.cadre_b, "accept", now=day(2))
        move(t[name], c.cadre_b, "report_completion", now=day(5), comment="ok", indicators=[done()])
        move(t[name], c.inspector, "verify", now=day(6))
        move(t[name], c.leader_b, "close", now=day(8))
    return scenario


@pytest.fixture
def pinned_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """The ranking page and API read the clock; pin it to the scenario's today."""
    for where in ("tracker.reports.ranking_views.utcnow", "tracker.api.ranking.utcnow"):
        monkeypatch.setattr(where, lambda: NOW)


def _ranking(db, app, user, overrides: dict | None = None):  # type: ignore[no-untyped-def]
    section = {**app.config["RANKING"], **{k.upper(): v for k, v in (overrides or {}).items()}}
    settings = RankingSettings.from_config({"RANKING": section})
    ctx = make_context(db, user, None, NOW, app.config)
    return [score for score, _ in township_ranking(db, ctx, settings, load_units(db))]


def _breakdown(score) -> dict:  # type: ignore[no-untyped-def]
    return {line.kind: (line.count, line.points) for line in score.lines}


def test_default_settings_match_the_hand_computation(db, app, county, ranked_round) -> None:
    ranked = _ranking(db, app, county.admin)
    assert [(s.unit.code, s.rank, s.total) for s in ranked] == [
        ("town-b", 1, 100.0),
        ("town-a", 2, 91.0),
    ]
    assert {s.unit.code: _breakdown(s) for s in ranked} == DEFAULT
    assert all(s.base == 100 for s in ranked)


def test_changed_weights_caps_and_a_shared_rank(db, app, county, ranked_round) -> None:
    ranked = _ranking(db, app, county.admin, CHANGED)
    assert [(s.unit.code, s.rank, s.total) for s in ranked] == [
        ("town-a", 1, 90.0),
        ("town-b", 1, 90.0),
    ]
    a, b = (_breakdown(s) for s in ranked)
    assert a["overdue"] == (2, -3.0)  # 2 × 2 = 4, held to the cap of 3
    assert a["returns_justified"] == (1, -2.0)
    assert b["rebounds"] == (1, -12.5)
    assert b["closed_early"] == (2, 0.5)  # 2 × 0.5 = 1, held to the cap of 0.5


def test_base_and_early_days_follow_the_settings(db, app, county, ranked_round) -> None:
    ranked = _ranking(db, app, county.admin, {"base": 50, "early_days": 30})
    b = next(s for s in ranked if s.unit.code == "town-b")
    assert _breakdown(b)["closed_early"] == (0, 0.0)  # 25 days early is not 30
    assert b.total == 50 - 3 + 2


def test_a_leader_ranks_only_their_township(db, app, county, ranked_round) -> None:
    assert [s.unit.code for s in _ranking(db, app, county.leader_a)] == ["town-a"]


def test_counts_take_a_fixed_number_of_queries(db, app, county, ranked_round) -> None:
    with count_queries(app) as statements:
        _ranking(db, app, county.admin)
    grouped = [s for s in statements if "GROUP BY" in s.upper()]
    assert len(grouped) == 2, statements


@pytest.mark.parametrize(
    "bad",
    [
        {"overdue": -1},
        {"overdue_band_days": [8, 31], "overdue_band_points": [1.0]},
        {"overdue_band_days": [31, 8]},
        {"on_time_against": "never"},
        {"return_justified_events": "reassign"},
    ],
)
def test_bad_settings_are_refused_naming_the_key(app, bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=r"\[ranking\]"):
        RankingSettings.from_config(
            {"RANKING": {**app.config["RANKING"], **{k.upper(): v for k, v in bad.items()}}}
        )


def _page_figures(page: str, code: str) -> str:
    return page.split(f'id="unit-{code}"', 1)[1].split("</section>", 1)[0]


def test_page_shows_the_same_breakdown_and_the_formula(
    client, as_user, county, ranked_round, pinned_clock
):  # type: ignore[no-untyped-def]
    as_user(county.leader)
    page = client.get("/ranking").get_data(as_text=True)
    assert page.index('id="unit-town-b"') < page.index('id="unit-town-a"')
    a = _page_figures(page, "town-a")
    assert ">91.0<" in a and ">-4.0<" in a and ">-2.0<" in a and ">100.0<" in a
    b = _page_figures(page, "town-b")
    assert ">100.0<" in b and ">+1.0<" in b and ">+2.0<" in b and ">-3.0<" in b
    assert "每个乡镇以 100 分为基础" in page  # the formula in words, in Chinese
    assert "Overdue" not in page


def test_changed_setting_changes_page_and_api(
    app, client, as_user, county, ranked_round, pinned_clock
):  # type: ignore[no-untyped-def]
    app.config["RANKING"] = {**app.config["RANKING"], **{k.upper(): v for k, v in CHANGED.items()}}
    as_user(county.leader)
    page = client.get("/ranking").get_data(as_text=True)
    assert ">90.0<" in _page_figures(page, "town-a") and ">90.0<" in _page_figures(page, "town-b")
    assert ">-12.5<" in _page_figures(page, "town-b")
    formula = page.split('id="formula"', 1)[1].split("</details>", 1)[0]
    assert "（核查退回）扣 2 分" in formula and "reject" not in formula  # the step's own label


def test_each_item_links_to_the_findings_behind_it(
    client, as_user, county, ranked_round, pinned_clock
):  # type: ignore[no-untyped-def]
    t = ranked_round.t
    as_user(county.leader)
    page = client.get("/ranking").get_data(as_text=True)
    assert "/ranking/town-a/overdue_days_31" in page
    listed = client.get("/ranking/town-a/overdue_days_31").get_data(as_text=True)
    assert t["t10"].code in listed and t["t2"].code not in listed
    cleared = client.get("/ranking/town-b/round_cleared").get_data(as_text=True)
    assert t["t11"].code in cleared and t["t12"].code in cleared and t["t7"].code not in cleared
    chased = client.get("/ranking/town-a/chases_unanswered").get_data(as_text=True)
    assert t["t2"].code in chased and t["t6"].code not in chased and t["t1"].code not in chased
    assert client.get("/ranking/town-a/no_such_item").status_code == 404
    as_user(county.leader_a)
    assert client.get("/ranking/town-b/rebounds").status_code == 404


def test_api_gives_the_same_breakdown(db, client, county, ranked_round, pinned_clock):  # type: ignore[no-untyped-def]
    _row, token = create_token(db, county.leader, "test", NOW)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/ranking", headers=headers).get_json()
    assert [(i["unit"], i["rank"], i["total"], i["base"]) for i in body["items"]] == [
        ("town-b", 1, 100.0, 100.0),
        ("town-a", 2, 91.0, 100.0),
    ]
    for item in body["items"]:
        got = {x["kind"]: (x["count"], x["points"]) for x in item["items"]}
        assert got == DEFAULT[item["unit"]]
    assert body["formula"]["base"] == 100
    assert body["formula_text"][0]
    assert client.get("/api/v1/ranking?inspection=x", headers=headers).status_code == 422


BULLETIN = "/bulletin?start=2026-04-01&end=2026-06-15"
# The hand computation as the bulletin's table prints it: rank, township, base, deductions,
# bonuses, total.
TABLE = [
    ("名次", "乡镇（单位）", "基础分", "扣分", "加分", "得分"),
    ("1", "河西镇", "100", "-3", "+3", "100"),
    ("2", "青山乡", "100", "-9", "0", "91"),
]


def _bulletin_tables(client, monkeypatch) -> tuple[list[tuple[str, ...]], list, str]:  # type: ignore[no-untyped-def]
    """The ranking table of the web bulletin and of its .docx, and the .docx's text."""
    monkeypatch.setattr("tracker.reports.bulletin_views.utcnow", lambda: NOW)
    page = client.get(BULLETIN).get_data(as_text=True)
    web = []
    if "bulletin-table" in page:
        table = page.split("bulletin-table", 1)[1].split("</table>", 1)[0]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            web.append(tuple(re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)))
    response = client.get(BULLETIN.replace("/bulletin", "/bulletin.docx"))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    tables = [[tuple(c.text for c in row.cells) for row in t.rows] for t in document.tables]
    return web, tables, "\n".join(p.text for p in document.paragraphs)


def test_the_bulletin_prints_the_same_ranking_table(
    app, client, as_user, county, ranked_round, pinned_clock, monkeypatch
):  # type: ignore[no-untyped-def]
    as_user(county.leader)
    web, tables, text = _bulletin_tables(client, monkeypatch)
    assert web == TABLE
    assert tables == [TABLE]
    assert "乡镇百分制考核排名" in text
    assert "计分办法：每个乡镇以 100 分为基础" in text  # the formula in words
    # A weight changed in the settings changes the printed table as the formula says: a tie.
    app.config["RANKING"] = {**app.config["RANKING"], **{k.upper(): v for k, v in CHANGED.items()}}
    web, tables, _text = _bulletin_tables(client, monkeypatch)
    tied = [
        TABLE[0],
        ("1", "青山乡", "100", "-10", "0", "90"),
        ("1", "河西镇", "100", "-12.5", "+2.5", "90"),
    ]
    assert web == tied and tables == [tied]
    app.config["RANKING"] = {**app.config["RANKING"], "IN_BULLETIN": False}
    web, tables, text = _bulletin_tables(client, monkeypatch)
    assert web == [] and tables == [] and "考核排名" not in text


def test_the_bulletin_can_print_the_top_and_the_bottom_only() -> None:
    units = [Unit(id=i, code=f"t{i}", name=f"乡{i}", kind="township") for i in range(1, 7)]
    totals = {1: 98, 2: 95, 3: 95, 4: 90, 5: 88, 6: 80}
    settings = RankingSettings.from_config({"RANKING": {"BASE": 100, "OVERDUE": 1}})
    scores = rank([(u, {"overdue": 100 - totals[u.id]}) for u in units], settings)
    rows = table_rows(scores, 2)
    assert [r[:2] for r in rows] == [
        ("1", "乡1"),
        ("2", "乡2"),
        ("……", "……"),
        ("5", "乡5"),
        ("6", "乡6"),
    ]
    assert [r[:2] for r in table_rows(scores, 3)] == [(str(s.rank), s.unit.name) for s in scores]
    assert rows[0][3:] == ("-2", "0", "98")


def test_a_township_whose_findings_are_all_open_is_ranked(
    db, app, county, make_ticket, move
) -> None:
    """Open findings have no resolution yet; they count (a NULL once left such a township out)."""
    make_ticket(now=day(5), deadline=date(2026, 6, 10))  # town A: overdue, never started
    b = make_ticket(responsible_unit="town-b", location_unit="village-b")
    move(b, county.cadre_b, "accept")
    ranked = _ranking(db, app, county.leader)
    assert [(s.unit.code, s.rank, s.total) for s in ranked] == [
        ("town-b", 1, 100.0),
        ("town-a", 2, 98.0),
    ]
