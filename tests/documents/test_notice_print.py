"""The 督办通知单 as a page to print: the same content and 文号 as the .docx, the same scope and
permission rules, user-written text escaped, the 打印 button a static script (the CSP allows
no inline one)."""

from __future__ import annotations

import html
import io
import re

import docx
from lifecycle import at

from tracker.documents.models import IssuedDocument


def _docx_texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text]


def _page_texts(page: str) -> list[str]:
    """The text of each paragraph and heading of the notice sheets."""
    found = re.findall(r"<(p|h1|h2)[^>]*>(.*?)</\1>", page, flags=re.S)
    return [html.unescape(text) for _tag, text in found]


def test_the_page_says_what_the_docx_says_with_the_same_number(
    app, client, db, county, as_user, make_ticket, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.documents.views.utcnow", lambda: at(25))
    app.config["DOCUMENTS"] = {**app.config["DOCUMENTS"], "CONTACT": "王芳 0571-1234567"}
    late = make_ticket(now=at(1), title="上庄村垃圾堆未清理", requirement="7日内清理完毕")
    other = make_ticket(now=at(1), title="上庄村残垣断壁未拆除")
    as_user(county.leader_a)
    ids = {"ids": [str(late.id), str(other.id)]}
    page = client.post("/tickets/notice/print", data=ids)
    assert page.status_code == 200 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    texts = _page_texts(body)
    word = _docx_texts(client.post("/tickets/notice", data=ids).data)
    # Same findings, same number: the page issued it, the .docx reprints it.
    assert "县人大办〔2026〕1号" in texts and "县人大办〔2026〕1号" in word
    assert len(db.exec(IssuedDocument.__table__.select()).all()) == 1
    assert texts == word  # letterhead, 主送, intro, findings, closing, signature and date
    assert f"（一）上庄村垃圾堆未清理（{late.code}）" in texts
    assert any(t.endswith("联系人：王芳 0571-1234567。") for t in texts)
    # Printable: A4 print CSS and the 打印 button, from static files only.
    assert 'id="print-notice"' in body and "<script>" not in body and "style=" not in body
    assert "/static/notice-print.js" in body and "/static/notice-print.css" in body
    assert "打印" in body and "Print" not in body
    css = client.get("/static/notice-print.css").get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css
    assert client.get("/static/notice-print.js").status_code == 200
    # Reachable from the chase card and from the list's selection.
    detail = client.get(f"/tickets/{late.id}").get_data(as_text=True)
    assert f'href="/tickets/{late.id}/notice"' in detail and 'id="chase-notice-print"' in detail
    listing = client.get("/tickets?queue=all").get_data(as_text=True)
    assert 'formaction="/tickets/notice/print"' in listing
    # One finding from its page: its own notice, the next number, like the .docx.
    single = client.get(f"/tickets/{late.id}/notice").get_data(as_text=True)
    assert "县人大办〔2026〕2号" in single
    assert "县人大办〔2026〕2号" in _docx_texts(client.get(f"/tickets/{late.id}/notice.docx").data)


def test_two_units_print_as_two_sheets(client, county, as_user, make_ticket) -> None:  # type: ignore[no-untyped-def]
    a = make_ticket(title="青山乡问题")
    b = make_ticket(title="河西镇问题", responsible_unit="town-b", location_unit="village-b")
    as_user(county.inspector)
    page = client.post("/tickets/notice/print", data={"ids": [str(a.id), str(b.id)]})
    body = page.get_data(as_text=True)
    assert body.count('class="notice-sheet"') == 2
    assert "青山乡：" in body and "河西镇：" in body


def test_the_page_keeps_the_notice_rules(client, db, county, as_user, make_ticket) -> None:  # type: ignore[no-untyped-def]
    theirs = make_ticket(title="河西镇问题", responsible_unit="town-b", location_unit="village-b")
    ours = make_ticket(title="青山乡问题")
    as_user(county.leader_a)  # 河西镇's finding is not visible to 青山乡's leader
    assert client.get(f"/tickets/{theirs.id}/notice").status_code == 404
    mixed = client.post("/tickets/notice/print", data={"ids": [str(ours.id), str(theirs.id)]})
    assert mixed.status_code == 404
    as_user(county.cadre_a)  # sees the finding, may not chase it
    assert client.get(f"/tickets/{ours.id}/notice").status_code == 403
    assert client.post("/tickets/notice/print", data={"ids": [str(ours.id)]}).status_code == 403
    assert 'id="chase-notice-print"' not in client.get(f"/tickets/{ours.id}").get_data(as_text=True)
    as_user(county.inspector)
    empty = client.post("/tickets/notice/print", data={"ids": [], "next": "/tickets?queue=all"})
    assert empty.status_code == 302 and empty.location.endswith("/tickets?queue=all")
    assert db.exec(IssuedDocument.__table__.select()).all() == []  # nothing issued by refusals


def test_hostile_text_is_inert_on_the_page(client, county, as_user, make_ticket) -> None:  # type: ignore[no-untyped-def]
    script = '<script>alert("x")</script>'
    ticket = make_ticket(
        title=f"<img src=x onerror=alert(1)>{script}",
        description=f'"><svg onload=alert(2)>{script}',
        requirement="</p><iframe src=//evil.example>",
    )
    as_user(county.inspector)
    page = client.get(f"/tickets/{ticket.id}/notice")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for raw in ("<img", "<svg", "<iframe", "<script>alert"):
        assert raw not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "&lt;/p&gt;&lt;iframe src=//evil.example&gt;" in body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
