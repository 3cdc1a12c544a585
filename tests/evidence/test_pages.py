"""The ticket page shows photos before beside after, with time, place and flags."""

from __future__ import annotations

import io
import re

from helpers import NOW, count_queries, later
from werkzeug.datastructures import FileStorage

from tracker.evidence import places, service
from tracker.evidence.exif import Position
from tracker.tickets.home import HOME_PREVIEW


def _store(db, app, ticket, user, data, purpose):  # type: ignore[no-untyped-def]
    stream = FileStorage(stream=io.BytesIO(data), filename=f"{purpose}.jpg")
    attachment = service.store_upload(
        db, ticket, user, stream, purpose, NOW, app.config, app.extensions["workflow"]
    ).attachment
    db.commit()
    return attachment


def test_before_beside_after_with_times_places_and_flags(
    app, db, county, make_ticket, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    places.set_unit_position(db, county.village_a.id, Position(30.25, 118.5), NOW)
    db.commit()
    ticket = make_ticket()
    before = photos.encode(photos.scene(1, (320, 240)), taken="2026:06:14 09:30:00")
    _store(db, app, ticket, county.inspector, before, "before")
    after = photos.encode(photos.scene(2, (320, 240)), gps=(30.30, 118.60))
    _store(db, app, ticket, county.cadre_a, after, "after")

    page = as_user(county.inspector).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    pair = page[page.index('class="ba-pair"') :]
    assert pair.index("ba-before") < pair.index("ba-after")
    assert 'datetime="2026-06-14T01:30:00+00:00"' in pair  # the before-photo's capture time
    assert "拍摄时间不详" in pair  # the after-photo has none
    assert 'data-flags="no_capture_time far_from_place"' in pair
    assert "30.30000, 118.60000" in pair and "openstreetmap" not in page
    assert 'data-count="2"' in page

    app.config["EVIDENCE"]["MAP_URL_TEMPLATE"] = "https://map.example/?p={lat},{lon}"
    page = as_user(county.inspector).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'href="https://map.example/?p=30.300000,118.600000"' in page
    assert 'href="https://map.example/?p=30.250000,118.500000"' in page  # the finding's place


def test_the_inspectors_queue_item_counts_the_flags(
    app, db, county, make_ticket, move, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", now=later(1))
    photo = _store(
        db, app, ticket, county.cadre_a, photos.encode(photos.scene(1, (64, 48))), "after"
    )
    move(ticket, county.cadre_a, "report_completion", comment="已清理", attachments=[photo.id])
    home = as_user(county.inspector).get("/").get_data(as_text=True)
    card = home[home.index(ticket.code) :]
    assert 'class="badge text-bg-warning evidence-flag-count" data-count="1"' in card


def _awaiting_with_flagged_photo(db, app, county, make_ticket, move, photos, seed):  # type: ignore[no-untyped-def]
    """A finding whose unit reported completion with an after-photo that has no capture time."""
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept", now=later(1))
    data = photos.encode(photos.scene(seed, (64, 48)))
    photo = _store(db, app, ticket, county.cadre_a, data, "after")
    move(ticket, county.cadre_a, "report_completion", comment="已清理", attachments=[photo.id])
    return ticket


def test_flag_counts_on_cards_cost_the_same_for_any_number_of_cards(
    app, db, county, make_ticket, move, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    """The flags of a page's cards are worked out together: no statements per card."""
    client = as_user(county.inspector)
    pages = ("/", "/tickets?queue=to_verify", "/tickets?queue=all")

    def load() -> dict[str, int]:
        counts = {}
        for url in pages:
            with count_queries(app) as statements:
                page = client.get(url).get_data(as_text=True)
            counts[url] = len(statements)
            shown = min(len(made), HOME_PREVIEW) if url == "/" else len(made)
            assert page.count('evidence-flag-count" data-count="1"') == shown, url
        return counts

    made = [_awaiting_with_flagged_photo(db, app, county, make_ticket, move, photos, 1)]
    load()  # the worker loads its unit directory once (tracker/org/directory.py)
    few = load()
    for seed in range(2, 8):
        made.append(_awaiting_with_flagged_photo(db, app, county, make_ticket, move, photos, seed))
    assert load() == few


def test_photo_alt_text_says_what_which_ticket_and_when(
    app, db, county, make_ticket, move, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    """Alt text describes the evidence (kind, ticket, capture or upload date) in the page's
    language, on the card, the before/after pair and the history; never the file name."""
    ticket = make_ticket()
    data = photos.encode(photos.scene(1, (64, 48)), taken="2026:06:14 09:30:00")
    _store(db, app, ticket, county.inspector, data, "before")
    move(ticket, county.cadre_a, "accept", now=later(1))
    after = _store(
        db, app, ticket, county.cadre_a, photos.encode(photos.scene(2, (64, 48))), "after"
    )
    other = _store(
        db, app, ticket, county.cadre_a, photos.encode(photos.scene(3, (64, 48))), "evidence"
    )
    move(ticket, county.cadre_a, "report_completion", comment="已清理", attachments=[after.id])

    page = as_user(county.inspector).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    alts = set(re.findall(r'<img [^>]*alt="([^"]*)"', page))
    assert alts == {
        f"整改前照片 · {ticket.code} · 2026年6月14日",
        f"整改后照片 · {ticket.code} · 2026年6月15日",
        f"其他佐证 · {ticket.code} · 2026年6月15日",
    }, alts
    assert page.count(f'alt="整改后照片 · {ticket.code} · 2026年6月15日"') == 2  # pair + history
    assert other.original_name not in " ".join(alts)

    county.inspector.locale = "en"
    db.commit()
    page = as_user(county.inspector).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'alt="Photo before rectification · {ticket.code} · Jun 14, 2026"' in page
