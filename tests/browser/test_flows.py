"""The people's flows, end to end in headless Chromium (issue 8).

Each flow starts from a state set up through the services (so the flows stay independent and
fast), then a person does the rest in the browser: phone-sized for cadres and inspectors on site,
desktop-sized for the leader's dashboard.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from browser.steps import act, action_form, file_now, reload, submit, take, today
from playwright.sync_api import expect
from sqlmodel import select

from tracker.core.clock import utcnow
from tracker.inspections.models import Inspection
from tracker.tickets.models import Ticket

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def test_inspector_creates_round_and_files_two_findings(page, sign_in, county, db, photo) -> None:
    sign_in(page, county.inspector.username)

    page.goto("/inspections/new")
    page.fill("#title", "2026年冬季人居环境整治督查")
    page.fill("#started_on", today().isoformat())
    page.select_option("#units", ["town-a", "village-a"])
    submit(page, page.locator("form [type=submit]").last)
    assert "2026年冬季人居环境整治督查" in page.inner_text("h1")
    db.rollback()
    round_ = db.exec(select(Inspection)).one()
    db.rollback()

    deadline = (today() + timedelta(days=20)).isoformat()
    for title, with_photo in (("上庄村垃圾堆未清理", True), ("青山乡柴草堆乱堆乱放", False)):
        page.goto(f"/inspections/{round_.id}")
        page.locator("a[href*='/tickets/new']").first.click()
        page.wait_for_url(re.compile(r"/tickets/new"))
        assert page.locator("#inspection_id").input_value() == str(round_.id)
        page.fill("#title", title)
        page.fill("#description", "督查发现房前屋后垃圾堆 12 处")
        page.select_option("#category", "garbage_pile")
        page.select_option("#responsible_unit", "town-a")
        page.fill("#deadline", deadline)
        page.fill("#indicators-0-name", "清理垃圾堆")
        page.fill("#indicators-0-unit", "堆")
        page.fill("#indicators-0-target", "12")
        page.locator("form.card [type=submit]").click()
        page.wait_for_url(re.compile(r"/tickets/\d+$"))
        assert title in page.inner_text("h1")
        if with_photo:
            page.set_input_files("#evidence-files", str(photo("before.png")))
            submit(page, page.locator("#evidence form [type=submit]"))
            # Sent with progress (static/app.js), then the page reloads at #evidence: wait for it.
            expect(page.locator("#evidence img")).to_have_count(1)

    db.rollback()
    tickets = db.exec(select(Ticket).order_by(Ticket.id)).all()
    db.rollback()
    assert [t.title for t in tickets] == ["上庄村垃圾堆未清理", "青山乡柴草堆乱堆乱放"]
    assert all(t.inspection_id == round_.id and t.state == "reported" for t in tickets)
    assert not page.js_errors


def test_cadre_on_phone_starts_and_reports_completion(
    page, sign_in, county, db, make_ticket, photo
) -> None:
    first = file_now(make_ticket, title="上庄村垃圾堆未清理")
    file_now(make_ticket, title="青山乡柴草堆乱堆乱放")
    sign_in(page, county.cadre_a.username)

    page.goto("/")
    queue = page.inner_text("main")
    assert "上庄村垃圾堆未清理" in queue and "青山乡柴草堆乱堆乱放" in queue
    page.get_by_role("link", name="上庄村垃圾堆未清理").first.click()
    page.wait_for_url(re.compile(rf"/tickets/{first.id}$"))

    act(page, "签收整改")
    assert reload(db, first.id).state == "rectifying"

    take(page, "报告整改完成")
    form = action_form(page, "报告整改完成")
    form.locator("input[name='ind-0-achieved']").fill("12")
    form.locator("input[type=file]").set_input_files(str(photo("after.png")))
    form.locator("textarea[name=comment]").fill("已清理垃圾堆 12 处,拍照留存")
    submit(page, form.locator("[type=submit]"))

    ticket = reload(db, first.id)
    assert ticket.is_awaiting_verification
    assert "待核查" in page.inner_text("main") or "Awaiting" in page.inner_text("main")
    expect(page.locator("#evidence img").first).to_be_visible()
    assert "12" in page.inner_text(".timeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.js_errors


def test_inspector_rejects_cadre_reports_again_inspector_verifies(
    new_page, sign_in, county, db, make_ticket, move
) -> None:
    ticket = file_now(make_ticket)
    move(ticket, county.cadre_a, "accept", now=utcnow())
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=utcnow(),
        comment="已清理",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "target": 12, "achieved": 8}],
    )
    inspector, cadre = new_page(PHONE), new_page(PHONE)
    sign_in(inspector, county.inspector.username)
    sign_in(cadre, county.cadre_a.username)

    inspector.goto("/tickets")  # the inspector's queue: awaiting verification
    inspector.get_by_role("link", name=ticket.title).first.click()
    take(inspector, "核查退回")
    reject = action_form(inspector, "核查退回")
    submit(inspector, reject.locator("[type=submit]"))  # no reason: refused, said next to the field
    assert reload(db, ticket.id).is_awaiting_verification
    assert inspector.locator(".invalid-feedback, .alert-danger").count() >= 1
    reject = action_form(inspector, "核查退回")
    reject.locator("textarea[name=comment]").fill("还有 4 处垃圾堆未清理")
    submit(inspector, reject.locator("[type=submit]"))
    after_reject = reload(db, ticket.id)
    assert not after_reject.is_awaiting_verification and after_reject.rejection_count == 1

    cadre.goto(f"/tickets/{ticket.id}")
    assert "还有 4 处垃圾堆未清理" in cadre.inner_text(".timeline")
    take(cadre, "报告整改完成")
    form = action_form(cadre, "报告整改完成")
    form.locator("input[name='ind-0-achieved']").fill("12")
    form.locator("textarea[name=comment]").fill("剩余 4 处已全部清理")
    submit(cadre, form.locator("[type=submit]"))
    assert reload(db, ticket.id).is_awaiting_verification

    inspector.goto(f"/tickets/{ticket.id}")
    act(inspector, "核查通过")
    assert reload(db, ticket.id).state == "verified"
    assert not inspector.js_errors and not cadre.js_errors


def test_leader_sees_overdue_chases_and_closes(
    new_page, sign_in, county, db, make_ticket, move
) -> None:
    overdue = file_now(make_ticket, title="河湾村废旧农膜未回收", responsible_unit="town-b")
    done = file_now(make_ticket, title="上庄村卫生厕所改造")
    # A finding whose deadline has passed: set it in the database (the form refuses past dates).
    db.rollback()
    row = db.get(Ticket, overdue.id)
    row.deadline = today() - timedelta(days=3)
    row.original_deadline = row.deadline
    db.add(row)
    db.commit()
    move(done, county.cadre_a, "accept", now=utcnow())
    move(
        done,
        county.cadre_a,
        "report_completion",
        now=utcnow(),
        comment="已完成",
        indicators=[{"name": "清理垃圾堆", "unit": "堆", "target": 12, "achieved": 12}],
    )
    move(done, county.inspector, "verify", now=utcnow())
    db.rollback()

    page = new_page(DESKTOP)
    sign_in(page, county.leader.username)
    page.goto("/dashboard")
    submit(page, page.locator("a.dash-figure[href*='overdue=1']").first)
    assert "河湾村废旧农膜未回收" in page.inner_text("main")
    assert "上庄村卫生厕所改造" not in page.inner_text("main")
    page.get_by_role("link", name="河湾村废旧农膜未回收").first.click()
    page.wait_for_url(re.compile(rf"/tickets/{overdue.id}$"))
    page.fill("#chase-comment", "请于本周内完成整改并报告")
    submit(page, page.locator("form[action*='chase'] [type=submit]"))
    assert page.locator(".alert-success").count() == 1
    assert "请于本周内完成整改并报告" in page.inner_text(".timeline")

    page.goto(f"/tickets/{done.id}")
    dialogs: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    act(page, "销号")
    assert dialogs, "closing asks for confirmation first"
    assert reload(db, done.id).state == "closed"
    assert not page.js_errors


def test_language_switch_reads_fully_in_english(new_page, sign_in, county, db, make_ticket) -> None:
    ticket = file_now(
        make_ticket,
        title="Garbage piles behind houses",
        description="12 piles found",
        indicators=[{"name": "piles cleared", "unit": "piles", "target": 12}],
    )
    page = new_page(PHONE)
    sign_in(page, county.leader.username)
    page.goto("/tickets")
    assert CJK.search(page.inner_text("main")), "the default language is Chinese"
    page.locator(".navbar-toggler").click()
    # wait for the collapse animation to end: mid-animation the button moves under the pointer
    page.wait_for_selector("#mainnav.collapse.show")
    submit(page, page.locator("button[name=locale][value=en]"))
    assert page.locator("html").get_attribute("lang") == "en"

    # User data (unit names, people) stays as typed; everything else must be English.
    user_data = [
        county.county.name,
        county.town_a.name,
        county.village_a.name,
        county.town_b.name,
        county.village_b.name,
        county.department.name,
        "中文",
        "　",
    ]
    for path in ("/tickets", "/tickets?queue=all", f"/tickets/{ticket.id}", "/dashboard"):
        page.goto(path)
        text = page.inner_text("body")
        for value in user_data:
            text = text.replace(value, "")
        leftovers = sorted({line.strip() for line in text.splitlines() if CJK.search(line)})
        assert not leftovers, f"{path} still has Chinese: {leftovers}"


PHONE_PAGES = [
    ("/login", None),
    ("/", "cadre_a"),
    ("/tickets", "cadre_a"),
    ("/tickets?queue=all&unit=town-a&overdue=1", "cadre_a"),
    ("/tickets/{id}", "cadre_a"),
    ("/workflow", "cadre_a"),
    ("/account/notifications", "cadre_a"),
    ("/", "inspector"),
    ("/tickets/{id}", "inspector"),
    ("/tickets/new", "inspector"),
    ("/inspections", "inspector"),
    ("/inspections/new", "inspector"),
    ("/", "leader_a"),
    ("/tickets/{id}", "leader_a"),
    ("/dashboard", "leader"),
    ("/overdue", "leader"),
    ("/ranking", "leader"),
    ("/bulletin", "leader"),
    ("/", "leader"),
    ("/tickets?queue=all", "admin"),
    ("/admin/outbox", "admin"),
]


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 768}], ids=["390", "1366"])
def test_every_page_fits_the_screen(  # type: ignore[no-untyped-def]
    new_page, sign_in, county, db, make_ticket, viewport
) -> None:
    ticket = file_now(
        make_ticket,
        title="上庄村房前屋后垃圾堆未清理且柴草堆乱堆乱放,影响村容村貌,群众反映强烈" * 2,
    )
    pages = {}
    wide = []
    for path, who in PHONE_PAGES:
        if who not in pages:
            pages[who] = new_page(viewport)
            if who:
                sign_in(pages[who], getattr(county, who).username)
        page = pages[who]
        response = page.goto(path.format(id=ticket.id))
        assert response.status < 400, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            wide.append((who, path, width))
    assert not wide, f"pages wider than the phone: {wide}"
