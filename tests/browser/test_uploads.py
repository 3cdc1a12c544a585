"""Uploads from a phone on a slow link (issue 15): progress shown, the button disabled, one file
stored after a double tap; photos filed with the finding, a large photo reduced in the browser
with its capture time kept."""

from __future__ import annotations

import io
import random
import re

import pytest
from browser.steps import file_now, new_document, submit
from helpers import SOON
from PIL import Image
from sqlmodel import select

from tracker.core.clock import utcnow
from tracker.evidence.models import Attachment
from tracker.tickets.models import Ticket

pytestmark = pytest.mark.browser


def _attachments(db, ticket_id: int) -> list[Attachment]:  # type: ignore[no-untyped-def]
    db.rollback()
    rows = db.exec(select(Attachment).where(Attachment.ticket_id == ticket_id)).all()
    db.rollback()
    return rows


def test_a_double_tap_on_a_slow_link_shows_progress_and_stores_one_file(
    page, sign_in, county, db, make_ticket, move, photo
) -> None:
    ticket = file_now(make_ticket)
    move(ticket, county.cadre_a, "accept", now=utcnow())
    db.rollback()
    sign_in(page, county.cadre_a.username)
    page.goto(f"/tickets/{ticket.id}")
    held = []  # the slow link: the upload is held until the test lets it through
    page.route(re.compile(rf"/tickets/{ticket.id}/attachments$"), lambda r: held.append(r))
    page.set_input_files("#evidence-files", str(photo("整改后.png")))
    button = page.locator("#evidence form [type=submit]")
    button.dblclick()
    progress = page.locator("#evidence .upload-progress")
    progress.wait_for(state="visible")
    assert button.is_disabled()
    button.click(force=True)  # a third tap on the disabled button
    page.wait_for_timeout(300)
    assert len(held) == 1
    with new_document(page):
        held[0].continue_()
    assert "已添加 1 个文件。" in page.inner_text("main")
    assert len(held) == 1
    assert [a.original_name for a in _attachments(db, ticket.id)] == ["整改后.png"]
    # The same file sent again after the page came back: stored once, and the cadre is told.
    page.unroute(re.compile(rf"/tickets/{ticket.id}/attachments$"))
    page.set_input_files("#evidence-files", str(photo("整改后.png")))
    submit(page, page.locator("#evidence form [type=submit]"))
    assert "整改后.png 已附在本问题上，未重复保存。" in page.inner_text("main")
    assert len(_attachments(db, ticket.id)) == 1
    assert not page.js_errors


def _large_photo(tmp_path, taken: str = "2026:11:20 09:30:00"):  # type: ignore[no-untyped-def]
    """A 4000×3000 JPEG of about 5 MB (noise does not compress) with a capture time."""
    import piexif

    rng = random.Random(5)
    small = Image.frombytes("RGB", (400, 300), bytes(rng.randrange(256) for _ in range(360_000)))
    image = small.resize((4000, 3000), Image.Resampling.NEAREST)
    noise = Image.effect_noise((4000, 3000), 60).convert("RGB")
    image = Image.blend(image, noise, 0.5)
    exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode()}})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif)
    path = tmp_path / "现场大图.jpg"
    path.write_bytes(out.getvalue())
    return path


def test_a_finding_is_filed_with_a_photo_reduced_in_the_browser(
    page, sign_in, county, db, tmp_path
) -> None:
    big = _large_photo(tmp_path)
    assert big.stat().st_size > 3_000_000
    sign_in(page, county.inspector.username)
    page.goto("/tickets/new")
    assert page.get_attribute("#photos", "capture") == "environment"
    assert page.get_attribute("#photos", "accept") == "image/*"
    page.fill("#title", "上庄村垃圾堆未清理")
    page.select_option("#responsible_unit", "town-a")
    page.fill("#deadline", SOON)
    page.set_input_files("#photos", str(big))
    sent: list[int] = []
    page.on(
        "request",
        lambda r: sent.append(len(r.post_data_buffer or b"")) if r.method == "POST" else None,
    )
    with page.expect_navigation(url=re.compile(r"/tickets/\d+")):
        page.locator("form[data-upload] [type=submit]").click()
    assert "上庄村垃圾堆未清理" in page.inner_text("h1")
    assert page.locator("#evidence img").count() == 1
    assert sent and max(sent) < 1_500_000, sent  # about 1 MB sent instead of 5
    db.rollback()
    ticket = db.exec(select(Ticket)).one()
    (stored,) = _attachments(db, ticket.id)
    assert stored.purpose == "before"
    assert stored.taken_at is not None  # the capture time survived the reduction
    assert not page.js_errors
