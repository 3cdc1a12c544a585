"""Photo evidence on a phone: the inspector's verification screen shows before beside after,
with capture times and flags (issue 19). Writes docs/screenshots/evidence-before-after.png when
TRACKER_SCREENSHOTS=1."""

from __future__ import annotations

import io
import os
from pathlib import Path

from helpers import NOW, later
from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from tracker.evidence import service

SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "evidence-before-after.png"
)


def _photo(colour: tuple[int, int, int], taken: str | None, mess: bool) -> bytes:
    """A 640×480 JPEG of a yard, with a rubbish heap (before) or without (after)."""
    import piexif

    image = Image.new("RGB", (640, 480), (186, 205, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=colour)
    draw.rectangle((60, 150, 260, 300), fill=(200, 190, 170))
    draw.polygon([(40, 150), (160, 80), (280, 150)], fill=(150, 60, 50))
    if mess:
        for i in range(30):
            x, y = 330 + (i * 37) % 260, 320 + (i * 23) % 120
            draw.ellipse((x, y, x + 40, y + 26), fill=(90 + i * 3, 80, 60))
    out = io.BytesIO()
    options = {}
    if taken:
        options["exif"] = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode()}})
    image.save(out, "JPEG", quality=85, **options)
    return out.getvalue()


def _store(db, app, ticket, user, data, purpose, now):  # type: ignore[no-untyped-def]
    stream = FileStorage(stream=io.BytesIO(data), filename=f"{purpose}.jpg")
    attachment = service.store_upload(
        db, ticket, user, stream, purpose, now, app.config, app.extensions["workflow"]
    ).attachment
    db.commit()
    return attachment


def test_inspector_sees_before_beside_after_with_times_and_flags_on_a_phone(
    page, sign_in, county, db, live_app, make_ticket, move
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(title="上庄村房前屋后垃圾堆未清理")
    before = _photo((120, 150, 90), "2026:06:15 09:12:00", mess=True)
    _store(db, live_app, ticket, county.inspector, before, "before", NOW)
    move(ticket, county.cadre_a, "accept", now=later(1))
    # The after-photo was taken the day before the finding was filed: flagged.
    after = _photo((120, 150, 90), "2026:06:14 16:40:00", mess=False)
    photo = _store(db, live_app, ticket, county.cadre_a, after, "after", later(2))
    move(
        ticket,
        county.cadre_a,
        "report_completion",
        now=later(2),
        comment="已清理",
        attachments=[photo.id],
    )

    sign_in(page, "inspector")
    page.goto(f"/tickets/{ticket.id}")
    pair = page.locator(".ba-pair").first
    pair.scroll_into_view_if_needed()
    before_box = pair.locator(".ba-before").bounding_box()
    after_box = pair.locator(".ba-after").bounding_box()
    assert abs(before_box["y"] - after_box["y"]) < 2  # side by side, not stacked
    assert before_box["x"] + before_box["width"] <= after_box["x"]
    assert after_box["x"] + after_box["width"] <= 390
    assert "拍摄于" in pair.locator(".ba-before").inner_text()
    assert "2026" in pair.locator(".ba-after .photo-taken").inner_text()
    assert "整改后照片拍摄于问题交办之前" in pair.locator(".ba-after .photo-flags").inner_text()
    assert page.locator(".evidence-flag-count").inner_text().startswith("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("summary, button", has_text="核查通过").count() == 1
    if os.environ.get("TRACKER_SCREENSHOTS"):
        page.locator("#evidence").screenshot(path=str(SCREENSHOT))
    assert not page.js_errors  # type: ignore[attr-defined]
