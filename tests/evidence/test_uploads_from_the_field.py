"""Evidence from the field (issue 15): a file sent twice is stored once and the sender is told;
photos filed with the finding from the web form (the API's twin: tests/api/test_attachments.py);
the upload script's answer."""

from __future__ import annotations

import io
from html import unescape
from pathlib import Path

from helpers import FILING_FORM
from sqlmodel import select

from tracker.evidence.models import Attachment
from tracker.tickets.models import EventKind, Ticket, TicketEvent


def _upload(client, ticket_id, data, name, headers=None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/tickets/{ticket_id}/attachments",
        data={"files": (io.BytesIO(data), name), "purpose": "after"},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def _files(app) -> list[Path]:  # type: ignore[no-untyped-def]
    return list(Path(app.config["UPLOAD_DIR"]).rglob("*"))


def _attachment_events(db, ticket_id: int) -> list[TicketEvent]:  # type: ignore[no-untyped-def]
    return db.exec(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.ATTACHMENT
        )
    ).all()


def test_the_same_file_sent_twice_is_stored_once_and_the_sender_is_told(
    db, county, make_ticket, as_user, files, app
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.cadre_a)
    photo = files.png(size=(70, 50))
    assert _upload(client, ticket.id, photo, "现场.png").status_code == 302
    # The second tap on a slow link, or a retry: answered as the file already there.
    again = _upload(client, ticket.id, photo, "现场（重发）.png")
    page = unescape(client.get(again.headers["Location"]).get_data(as_text=True))
    assert "现场.png 已附在本问题上，未重复保存。" in page
    stored = db.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert [a.original_name for a in stored] == ["现场.png"]
    assert len(_attachment_events(db, ticket.id)) == 1
    assert len([p for p in _files(app) if p.is_file()]) == 2  # the photo and its thumbnail, once
    # Another picture is stored as usual.
    assert _upload(client, ticket.id, files.png(size=(71, 50)), "另一张.png").status_code == 302
    assert len(db.exec(select(Attachment)).all()) == 2


def test_the_upload_script_is_answered_with_the_address_to_open(
    db, county, make_ticket, as_user, files
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    client = as_user(county.cadre_a)
    answer = _upload(client, ticket.id, files.png(), "a.png", {"X-Upload-Progress": "1"})
    assert answer.status_code == 200 and answer.is_json
    assert answer.json == {"location": f"/tickets/{ticket.id}#evidence"}
    # The message waits for that page.
    page = unescape(client.get(f"/tickets/{ticket.id}").get_data(as_text=True))
    assert "已添加 1 个文件。" in page


def test_a_finding_is_filed_with_its_photos_from_the_web_form(db, county, as_user, files) -> None:  # type: ignore[no-untyped-def]
    client = as_user(county.inspector)
    form = {
        **FILING_FORM,
        "photos": [
            (io.BytesIO(files.jpeg(size=(80, 60))), "垃圾堆.jpg"),
            (io.BytesIO(files.png(size=(80, 61))), "近景.png"),
        ],
    }
    answer = client.post("/tickets/new", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    ticket = db.exec(select(Ticket)).one()
    photos = db.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert sorted(a.original_name for a in photos) == ["垃圾堆.jpg", "近景.png"]
    assert {a.purpose for a in photos} == {"before"}
    assert len(_attachment_events(db, ticket.id)) == 1


def test_a_refused_photo_files_nothing_and_says_why_next_to_the_field(
    db, county, as_user, app
) -> None:  # type: ignore[no-untyped-def]
    client = as_user(county.inspector)
    form = {**FILING_FORM, "photos": [(io.BytesIO(b"<html>not a photo</html>"), "photo.jpg")]}
    answer = client.post("/tickets/new", data=form, content_type="multipart/form-data")
    assert answer.status_code == 422
    page = unescape(answer.get_data(as_text=True))
    assert 'id="photos-error"' in page and "不接受此类文件" in page
    assert db.exec(select(Ticket)).all() == [] and db.exec(select(Attachment)).all() == []
    assert [p for p in _files(app) if p.is_file()] == []
    assert FILING_FORM["title"] in page  # what was typed is kept
