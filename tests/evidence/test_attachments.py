"""Evidence uploads: type by content, size, hashes, thumbnails, names, who may upload."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from helpers import NOW
from PIL import Image
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from tracker.core.errors import Forbidden, ValidationFailed
from tracker.evidence import service, storage
from tracker.evidence.models import Attachment
from tracker.tickets.models import TicketEvent

STORED = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf|docx|xlsx)$")


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _store(db, app, ticket, user, data, name, purpose="after", **settings):  # type: ignore[no-untyped-def]
    config = {**app.config, **settings}
    attachment = service.store_upload(
        db, ticket, user, _file(data, name), purpose, NOW, config, app.extensions["workflow"]
    ).attachment
    db.commit()
    return attachment


def _all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


ACCEPTED = [
    ("png", "现场照片.png", "image/png"),
    ("jpeg", "after.jpg", "image/jpeg"),
    ("webp", "after.webp", "image/webp"),
    ("pdf", "整改报告.pdf", "application/pdf"),
    (
        "docx",
        "report.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xlsx", "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]


def test_accepted_types_are_stored_with_hash_and_generated_name(
    app, db, county, make_ticket, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    for kind, name, content_type in ACCEPTED:
        data = getattr(files, kind)()
        attachment = _store(db, app, ticket, county.cadre_a, data, name)
        assert attachment.content_type == content_type
        assert attachment.original_name == name
        assert STORED.match(attachment.stored_name)
        assert Path(name).stem not in attachment.stored_name
        path = storage.file_path(app.config["UPLOAD_DIR"], attachment.stored_name)
        stored = path.read_bytes()
        assert attachment.size == len(stored)
        assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
        assert path.is_relative_to(Path(app.config["UPLOAD_DIR"]))
        is_image = content_type.startswith("image/")
        assert attachment.has_thumbnail is is_image
        thumb = storage.thumbnail_path(app.config["UPLOAD_DIR"], attachment.stored_name)
        assert thumb.exists() is is_image
        if is_image:
            assert stored == data  # no metadata to strip: stored as sent
            with Image.open(thumb) as image:
                assert image.format == "JPEG"
                assert max(image.size) <= 320


REFUSED = [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "photo.png"),
    (b"<html><body><script>alert(document.cookie)</script></body></html>", "photo.png"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "chart.jpg"),
    (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "polyglot.png"),
    (b"\xff\xd8\xff\xe0 this is not a jpeg at all", "broken.jpg"),
    (b"plain text notes", "notes.pdf"),
]


def test_content_not_matching_an_accepted_type_is_refused(app, db, county, make_ticket) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    for data, name in REFUSED:
        with pytest.raises(ValidationFailed) as refused:
            _store(db, app, ticket, county.cadre_a, data, name)
        assert "file" in refused.value.fields, name
        db.rollback()
    db.expire_all()
    assert db.exec(select(Attachment)).all() == []
    assert _all_files(Path(app.config["UPLOAD_DIR"])) == []


def test_oversize_and_empty_files_are_refused(app, db, county, make_ticket, files) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    pdf = files.pdf() + b"%" * 2000
    with pytest.raises(ValidationFailed, match="too large"):
        _store(db, app, ticket, county.cadre_a, pdf, "big.pdf", UPLOAD_MAX_BYTES=1000)
    with pytest.raises(ValidationFailed, match="empty"):
        _store(db, app, ticket, county.cadre_a, b"", "empty.pdf")
    # exactly at the limit is fine
    exact = _store(db, app, ticket, county.cadre_a, pdf, "ok.pdf", UPLOAD_MAX_BYTES=len(pdf))
    assert exact.size == len(pdf)


def test_decompression_bombs_are_refused_before_decoding(
    app, db, county, make_ticket, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    with pytest.raises(ValidationFailed, match="too large"):
        _store(db, app, ticket, county.cadre_a, files.bomb(), "bomb.png")
    # the configured pixel limit applies to honest images too
    big = files.png(size=(200, 200))
    with pytest.raises(ValidationFailed, match="too large"):
        _store(db, app, ticket, county.cadre_a, big, "big.png", UPLOAD_MAX_PIXELS=10_000)


def test_exif_is_stripped_from_stored_photo_and_thumbnail(
    app, db, county, make_ticket, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    data = files.jpeg(exif=True)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get(0x010F) == "SecretCam"
    attachment = _store(db, app, ticket, county.cadre_a, data, "gps.jpg")
    upload_dir = app.config["UPLOAD_DIR"]
    stored = storage.file_path(upload_dir, attachment.stored_name).read_bytes()
    assert b"SecretCam" not in stored
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()
    thumb = storage.thumbnail_path(upload_dir, attachment.stored_name).read_bytes()
    assert b"SecretCam" not in thumb


TRAVERSALS = [
    ("../../../../etc/passwd.png", "passwd.png"),
    ("..\\..\\windows\\win.ini.png", "win.ini.png"),
    ("/abs/path/x.png", "x.png"),
    ("..", "file"),
    ("evil\r\nX-Injected: 1.png", "evilX-Injected: 1.png"),
    ("", "file"),
]


def test_path_traversal_names_are_harmless(app, db, county, make_ticket, files) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    for index, (name, label) in enumerate(TRAVERSALS):
        assert service.safe_original_name(name) == label
        if not name:
            continue
        attachment = service.store_upload(
            db,
            ticket,
            county.cadre_a,
            FileStorage(io.BytesIO(files.png(size=(40 + index, 30))), filename=name),
            "before",
            NOW,
            app.config,
            app.extensions["workflow"],
        ).attachment
        assert attachment.original_name == label
    db.commit()
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    stored = _all_files(root)
    assert len(stored) == 2 * (len(TRAVERSALS) - 1)  # each photo and its thumbnail
    for path in stored:
        assert path.resolve().is_relative_to(root)
        assert STORED.match(path.name.removesuffix(".jpg")) or STORED.match(path.name)
        assert "passwd" not in str(path) and "win" not in path.name


def test_download_names_follow_the_content(app, db, county, make_ticket, files) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    jpeg_named_png = _store(db, app, ticket, county.cadre_a, files.jpeg(), "photo.png")
    assert service.download_name(jpeg_named_png) == "photo.jpg"
    plain = _store(db, app, ticket, county.cadre_a, files.pdf(), "整改报告")
    assert service.download_name(plain) == "整改报告.pdf"


def test_who_may_upload(app, db, county, make_ticket, move, files) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(co_units=["dept"])
    allowed = [
        county.cadre_a,  # responsible unit
        county.cadre_dept,  # co-operating unit
        county.inspector,
        county.admin,
        county.leader,  # in charge of the county
        county.leader_a,
    ]
    for user in allowed:
        assert service.can_upload(db, user, ticket, app.extensions["workflow"]), user.username
    for user in (county.cadre_b, county.cadre_village_a, county.leader_b):
        assert not service.can_upload(db, user, ticket, app.extensions["workflow"]), user.username
        with pytest.raises(Forbidden):
            _store(db, app, ticket, user, files.png(), "x.png")
        db.rollback()
        db.expire_all()
    # closed tickets take evidence from inspectors (follow-up checks) but not from units
    move(ticket, county.inspector, "withdraw", comment="duplicate")
    assert not service.can_upload(db, county.cadre_a, ticket, app.extensions["workflow"])
    assert service.can_upload(db, county.inspector, ticket, app.extensions["workflow"])


# --- through the pages ---------------------------------------------------------------------


def _upload(client, ticket_id, data, name, purpose="after"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/tickets/{ticket_id}/attachments",
        data={"files": (io.BytesIO(data), name), "purpose": purpose},
        content_type="multipart/form-data",
    )


def test_upload_page_download_and_thumbnail(db, county, make_ticket, as_user, files) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.cadre_a)
    response = _upload(client, ticket.id, files.png(), "现场 照片.png", "before")
    assert response.status_code == 302
    response = _upload(client, ticket.id, files.pdf(), "report.pdf", "document")
    assert response.status_code == 302
    photo, report = db.exec(select(Attachment).order_by(Attachment.id)).all()
    assert (photo.purpose, report.purpose) == ("before", "document")
    events = db.exec(select(TicketEvent).where(TicketEvent.kind == "attachment")).all()
    assert [e.data["attachments"][0]["id"] for e in events] == [photo.id, report.id]

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/attachments/{photo.id}/thumbnail" in page
    assert f"/attachments/{report.id}" in page and "report.pdf" in page
    assert 'enctype="multipart/form-data"' in page

    image = client.get(f"/attachments/{photo.id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert "filename*=UTF-8''" in image.headers["Content-Disposition"]
    assert hashlib.sha256(image.data).hexdigest() == photo.sha256
    assert "sandbox" in image.headers["Content-Security-Policy"]

    document = client.get(f"/attachments/{report.id}")
    assert document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"] == "attachment; filename=report.pdf"
    assert document.headers["X-Content-Type-Options"] == "nosniff"

    thumb = client.get(f"/attachments/{photo.id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert client.get(f"/attachments/{report.id}/thumbnail").status_code == 404
    assert client.get("/attachments/999999").status_code == 404


def test_refused_upload_says_why_and_keeps_nothing(app, db, county, make_ticket, as_user) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.cadre_a)
    response = _upload(client, ticket.id, b"<html><script>x</script></html>", "photo.png")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="alert alert-danger"' in page
    assert db.exec(select(Attachment)).all() == []
    assert _all_files(Path(app.config["UPLOAD_DIR"])) == []


def test_request_over_max_content_length_gets_a_readable_413(
    app_factory, county, make_ticket, files
) -> None:  # type: ignore[no-untyped-def]
    small = app_factory(MAX_CONTENT_LENGTH=2000)
    client = small.test_client()
    from helpers import login

    assert login(client, county.cadre_a.username).status_code == 302
    ticket = make_ticket()
    response = _upload(client, ticket.id, files.pdf() + b"%" * 5000, "big.pdf")
    assert response.status_code == 413
    assert (
        "<form" not in response.get_data(as_text=True).split("<main", 1)[1]
    )  # a page, not a crash


def test_report_completion_with_a_photo_in_the_transition_form(
    app, db, county, make_ticket, move, as_user, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    client = as_user(county.cadre_a)
    # refused (no comment): the photo is not kept
    response = client.post(
        f"/tickets/{ticket.id}/transition",
        data={
            "transition": "report_completion",
            "version": str(ticket.version),
            "files": (io.BytesIO(files.jpeg()), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert db.exec(select(Attachment)).all() == []
    assert _all_files(Path(app.config["UPLOAD_DIR"])) == []
    # an earlier upload from the evidence card can be cited with a new photo
    assert _upload(client, ticket.id, files.png(), "before.png", "before").status_code == 302
    db.rollback()  # end the read transaction: see what the requests committed
    db.expire_all()
    earlier = db.exec(select(Attachment)).one()
    response = client.post(
        f"/tickets/{ticket.id}/transition",
        data={
            "transition": "report_completion",
            "version": str(ticket.version),
            "comment": "已清理完毕",
            "attachments": [str(earlier.id)],
            "files": (io.BytesIO(files.jpeg()), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.rollback()
    db.expire_all()
    event = db.exec(select(TicketEvent).where(TicketEvent.transition == "report_completion")).one()
    attachments = db.exec(select(Attachment).order_by(Attachment.id)).all()
    assert event.data["attachments"] == [a.id for a in attachments]
    assert all(a.event_id == event.id for a in attachments)
    assert attachments[1].purpose == "after"
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/attachments/{attachments[1].id}/thumbnail" in page


def test_another_tickets_attachment_cannot_be_cited(
    db, county, make_ticket, move, as_user, files
) -> None:  # type: ignore[no-untyped-def]
    mine, other = make_ticket(), make_ticket(title="另一个问题")
    move(mine, county.cadre_a, "accept")
    client = as_user(county.cadre_a)
    assert _upload(client, other.id, files.png(), "x.png").status_code == 302
    foreign = db.exec(select(Attachment)).one()
    response = client.post(
        f"/tickets/{mine.id}/transition",
        data={
            "transition": "report_completion",
            "version": str(mine.version),
            "comment": "done",
            "attachments": [str(foreign.id)],
        },
    )
    assert response.status_code == 422
    db.rollback()
    db.expire_all()
    assert (
        db.exec(select(TicketEvent).where(TicketEvent.transition == "report_completion")).all()
        == []
    )


def test_co_unit_cadre_adds_evidence_and_comments_but_lead_unit_moves_state(
    db, county, make_ticket, move, as_user, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(co_units=["dept"])
    client = as_user(county.cadre_dept)
    page = client.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert 'name="files"' in page.get_data(as_text=True)
    assert _upload(client, ticket.id, files.webp(), "dept.webp").status_code == 302
    assert (
        client.post(f"/tickets/{ticket.id}/comments", data={"comment": "已派技术员"}).status_code
        == 302
    )
    refused = client.post(
        f"/tickets/{ticket.id}/transition",
        data={"transition": "accept", "version": str(ticket.version)},
    )
    assert refused.status_code == 403
    db.rollback()
    db.expire_all()
    assert db.get(type(ticket), ticket.id).state == "reported"
    kinds = [e.kind for e in db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert kinds == ["created", "attachment", "comment"]
    # the lead unit accepts
    lead = as_user(county.cadre_a)
    accepted = lead.post(
        f"/tickets/{ticket.id}/transition",
        data={"transition": "accept", "version": str(ticket.version)},
    )
    assert accepted.status_code == 302


def test_completion_form_ticks_only_the_units_own_new_files(  # type: ignore[no-untyped-def]
    db, county, make_ticket, move, as_user, files
) -> None:
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    _upload(as_user(county.inspector), ticket.id, files.png(size=(40, 30)), "before.png", "before")
    _upload(as_user(county.inspector), ticket.id, files.png(size=(41, 30)), "other.png", "evidence")
    _upload(as_user(county.cadre_a), ticket.id, files.png(size=(42, 30)), "after.png", "after")
    before, other, after = db.exec(select(Attachment).order_by(Attachment.id)).all()
    page = as_user(county.cadre_a).get(f"/tickets/{ticket.id}").get_data(as_text=True)
    ticked = {
        a.id
        for a in (before, other, after)
        if re.search(rf'id="att-report_completion-{a.id}" checked', page)
    }
    assert f'id="att-report_completion-{before.id}"' in page  # offered, not ticked
    assert ticked == {after.id}
