"""我的待办 on a phone (390×844): each person's queues, the work moving between them, and the
next action within the first screen of a ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser.steps import act, file_now, reload, submit, take, today

from tracker.auth.tokens import create_token
from tracker.core.clock import utcnow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def home_counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The queue counts the home page shows, by queue name."""
    page.goto("/")
    return page.eval_on_selector_all(
        "a[data-queue]",
        "els => Object.fromEntries(els.map(e => [e.dataset.queue,"
        " Number(e.querySelector('[data-count]').dataset.count)]))",
    )


def api_counts(page, db, user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    _row, token = create_token(db, user, "browser", utcnow())
    db.commit()
    answer = page.request.get("/api/v1/queues", headers={"Authorization": f"Bearer {token}"})
    assert answer.ok
    return {q["name"]: q["count"] for q in answer.json()["items"]}


def test_queues_follow_the_work_for_every_role(
    new_page, sign_in, county, db, make_ticket, move
) -> None:
    c = county
    ticket = file_now(make_ticket, title="上庄村垃圾堆未清理")
    file_now(make_ticket, title="河湾村废旧农膜未回收", responsible_unit="town-b")
    move(ticket, c.cadre_a, "accept", now=utcnow())
    db.rollback()
    people = {
        "cadre": c.cadre_a,
        "inspector": c.inspector,
        "leader_a": c.leader_a,
        "leader": c.leader,
    }
    pages = {}
    for key, user in people.items():
        pages[key] = new_page(PHONE)
        sign_in(pages[key], user.username)
        assert home_counts(pages[key]) == api_counts(pages[key], db, user), key

    cadre = pages["cadre"]
    assert home_counts(cadre)["rectifying"] == 1
    cadre.goto(f"/tickets/{ticket.id}")
    take(cadre, "报告整改完成")
    form = cadre.locator("details[open] form")
    form.locator("input[name='ind-0-achieved']").fill("12")
    form.locator("textarea[name=comment]").fill("已清理垃圾堆 12 处")
    submit(cadre, form.locator("[type=submit]"))
    assert reload(db, ticket.id).is_awaiting_verification
    after = home_counts(cadre)
    assert after["rectifying"] == 0 and after["reported_awaiting"] == 1
    assert home_counts(pages["inspector"])["to_verify"] == 1

    inspector = pages["inspector"]
    inspector.goto("/")
    submit(inspector, inspector.locator("section a.ticket-card", has_text="上庄村垃圾堆未清理"))
    act(inspector, "核查通过")
    assert reload(db, ticket.id).state == "verified"
    assert home_counts(pages["leader_a"])["to_close"] == 1
    assert home_counts(pages["leader"])["to_close"] == 1

    other = file_now(make_ticket, title="青山乡柴草堆乱堆乱放")
    move(
        other,
        c.cadre_a,
        "request_extension",
        now=utcnow(),
        comment="雨季施工困难",
        deadline=today() + timedelta(days=60),
    )
    db.rollback()
    assert home_counts(pages["leader_a"])["extensions"] == 1
    for key, user in people.items():
        assert home_counts(pages[key]) == api_counts(pages[key], db, user), key
    for page in pages.values():
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert not page.js_errors


def test_next_action_is_on_the_first_screen_and_cards_are_one_tap(
    page, sign_in, county, db, make_ticket
) -> None:
    ticket = file_now(
        make_ticket,
        title="上庄村房前屋后垃圾堆未清理，柴草堆乱堆乱放，影响村容村貌",
        description="督查发现垃圾堆 12 处。" * 30,
        requirement="限期清理并建立长效保洁机制。" * 10,
    )
    sign_in(page, county.cadre_a.username)
    page.goto("/")
    card = page.locator("a.ticket-card").first
    box = card.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    submit(page, card)
    assert page.url.endswith(f"/tickets/{ticket.id}")
    button = page.locator("button[data-action=accept]")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert box["height"] >= 44
    submit(page, button)  # one tap
    assert reload(db, ticket.id).state == "rectifying"
    summary = page.locator("summary[data-action=report_completion]")
    box = summary.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box
