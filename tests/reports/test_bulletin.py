"""The bulletin: three headings, township figures summed from indicators, escaping, .docx."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

import docx
from helpers import NOW
from sqlmodel import select

from tracker.documents.letterhead import Letterhead
from tracker.documents.settings import DocumentSettings
from tracker.reports.bulletin import HEADINGS, Selection, build_bulletin, fmt_number
from tracker.reports.bulletin_docx import to_docx
from tracker.reports.forms import MAX_NEXT_STEPS
from tracker.tickets.models import Indicator, Ticket


def _expected_sums(db, inspection_ids) -> dict[str, dict[tuple[str, str], float]]:  # type: ignore[no-untyped-def]
    """Achieved figures of verified findings, summed per responsible township, in Python."""
    names = {"town-a": "青山乡", "village-a": "青山乡", "town-b": "河西镇"}
    from tracker.org.models import Unit

    units = {u.id: u.code for u in db.exec(select(Unit))}
    sums: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for ticket in db.exec(select(Ticket).where(Ticket.inspection_id.in_(inspection_ids))):
        if ticket.verified_at is None:
            continue
        for item in db.exec(select(Indicator).where(Indicator.ticket_id == ticket.id)):
            if item.achieved is not None:
                sums[names[units[ticket.responsible_unit_id]]][(item.name, item.unit)] += (
                    item.achieved
                )
    return sums


def test_docx_has_headings_and_township_figures_equal_indicator_sums(
    db, app, county, scenario
) -> None:
    scenario.round1.next_steps = "一要紧盯短板弱项。\n二要靠实工作责任。"
    db.add(scenario.round1)
    db.commit()
    rounds = [scenario.round1, scenario.round2]
    paragraphs: list[str] = []
    for inspection in rounds:
        bulletin = build_bulletin(db, county.admin, Selection(inspection), NOW, app.config)
        letterhead = Letterhead(
            bulletin.title, "县人大办〔2026〕1号", NOW.date(), DocumentSettings()
        )
        document = docx.Document(io.BytesIO(to_docx(bulletin, letterhead)))
        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
        assert headings == list(HEADINGS)
        subheadings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
        assert subheadings == ["乡镇百分制考核排名"]  # nothing under supervision in the scenario
        paragraphs += [p.text for p in document.paragraphs]
    text = "\n".join(paragraphs)
    expected = _expected_sums(db, [r.id for r in rounds])
    assert expected["青山乡"] == {("清理垃圾堆", "堆"): 17.0, ("清除废旧农膜", "吨"): 1.5}
    for township, figures in expected.items():
        line = next(p for p in paragraphs if p.startswith(township))
        for (name, unit), value in figures.items():
            assert f"{name}{fmt_number(value)}{unit}" in line
    assert (
        "青山乡本期交办问题6个，已整改销号2个，整改完成率33.3%。"
        "经核查，共清理垃圾堆17堆，清除废旧农膜1.5吨。尚有4个问题正在整改，其中逾期1个。"
    ) in text
    assert "河西镇本期交办问题2个，已整改销号1个，整改完成率50%。" in text
    assert "尚有1个问题正在整改。" in text
    assert "一要紧盯短板弱项。" in text and "二要靠实工作责任。" in text
    assert "清除废旧农膜2.25吨" in text  # t9 (verified); t7's figures do not count (rebounded)


def test_problems_grouped_by_category(db, app, county, scenario) -> None:
    selection = Selection(start=date(2026, 5, 1), end=date(2026, 6, 15))
    bulletin = build_bulletin(db, county.admin, selection, NOW, app.config)
    groups = {g.name: g for g in bulletin.problems}
    assert groups["人居环境"].count == 9
    assert dict(groups["人居环境"].parts) == {"垃圾堆": 8, "废旧农膜": 1}
    assert groups["人居环境"].still_open == 5
    assert 1 <= len(groups["人居环境"].examples) <= 3
    assert (
        groups["人居环境"]
        .sentence(1)
        .startswith("一是人居环境方面问题9个（垃圾堆8个、废旧农膜1个）")
    )
    # The range is in local dates: a range ending the day before today leaves today's out.
    earlier = Selection(start=date(2026, 5, 1), end=date(2026, 6, 14))
    assert build_bulletin(db, county.admin, earlier, NOW, app.config).problems[0].count == 7


def test_bulletin_is_scoped(db, app, county, scenario) -> None:
    selection = Selection(start=date(2026, 5, 1), end=date(2026, 6, 15))
    bulletin = build_bulletin(db, county.leader_b, selection, NOW, app.config)
    assert [s.name for s in bulletin.townships] == ["河西镇"]


def test_preview_escapes_user_text_and_saves_next_steps(
    client, as_user, county, scenario, make_ticket
) -> None:
    make_ticket(
        title="<script>alert(1)</script>", inspection_id=scenario.round1.id, severity="high"
    )
    as_user(county.leader)
    url = f"/bulletin?inspection={scenario.round1.id}"
    response = client.post(
        f"/bulletin/{scenario.round1.id}/next-steps",
        data={"next_steps": "一要<b>加强</b>领导。\n二要压实责任。"},
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "一、工作推进情况" in page and "三、下一步工作措施及建议" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>加强</b>" not in page and "一要&lt;b&gt;加强&lt;/b&gt;领导。" in page
    download = client.get(f"/bulletin.docx?inspection={scenario.round1.id}")
    assert download.status_code == 200
    document = docx.Document(io.BytesIO(download.data))
    assert "二要压实责任。" in [p.text for p in document.paragraphs]


def test_bulletin_by_date_range_page_and_errors(client, as_user, county, scenario) -> None:
    as_user(county.inspector)
    ok = client.get("/bulletin?start=2026-05-01&end=2026-06-15")
    assert ok.status_code == 200 and "青山乡本期交办问题" in ok.get_data(as_text=True)
    assert client.get("/bulletin?start=2026-06-15&end=2026-05-01").status_code == 400
    assert client.get("/bulletin?inspection=999999").status_code == 404
    as_user(county.cadre_a)
    assert client.get("/bulletin").status_code == 403
    assert client.post(f"/bulletin/{scenario.round1.id}/next-steps", data={}).status_code == 403


def test_refused_next_steps_come_back_with_the_text(client, as_user, county, scenario) -> None:
    as_user(county.leader)
    too_long = "一要紧盯短板弱项。" + "补" * MAX_NEXT_STEPS
    response = client.post(
        f"/bulletin/{scenario.round1.id}/next-steps", data={"next_steps": too_long}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "一要紧盯短板弱项。补补补" in page  # the text is kept in the form
    assert "is-invalid" in page and "alert-danger" in page
    saved = client.get(f"/bulletin?inspection={scenario.round1.id}").get_data(as_text=True)
    assert "补补补" not in saved  # nothing was saved
