"""The same picture given twice (一图多用): exact and near copies found across the deployment,
flagged, and shown only as far as the viewer may see."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import NOW, flag_rules
from PIL import Image
from sqlalchemy import event, update
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from tracker.core.db import get_engine
from tracker.evidence import duplicates, service
from tracker.evidence.flags import flags_for_tickets
from tracker.evidence.models import PhotoHashBlock

TAKEN = "2026:06:17 09:00:00"


def _store(db, app, ticket, user, data, purpose="after"):  # type: ignore[no-untyped-def]
    stream = FileStorage(stream=io.BytesIO(data), filename="photo.jpg")
    attachment = service.store_upload(
        db, ticket, user, stream, purpose, NOW, app.config, app.extensions["workflow"]
    ).attachment
    db.commit()
    return attachment


def _seen_by(db, app, user, ticket, attachment):  # type: ignore[no-untyped-def]
    found = flags_for_tickets(db, user, [ticket], [attachment], flag_rules(app))
    return found.flags[attachment.id], [s.other_id for s in found.similar.get(attachment.id, [])]


def _crop(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    return image.crop((int(w * share), int(h * share), int(w * (1 - share)), int(h * (1 - share))))


def _original(photos):  # type: ignore[no-untyped-def]
    """A photo as taken: a part of a wider scene."""
    return photos.scene(11, (2000, 1500)).crop((200, 150, 1800, 1350))


COPIES = {
    "resized": lambda img: img.resize((img.width // 3, img.height // 3)),
    "recompressed": lambda img: img,  # saved again at quality 40 below
    "lightly cropped": lambda img: _crop(img, 0.03),
    "cropped, resized, recompressed": lambda img: _crop(img, 0.03).resize((800, 600)),
}


@pytest.mark.parametrize("change", list(COPIES))
def test_a_changed_copy_on_another_finding_is_flagged(
    app, db, county, make_ticket, photos, change
) -> None:  # type: ignore[no-untyped-def]
    first, second = make_ticket(), make_ticket(location_unit="village-a")
    original = _store(db, app, first, county.cadre_a, photos.encode(_original(photos), taken=TAKEN))
    copy = COPIES[change](_original(photos))
    quality = 40 if "recompressed" in change else 90
    again = _store(
        db, app, second, county.cadre_a, photos.encode(copy, quality=quality, taken=TAKEN)
    )
    assert _seen_by(db, app, county.inspector, second, again) == (["reused"], [original.id])
    # The first finding's photo is now known to be reused too.
    assert _seen_by(db, app, county.inspector, first, original) == (["reused"], [again.id])


def test_a_copy_forwarded_without_metadata_is_flagged(app, db, county, make_ticket, photos) -> None:  # type: ignore[no-untyped-def]
    # The original carries EXIF, so it is re-encoded and decoded in full; the copy, forwarded by
    # a messaging app without metadata, is kept as sent and decoded at half scale (draft mode):
    # both fingerprints still match.
    first, second = make_ticket(), make_ticket(location_unit="village-a")
    original = _store(db, app, first, county.cadre_a, photos.encode(_original(photos), taken=TAKEN))
    again = _store(db, app, second, county.cadre_a, photos.encode(_original(photos), quality=80))
    assert _seen_by(db, app, county.inspector, second, again) == (
        ["no_capture_time", "reused"],
        [original.id],
    )


def test_an_exact_copy_is_found_by_its_bytes(app, db, county, make_ticket, photos) -> None:  # type: ignore[no-untyped-def]
    data = photos.encode(_original(photos), taken=TAKEN)
    first = _store(db, app, make_ticket(), county.cadre_a, data)
    second_ticket = make_ticket()
    second = _store(db, app, second_ticket, county.cadre_a, data)
    found = flags_for_tickets(db, county.inspector, [second_ticket], [second], flag_rules(app))
    [similar] = found.similar[second.id]
    assert (similar.other_id, similar.kind) == (first.id, "exact")


def test_another_photo_of_the_same_scene_is_not_flagged(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    wide = photos.scene(11, (2000, 1500))
    first = _store(
        db, app, make_ticket(), county.cadre_a, photos.encode(_original(photos), taken=TAKEN)
    )
    # A step to the side: the same scene, framed differently.
    moved = wide.crop((450, 330, 2000, 1500)).resize((1600, 1200))
    second_ticket = make_ticket()
    second = _store(db, app, second_ticket, county.cadre_a, photos.encode(moved, taken=TAKEN))
    assert _seen_by(db, app, county.inspector, second_ticket, second) == ([], [])
    assert first.id != second.id


def test_the_before_photo_given_as_after_photo_is_flagged(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    data = photos.encode(_original(photos), taken=TAKEN)
    before = _store(db, app, ticket, county.inspector, data, purpose="before")
    after = _store(
        db,
        app,
        ticket,
        county.cadre_a,
        photos.encode(_original(photos).resize((800, 600)), taken=TAKEN),
    )
    assert _seen_by(db, app, county.inspector, ticket, after) == (["reused"], [before.id])


def test_a_cadre_never_learns_of_a_copy_on_a_finding_they_may_not_see(
    app, db, county, make_ticket, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    from tracker.auth.tokens import create_token

    theirs = make_ticket(responsible_unit="town-b", location_unit="village-b")
    data = photos.encode(_original(photos), taken=TAKEN)
    hidden = _store(db, app, theirs, county.cadre_b, data)
    ours = make_ticket()
    mine = _store(db, app, ours, county.cadre_a, data)
    # The inspector sees both findings, and the copy.
    assert _seen_by(db, app, county.inspector, ours, mine) == (["reused"], [hidden.id])
    # Town A's cadre sees neither the flag nor the id, on the page or through the API.
    assert _seen_by(db, app, county.cadre_a, ours, mine) == ([], [])
    _row, token = create_token(db, county.cadre_a, "t", NOW)
    db.commit()
    client = as_user(county.cadre_a)
    page = client.get(f"/tickets/{ours.id}").get_data(as_text=True)
    assert theirs.code not in page and "data-flags" not in page
    item = client.get(
        f"/api/v1/tickets/{ours.id}/attachments", headers={"Authorization": f"Bearer {token}"}
    ).json["items"][0]
    assert (item["flags"], item["similar"]) == ([], [])
    # A leader of both townships sees it.
    assert _seen_by(db, app, county.leader, ours, mine) == (["reused"], [hidden.id])


def test_featureless_pictures_are_not_taken_for_each_other(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    grey, white = Image.new("RGB", (640, 480), (90, 90, 90)), Image.new("RGB", (640, 480), "white")
    _store(db, app, make_ticket(), county.cadre_a, photos.encode(grey, taken=TAKEN))
    ticket = make_ticket()
    blank = _store(db, app, ticket, county.cadre_a, photos.encode(white, taken=TAKEN))
    assert blank.phash is None
    assert _seen_by(db, app, county.inspector, ticket, blank) == ([], [])


def test_an_after_photo_from_the_before_photos_spot_is_not_a_reuse(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    from PIL import ImageDraw

    ticket = make_ticket()
    _store(
        db, app, ticket, county.inspector, photos.encode(_original(photos), taken=TAKEN), "before"
    )
    cleaned = _original(photos)
    ImageDraw.Draw(cleaned).rectangle((900, 700, 1400, 1100), fill=(128, 128, 128))
    after = _store(db, app, ticket, county.cadre_a, photos.encode(cleaned, taken=TAKEN))
    assert _seen_by(db, app, county.inspector, ticket, after)[0] == []


def test_full_hash_blocks_are_read_once_and_a_changed_database_afresh(
    app, db, county, make_ticket, photos, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Full blocks never change, so a look-up fetches only the blocks it has not seen full
    (bench/evidence_bench.py: the blobs' transfer was most of a PostgreSQL look-up); a block
    whose contents differ under the same id (a restored database) is fetched again."""
    monkeypatch.setattr(duplicates, "BLOCK_SIZE", 2)
    monkeypatch.setattr(duplicates, "_FULL_BLOCKS", {})
    ticket = make_ticket()
    stored = [
        _store(db, app, ticket, county.cadre_a, photos.encode(photos.scene(seed, (640, 480))))
        for seed in range(1, 6)
    ]
    fetched: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "photo_hash_block.data \nFROM" in statement and "photo_hash_block.id IN" in statement:
            fetched.append(statement)

    event.listen(get_engine(app), "before_cursor_execute", watch)
    try:
        first = duplicates.stored_hashes(db)
        second = duplicates.stored_hashes(db)
    finally:
        event.remove(get_engine(app), "before_cursor_execute", watch)
    blobs = db.exec(select(PhotoHashBlock.data).order_by(PhotoHashBlock.id)).all()
    direct = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype=duplicates.entries_dtype())
    assert sorted(first["id"]) == sorted(second["id"]) == sorted(direct["id"])
    assert sorted(first["id"]) == sorted(a.id for a in stored)
    assert len(duplicates._FULL_BLOCKS) == 2  # blocks of 2, 2 and 1 photos
    assert len(fetched) == 2  # the second look-up fetched only the partial block

    # The same ids with other contents (as after a restore): the cached copy is not used.
    swapped = bytes(blobs[1])[24:] + bytes(blobs[1])[:24]
    db.exec(update(PhotoHashBlock).where(PhotoHashBlock.id == 2).values(data=swapped))
    db.commit()
    again = duplicates.stored_hashes(db)
    assert list(again["id"][2:4]) == list(
        np.frombuffer(swapped, dtype=duplicates.entries_dtype())["id"]
    )
