"""Photos stored with what they say about themselves: time, camera, place; shown upright;
HEIC kept as sent with a JPEG to show; no metadata in anything the tracker serves."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from helpers import NOW
from PIL import Image
from werkzeug.datastructures import FileStorage

from tracker.evidence import images, service, storage
from tracker.evidence.fingerprint import SAME_SHOT_MAX_DISTANCE, distance
from tracker.evidence.sniff import detect


def _store(db, app, ticket, user, data, name="photo.jpg", purpose="after"):  # type: ignore[no-untyped-def]
    stream = FileStorage(stream=io.BytesIO(data), filename=name)
    attachment = service.store_upload(
        db, ticket, user, stream, purpose, NOW, app.config, app.extensions["workflow"]
    ).attachment
    db.commit()
    return attachment


def _open(path) -> Image.Image:  # type: ignore[no-untyped-def]
    return Image.open(io.BytesIO(path.read_bytes()))


def test_exif_facts_are_kept_on_the_attachment_and_dropped_from_the_files(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    data = photos.encode(
        photos.scene(1, (640, 480)),
        taken="2026:06:16 09:30:00",
        offset="+08:00",
        gps=(30.25, 118.5),
    )
    attachment = _store(db, app, make_ticket(), county.cadre_a, data)
    assert attachment.taken_at == datetime(2026, 6, 16, 1, 30, tzinfo=UTC)
    assert attachment.camera == "Huawei P60"
    assert (attachment.latitude, attachment.longitude) == (30.25, 118.5)
    assert attachment.phash is not None and attachment.dhash is not None
    upload_dir = app.config["UPLOAD_DIR"]
    for path in (
        storage.file_path(upload_dir, attachment.stored_name),
        storage.thumbnail_path(upload_dir, attachment.stored_name),
    ):
        assert not _open(path).getexif(), path


def test_a_sideways_photo_is_stored_and_shown_upright(app, db, county, make_ticket, photos) -> None:  # type: ignore[no-untyped-def]
    # Pixels 400 wide, 200 high, tagged "rotate 90°": the photo is 200 wide, 400 high.
    data = photos.encode(photos.scene(3, (400, 200)), orientation=6)
    attachment = _store(db, app, make_ticket(), county.cadre_a, data)
    upload_dir = app.config["UPLOAD_DIR"]
    assert _open(storage.file_path(upload_dir, attachment.stored_name)).size == (200, 400)
    thumb = _open(storage.thumbnail_path(upload_dir, attachment.stored_name))
    assert thumb.height > thumb.width


def test_heic_is_stored_as_sent_and_shown_as_jpeg(
    app, db, county, make_ticket, photos, as_user
) -> None:  # type: ignore[no-untyped-def]
    data = photos.encode(
        photos.scene(4, (640, 480)), "HEIF", taken="2026:06:16 09:30:00", gps=(30.25, 118.5)
    )
    ticket = make_ticket()
    attachment = _store(db, app, ticket, county.cadre_a, data, "IMG_0001.HEIC")
    assert attachment.content_type == "image/heic"
    assert attachment.has_display and attachment.has_thumbnail
    assert attachment.taken_at == datetime(2026, 6, 16, 1, 30, tzinfo=UTC)
    upload_dir = app.config["UPLOAD_DIR"]
    assert storage.file_path(upload_dir, attachment.stored_name).read_bytes() == data
    display = _open(storage.display_path(upload_dir, attachment.stored_name))
    assert display.format == "JPEG" and not display.getexif()

    client = as_user(county.cadre_a)
    shown = client.get(f"/attachments/{attachment.id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    original = client.get(f"/attachments/{attachment.id}?download=1")
    assert original.data == data and original.mimetype == "image/heic"
    assert "IMG_0001.HEIC" in original.headers["Content-Disposition"]


def test_the_api_answers_time_position_flags_and_similar(
    app, db, county, make_ticket, photos, client
) -> None:  # type: ignore[no-untyped-def]
    from tracker.auth.tokens import create_token

    _row, token = create_token(db, county.cadre_a, "test", NOW)
    db.commit()
    ticket = make_ticket()
    data = photos.encode(
        photos.scene(5, (640, 480)),
        taken="2026:06:16 09:30:00",
        offset="+08:00",
        gps=(30.25, 118.5),
    )
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/attachments",
        data={"file": (io.BytesIO(data), "after.jpg"), "purpose": "after"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["taken_at"].startswith("2026-06-16T09:30:00")
    assert body["position"] == {"lat": 30.25, "lon": 118.5}
    assert body["flags"] == [] and body["similar"] == []

    bare = client.post(
        f"/api/v1/tickets/{ticket.id}/attachments",
        data={"file": (io.BytesIO(photos.encode(photos.scene(6, (64, 48)))), "x.jpg")},
        headers={"Authorization": f"Bearer {token}"},
    ).json
    assert bare["taken_at"] is None and bare["position"] is None
    assert bare["flags"] == ["no_capture_time"]
    listed = client.get(
        f"/api/v1/tickets/{ticket.id}/attachments", headers={"Authorization": f"Bearer {token}"}
    ).json["items"]
    assert [a["flags"] for a in listed] == [[], ["no_capture_time"]]


def _check(data: bytes, strip_metadata: bool) -> images.ProcessedImage:
    return images.process_image(
        data,
        detect(data),  # type: ignore[arg-type]
        max_pixels=40_000_000,
        thumbnail_box=320,
        strip_metadata=strip_metadata,
        zone=UTC,
    )


def test_a_large_jpeg_kept_as_it_is_is_decoded_at_a_quarter_scale(photos, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # 2048×1536 pixels tagged "rotate 90°". Kept as it is (a backfill), only its fingerprints
    # and thumbnail need pixels: libjpeg decodes it at 512×384 (draft mode), issue 14.
    data = photos.encode(photos.scene(7, (2048, 1536)), taken="2026:06:16 09:30:00", orientation=6)
    reduced = []
    reduce = images.reduced_upright

    def spy(image, side, orientation):  # type: ignore[no-untyped-def]
        reduced.append(image.size)
        return reduce(image, side, orientation)

    monkeypatch.setattr(images, "reduced_upright", spy)
    kept = _check(data, strip_metadata=False)
    assert reduced and set(reduced) == {(512, 384)}
    assert (kept.width, kept.height) == (2048, 1536)  # as declared, not as decoded
    assert kept.data == data and kept.facts.orientation == 6
    assert Image.open(io.BytesIO(kept.thumbnail)).size == (240, 320)  # upright

    # Re-encoded without its EXIF, it needs every pixel; the fingerprints of both decodes agree
    # closely enough that the same photo stored either way is known as the same shot.
    reduced.clear()
    stripped = _check(data, strip_metadata=True)
    assert set(reduced) == {(2048, 1536)}
    assert Image.open(io.BytesIO(stripped.data)).size == (1536, 2048)
    assert kept.hashes is not None and stripped.hashes is not None
    for draft, full in zip(kept.hashes, stripped.hashes, strict=True):
        assert distance(draft, full) <= SAME_SHOT_MAX_DISTANCE


def test_a_truncated_jpeg_is_refused_when_decoded_at_a_reduced_scale(photos) -> None:  # type: ignore[no-untyped-def]
    data = photos.encode(photos.scene(8, (2048, 1536)))
    with pytest.raises(images.BadImage):
        _check(data[: len(data) // 2], strip_metadata=False)
