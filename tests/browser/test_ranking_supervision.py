"""The ranking and the supervised findings on a phone (390×844, issue 21): the ranking page and
the dashboard's supervision section fit the screen without horizontal scrolling, an item opens
the findings behind it. Writes docs/screenshots/ranking-phone.png and
docs/screenshots/dashboard-supervision-phone.png when TRACKER_SCREENSHOTS=1."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from browser.steps import file_now, today

from tracker.core.clock import utcnow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_ranking_and_supervision_fit_a_phone(  # type: ignore[no-untyped-def]
    page, sign_in, county, make_ticket, move
) -> None:
    long_ago = utcnow() - timedelta(days=45)
    for index in range(3):  # town A: three findings 35 days overdue, never started
        make_ticket(now=long_ago, deadline=today() - timedelta(days=35), title=f"垃圾堆{index}")
    late = make_ticket(now=long_ago, deadline=today() - timedelta(days=3), title="柴草乱堆乱放")
    move(late, county.cadre_a, "accept", now=long_ago + timedelta(days=1))
    move(
        late,
        county.leader,
        "supervise",
        now=utcnow() - timedelta(days=9),
        comment="群众多次反映，整改进度缓慢",
        supervision_level="county",
        supervisor="张副县长",
    )
    file_now(make_ticket, responsible_unit="town-b", location_unit="village-b", title="河道垃圾")

    sign_in(page, "leader")
    page.goto("/ranking")
    cards = page.locator(".ranking-unit")
    assert cards.count() == 2
    assert cards.first.locator("h2").inner_text() == "河西镇"  # nothing against it: first
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#formula summary").click()
    assert "100" in page.locator("#formula li").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("TRACKER_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "ranking-phone.png"), full_page=True)
    page.locator("#unit-town-a a", has_text="逾期").first.click()
    page.wait_for_load_state()
    assert "/ranking/town-a/" in page.url
    assert "垃圾堆0" in page.inner_text("main")

    page.goto("/dashboard")
    section = page.locator("#supervision")
    assert "张副县长" in section.inner_text()
    assert "群众多次反映" in section.inner_text()
    assert section.locator(".report-overdue").count() == 1  # 9 days without a report
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("TRACKER_SCREENSHOTS"):
        section.screenshot(path=str(SCREENSHOTS / "dashboard-supervision-phone.png"))
    assert not page.js_errors  # type: ignore[attr-defined]
