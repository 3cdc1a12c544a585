"""SVG charts parse as XML, escape text and carry no style attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tracker.reports import charts

NASTY = '<script>alert("x")</script> & "quotes"'


def _parse(markup) -> ET.Element:  # type: ignore[no-untyped-def]
    root = ET.fromstring(str(markup))
    assert root.tag.endswith("svg")
    assert all("style" not in el.attrib for el in root.iter())
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    return root


def test_weekly_bars() -> None:
    weeks = [{"week_start": f"2026-06-{d:02d}", "opened": d, "closed": d // 2} for d in (1, 8, 15)]
    root = _parse(charts.weekly_bars(weeks, NASTY, NASTY, "closed"))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "15" in texts and "7" in texts  # every bar carries its number
    _parse(charts.weekly_bars([], "empty", "o", "c"))


def test_progress_bars_and_rag() -> None:
    root = _parse(charts.progress_bars([(NASTY, 2, 6), ("round", 0, 0)], NASTY))
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "2/6 (33.3%)" in texts
    labels = {"red": NASTY, "amber": "amber", "green": "green"}
    _parse(charts.rag_stacked({"red": 1, "amber": 0, "green": 3}, labels, NASTY))
    _parse(charts.rag_stacked({}, labels, "nothing"))
