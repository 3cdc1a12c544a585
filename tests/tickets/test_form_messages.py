"""Refusals on the ticket pages read in the user's language: the filing form and bulk changes.
No pydantic or service English on a Chinese page (the import's rows: test_ledger.py)."""

from __future__ import annotations

import re
from html import unescape

from helpers import FILING_FORM, NOW
from sqlmodel import select

from tracker.tickets.models import Ticket


def field_error(page: str, name: str) -> str:
    match = re.search(rf'id="{name}-error">(.*?)</div>', page)
    assert match, f"no error shown for {name}"
    return unescape(match.group(1))


def flashes(page: str) -> str:
    return unescape(" ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)<', page, re.S)))


def test_an_overlong_title_is_refused_in_chinese_and_the_form_keeps_the_input(as_user, county, db):  # type: ignore[no-untyped-def]
    client = as_user(county.inspector)  # no language chosen: the county's default, Chinese
    title = "上庄村" + "垃圾" * 100  # 203 characters
    response = client.post("/tickets/new", data={**FILING_FORM, "title": title})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "title") == "字段长度不能超过 200 个字符。"
    assert f'value="{title}"' in page
    assert "房前屋后垃圾堆 5 处" in page
    assert db.exec(select(Ticket)).first() is None


def test_a_limit_only_the_model_checks_shows_next_to_its_field(as_user, county, db):  # type: ignore[no-untyped-def]
    """Too many tags pass the form (one text box) and are refused by TicketCreate."""
    client = as_user(county.inspector)
    tags = ",".join(f"标签{n}" for n in range(21))
    response = client.post("/tickets/new", data={**FILING_FORM, "tags": tags})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "tags") == "最多20项"
    assert "should have" not in page
    assert f'value="{tags}"' in page
    client.post("/language", data={"locale": "en"})
    page = client.post("/tickets/new", data={**FILING_FORM, "tags": tags}).get_data(as_text=True)
    assert field_error(page, "tags") == "at most 20 items"
    assert db.exec(select(Ticket)).first() is None


def test_bulk_refusals_read_in_chinese(as_user, county, make_ticket, db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tracker.tickets.ledger_views.utcnow", lambda: NOW)
    ticket = make_ticket()
    client = as_user(county.inspector)

    def bulk(**data: str) -> str:
        response = client.post(
            "/tickets/bulk", data={"ids": [ticket.id], **data}, follow_redirects=True
        )
        assert response.status_code == 200
        return flashes(response.get_data(as_text=True))

    assert "未作修改：不能早于今天" in bulk(deadline="2026-06-14")  # NOW is 2026-06-15
    assert "未作修改：请填写新的整改时限或责任单位" in bulk()
    assert "未作修改：未知的单位 'nowhere'" in bulk(responsible_unit="nowhere")
    assert "未作修改：最多32个字符" in bulk(responsible_unit="x" * 33)
    assert "未作修改：请至少选择一条问题" in flashes(
        client.post(
            "/tickets/bulk", data={"deadline": "2026-08-01"}, follow_redirects=True
        ).get_data(as_text=True)
    )
    db.refresh(ticket)
    assert ticket.responsible_unit_id == county.town_a.id


def test_every_refusal_of_the_new_finding_form_shows_in_one_round(as_user, county, db):  # type: ignore[no-untyped-def]
    """The form's own checks (title, unit) and the service's (deadline, co-operating unit)
    are reported together, each next to its field, with nothing filed."""
    client = as_user(county.inspector)
    data = {**FILING_FORM, "title": "", "responsible_unit": "", "deadline": "2026-06-01"}
    page = client.post("/tickets/new", data=data).get_data(as_text=True)
    assert field_error(page, "title") == "该字段是必填字段。"
    assert field_error(page, "responsible_unit") == "该字段是必填字段。"
    assert field_error(page, "deadline") == "不能早于今天"
    page = client.post(
        "/tickets/new", data={**FILING_FORM, "title": "", "deadline": "", "co_units": ["town-b"]}
    ).get_data(as_text=True)
    assert field_error(page, "title") == "该字段是必填字段。"
    assert field_error(page, "deadline")
    assert field_error(page, "co_units")
    assert db.exec(select(Ticket)).first() is None


def test_required_fields_are_marked_and_the_mark_explained_once(as_user, county):  # type: ignore[no-untyped-def]
    page = as_user(county.inspector).get("/tickets/new").get_data(as_text=True)
    form = page[page.index("<form") :]
    assert form.count('class="form-text required-legend"') == 1
    assert "为必填项" in form
    assert form.index("required-legend") < form.index('for="title"')
    for name in ("title", "responsible_unit"):
        label = form[form.index(f'for="{name}"') :]
        assert label.index('<span class="required-mark" aria-hidden="true">*</span>') < 200
        tag = re.search(rf'<(input|select)[^>]*id="{name}"[^>]*>', form)
        assert tag and "required" in tag.group(0) and 'aria-required="true"' in tag.group(0)
    tag = re.search(r'<textarea[^>]*id="description"[^>]*>', form)
    assert tag and "required" not in tag.group(0)
