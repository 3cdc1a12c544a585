"""The bell on a phone (390×844): the unread count on the first screen without opening the
menu, one tap to the notices, one tap to the finding, and the count goes down."""

from __future__ import annotations

import pytest
from browser.steps import file_now, submit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_the_bell_leads_from_any_page_to_the_finding(page, sign_in, county, make_ticket) -> None:  # type: ignore[no-untyped-def]
    first = file_now(make_ticket, title="上庄村房前屋后垃圾堆未清理")
    file_now(make_ticket, title="河道岸边建筑垃圾未清运")
    sign_in(page, county.cadre_a.username)
    page.goto("/")
    bell = page.locator("a.bell")
    box = bell.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    assert box["height"] >= 38 and box["x"] + box["width"] <= PHONE["width"]
    assert bell.locator(".bell-count").inner_text() == "2"
    assert bell.is_visible() and not page.locator("#mainnav").is_visible()  # menu collapsed
    submit(page, bell)
    assert page.url.endswith("/notifications")
    notice = page.locator("button.notice-link", has_text=first.code)
    assert notice.bounding_box()["height"] >= 44
    submit(page, notice)
    assert page.url.endswith(f"/tickets/{first.id}")
    assert page.locator("a.bell .bell-count").inner_text() == "1"
