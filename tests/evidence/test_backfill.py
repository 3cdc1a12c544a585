"""`tracker evidence backfill`: photos attached before the evidence checks get their facts,
upright thumbnails, fingerprints, copies and flags; idempotent, resumable, and a file that
cannot be read is reported without stopping the run."""

from __future__ import annotations

import hashlib

from helpers import NOW, flag_rules
from PIL import Image
from sqlmodel import select

from tracker.evidence import storage
from tracker.evidence.cli import backfill_command
from tracker.evidence.flags import flags_for_tickets
from tracker.evidence.models import Attachment, AttachmentMatch, TicketPosition

VILLAGE = (30.25, 118.5)


def _old(db, app, ticket, user, data, purpose="after", name="old.jpg", kind="image/jpeg"):  # type: ignore[no-untyped-def]
    """An attachment as uploads stored it before the checks: the file, its SHA-256, no facts,
    no fingerprints."""
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}[kind]
    stored_name = storage.new_stored_name(extension)
    storage.write_atomically(storage.file_path(app.config["UPLOAD_DIR"], stored_name), data)
    attachment = Attachment(
        ticket_id=ticket.id,
        uploader_id=user.id,
        original_name=name,
        stored_name=stored_name,
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        purpose=purpose,
        created_at=NOW,
    )
    db.add(attachment)
    db.commit()
    return attachment


def _reload(db) -> None:  # type: ignore[no-untyped-def]
    """See what a run committed: end the session's read transaction and forget loaded rows."""
    db.rollback()
    db.expire_all()


def _run(app, *args, lang="en"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(backfill_command, [*args, "--lang", lang])


def test_old_photos_get_facts_upright_thumbnails_fingerprints_and_a_place(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    # Held sideways: stored 400×300 with "turn 90° clockwise to show" (orientation 6).
    sideways = photos.encode(
        photos.scene(1, (400, 300)),
        taken="2026:06:14 09:30:00",
        offset="+08:00",
        gps=VILLAGE,
        orientation=6,
    )
    before = _old(db, app, ticket, county.inspector, sideways, purpose="before")
    document = _old(db, app, ticket, county.cadre_a, b"%PDF-1.4\n%%EOF\n", kind="application/pdf")

    result = _run(app)
    assert result.exit_code == 0, result.output
    assert "Examining attachments" in result.output
    assert "examined 2 attachment(s): 1 photo(s), 1 with a capture time, 1 with a position" in (
        result.output
    )
    _reload(db)
    photo = db.get(Attachment, before.id)
    assert photo.taken_at.isoformat() == "2026-06-14T01:30:00+00:00"
    assert (photo.latitude, photo.longitude) == VILLAGE and photo.camera == "Huawei P60"
    assert photo.source_sha256 == photo.sha256  # the stored bytes: unchanged, never rewritten
    assert photo.phash is not None and photo.dhash is not None and photo.has_thumbnail
    path = storage.file_path(app.config["UPLOAD_DIR"], photo.stored_name)
    assert path.read_bytes() == sideways
    thumbnail = Image.open(storage.thumbnail_path(app.config["UPLOAD_DIR"], photo.stored_name))
    assert thumbnail.width < thumbnail.height  # shown upright
    assert not thumbnail.getexif()  # and without metadata
    assert db.get(Attachment, document.id).source_sha256 == document.sha256
    row = db.get(TicketPosition, ticket.id)
    assert (row.latitude, row.longitude, row.source) == (*VILLAGE, "photo")


def test_copies_among_old_photos_and_new_uploads_are_found_and_flagged(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    first, second, third = make_ticket(), make_ticket(), make_ticket()
    picture = photos.scene(2, (640, 480))
    original = photos.encode(picture, taken="2026:06:17 09:00:00", offset="+08:00")
    a = _old(db, app, first, county.cadre_a, original)
    exact = _old(db, app, second, county.cadre_a, original)
    resized = photos.encode(picture.resize((480, 360)), quality=70, taken="2026:06:17 09:00:00")
    near = _old(db, app, third, county.cadre_a, resized)
    other = _old(db, app, third, county.cadre_a, photos.encode(photos.scene(3, (640, 480))))

    assert _run(app).exit_code == 0
    _reload(db)
    matches = {
        (m.attachment_id, m.other_id, m.kind) for m in db.exec(select(AttachmentMatch)).all()
    }
    assert (a.id, exact.id, "exact") in matches and (exact.id, a.id, "exact") in matches
    assert (a.id, near.id, "near") in matches and (near.id, exact.id, "near") in matches
    assert not any(other.id in pair[:2] for pair in matches)
    tickets = [first, second, third]
    attachments = db.exec(select(Attachment).order_by(Attachment.id)).all()
    found = flags_for_tickets(db, county.inspector, tickets, attachments, flag_rules(app))
    assert "reused" in found.flags[a.id] and "reused" in found.flags[near.id]
    assert "reused" not in found.flags[other.id]


def test_a_second_run_changes_nothing_and_a_limited_run_resumes(
    app, db, county, make_ticket, photos
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    data = photos.encode(photos.scene(4, (320, 240)))
    olds = [_old(db, app, ticket, county.cadre_a, data) for _ in range(3)]

    first = _run(app, "--limit", "2")
    assert first.exit_code == 0 and "examined 2 attachment(s)" in first.output
    _reload(db)
    assert [db.get(Attachment, a.id).source_sha256 is not None for a in olds] == [True, True, False]
    assert "examined 1 attachment(s)" in _run(app).output
    _reload(db)
    before = db.exec(select(AttachmentMatch.id)).all()
    assert len(before) == 6  # three copies of one picture: every ordered pair once
    again = _run(app, lang="zh")  # the configured default language
    assert again.exit_code == 0 and "已检查 0 个附件" in again.output
    assert db.exec(select(AttachmentMatch.id)).all() == before


def test_unreadable_files_are_reported_without_stopping_the_run(
    app, db, county, make_ticket, photos, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    upload_dir = app.config["UPLOAD_DIR"]
    missing = _old(db, app, ticket, county.cadre_a, photos.encode(photos.scene(5, (64, 48))))
    storage.file_path(upload_dir, missing.stored_name).unlink()
    replaced = _old(db, app, ticket, county.cadre_a, photos.encode(photos.scene(6, (64, 48))))
    storage.file_path(upload_dir, replaced.stored_name).write_bytes(b"not the same file")
    truncated_png = files.png()[:40]
    damaged = _old(db, app, ticket, county.cadre_a, truncated_png, kind="image/png")
    good = _old(db, app, ticket, county.cadre_a, photos.encode(photos.scene(7, (64, 48))))

    result = _run(app)
    assert result.exit_code == 1
    assert "examined 1 attachment(s)" in result.output
    assert f"attachment {missing.id} of ticket {ticket.id} ('old.jpg'): the stored file is " in (
        result.output
    )
    assert "missing" in result.output and "differs from the SHA-256" in result.output
    assert f"attachment {damaged.id}" in result.output and "cannot be used" in result.output
    assert "3 file(s) could not be read; they stay pending" in result.output
    _reload(db)
    assert db.get(Attachment, good.id).source_sha256 is not None
    for attachment in (missing, replaced, damaged):
        assert db.get(Attachment, attachment.id).source_sha256 is None
    # Put back, the file is examined by the next run.
    storage.write_atomically(
        storage.file_path(upload_dir, missing.stored_name),
        photos.encode(photos.scene(5, (64, 48))),
    )
    assert f"attachment {missing.id}" not in _run(app).output
