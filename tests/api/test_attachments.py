"""Evidence through the API: upload, list, download, scope, size, type, citing in transitions."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from helpers import SOON
from sqlmodel import select

from tracker.evidence.models import Attachment
from tracker.tickets.models import Ticket, TicketEvent

KEYS = {
    "id",
    "ticket_id",
    "event_id",
    "filename",
    "content_type",
    "size",
    "sha256",
    "purpose",
    "created_at",
    "download_url",
    "taken_at",
    "position",
    "camera",
    "flags",
    "similar",
}


def _upload(api, ticket_id: int, data: bytes, name: str, purpose: str | None = None):  # type: ignore[no-untyped-def]
    form: dict = {"file": (io.BytesIO(data), name)}
    if purpose is not None:
        form["purpose"] = purpose
    return api.post(
        f"/tickets/{ticket_id}/attachments", data=form, content_type="multipart/form-data"
    )


def _stored_files(app) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _download(api, attachment: dict):  # type: ignore[no-untyped-def]
    url = attachment["download_url"]
    assert url.startswith("/api/v1/")
    return api.get(url.removeprefix("/api/v1"))


def test_upload_list_and_download_each_kind(api_as, county, make_ticket, evidence_files, db):
    ticket = make_ticket()
    cadre = api_as(county.cadre_a)
    uploaded = []
    for kind, (name, data, content_type) in evidence_files.items():
        response = _upload(cadre, ticket.id, data, name, "after")
        assert response.status_code == 201, (kind, response.get_json())
        body = response.get_json()
        assert set(body) == KEYS
        assert body["filename"] == name and body["content_type"] == content_type
        assert body["purpose"] == "after" and body["ticket_id"] == ticket.id
        assert body["event_id"] is None
        assert body["created_at"].endswith("+08:00")
        assert response.headers["Location"] == body["download_url"]
        download = _download(cadre, body)
        assert download.status_code == 200
        assert download.mimetype == content_type
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert len(download.data) == body["size"]
        assert hashlib.sha256(download.data).hexdigest() == body["sha256"]
        uploaded.append(body)
    listing = cadre.get(f"/tickets/{ticket.id}/attachments")
    assert listing.status_code == 200
    assert listing.get_json()["items"] == uploaded
    # documents are downloads; photos inline unless asked for a download
    pdf = next(a for a in uploaded if a["content_type"] == "application/pdf")
    assert _download(cadre, pdf).headers["Content-Disposition"].startswith("attachment")
    png = next(a for a in uploaded if a["content_type"] == "image/png")
    assert _download(cadre, png).headers["Content-Disposition"].startswith("inline")
    forced = cadre.get(f"/attachments/{png['id']}?download=1")
    assert forced.headers["Content-Disposition"].startswith("attachment")
    # each upload is in the history, and the default purpose is "evidence"
    events = cadre.get(f"/tickets/{ticket.id}/events").get_json()["items"]
    assert [e["kind"] for e in events].count("attachment") == len(evidence_files)
    name, data, _type = evidence_files["pdf"]
    assert _upload(cadre, ticket.id, data + b"\n", name).get_json()["purpose"] == "evidence"
    # the same file again (a retry on a slow link): the earlier attachment, stored once
    again = _upload(cadre, ticket.id, data, "again.pdf")
    assert again.status_code == 200 and again.get_json() == pdf
    assert (
        len(cadre.get(f"/tickets/{ticket.id}/attachments").get_json()["items"])
        == len(evidence_files) + 1
    )


def test_refused_type_and_bad_input_are_422_and_keep_nothing(app, api_as, county, make_ticket):
    ticket = make_ticket()
    cadre = api_as(county.cadre_a)
    refused = _upload(cadre, ticket.id, b"<html><script>x</script></html>", "photo.png")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "validation_error" and "file" in error["fields"]
    missing = cadre.post(f"/tickets/{ticket.id}/attachments", json={"file": "x"})
    assert missing.status_code == 422 and "file" in missing.get_json()["error"]["fields"]
    purpose = _upload(cadre, ticket.id, b"%PDF-1.4\n", "a.pdf", "selfie")
    assert purpose.status_code == 422 and "purpose" in purpose.get_json()["error"]["fields"]
    assert cadre.get(f"/tickets/{ticket.id}/attachments").get_json()["items"] == []
    assert _stored_files(app) == []


def test_oversize_is_413_json(app_factory, county, make_ticket, token_for, evidence_files):
    _name, pdf, _type = evidence_files["pdf"]
    big = pdf + b"%" * 5000
    headers = {"Authorization": f"Bearer {token_for(county.cadre_a)}"}
    # over MAX_CONTENT_LENGTH: refused before the view, by the one 413 handler
    small_request = app_factory(MAX_CONTENT_LENGTH=2000)
    ticket = make_ticket()
    response = small_request.test_client().post(
        f"/api/v1/tickets/{ticket.id}/attachments",
        data={"file": (io.BytesIO(big), "big.pdf")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 413 and response.is_json
    assert response.get_json()["error"]["code"] == "payload_too_large"
    # within the request limit but over UPLOAD_MAX_BYTES: the same code, naming the field
    small_file = app_factory(UPLOAD_MAX_BYTES=1000)
    response = small_file.test_client().post(
        f"/api/v1/tickets/{ticket.id}/attachments",
        data={"file": (io.BytesIO(big), "big.pdf")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and error["fields"] == {"file": "too large"}
    assert _stored_files(small_file) == []


def test_another_townships_cadre_gets_404(api_as, county, make_ticket, evidence_files):
    ticket = make_ticket(responsible_unit="town-b", location_unit="village-b")
    name, data, _type = evidence_files["jpeg"]
    own = _upload(api_as(county.cadre_b), ticket.id, data, name)
    assert own.status_code == 201
    attachment = own.get_json()
    stranger = api_as(county.cadre_a)
    for response in (
        _upload(stranger, ticket.id, data, name),
        stranger.get(f"/tickets/{ticket.id}/attachments"),
        _download(stranger, attachment),
        stranger.get(f"/attachments/{attachment['id']}?download=1"),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    for absent in (999999, 2**31, 2**40):
        assert stranger.get(f"/attachments/{absent}").status_code == 404
    # the county's leader and the inspector see it
    assert _download(api_as(county.leader), attachment).status_code == 200
    assert api_as(county.inspector).get(f"/tickets/{ticket.id}/attachments").get_json()["items"]


def test_report_completion_cites_an_uploaded_file(api_as, county, make_ticket, evidence_files, db):
    ticket, other = make_ticket(), make_ticket(title="另一个问题")
    cadre = api_as(county.cadre_a)
    accepted = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={"transition": "accept", "version": ticket.version},
    )
    assert accepted.status_code == 200, accepted.get_json()
    version = accepted.get_json()["version"]
    name, data, _type = evidence_files["jpeg"]
    mine = _upload(cadre, ticket.id, data, name, "after").get_json()
    foreign = _upload(cadre, other.id, data, name, "after").get_json()
    refused = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={
            "transition": "report_completion",
            "comment": "已清理完毕",
            "attachments": [foreign["id"]],
            "version": version,
        },
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"attachments": "unknown"}
    assert cadre.get(f"/tickets/{ticket.id}").get_json()["state"] == "rectifying"
    done = cadre.post(
        f"/tickets/{ticket.id}/transitions",
        json={
            "transition": "report_completion",
            "comment": "已清理完毕",
            "attachments": [mine["id"]],
            "version": version,
        },
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["awaiting_verification"] is True
    db.rollback()  # end the test's read transaction: see what the requests committed
    db.expire_all()
    event = db.exec(select(TicketEvent).where(TicketEvent.transition == "report_completion")).one()
    assert event.data["attachments"] == [mine["id"]]
    (listed,) = cadre.get(f"/tickets/{ticket.id}/attachments").get_json()["items"]
    assert listed["event_id"] == event.id
    assert db.get(Attachment, foreign["id"]).event_id is None
    assert db.get(Ticket, other.id).state == "reported"


def test_openapi_describes_the_evidence_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    upload = doc["paths"]["/tickets/{ticket_id}/attachments"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][form.rsplit("/", 1)[1]]
    assert schema["required"] == ["file"] and schema["properties"]["file"]["format"] == "binary"
    assert "purpose" in schema["properties"]
    created = upload["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert set(doc["components"]["schemas"][created.rsplit("/", 1)[1]]["properties"]) == KEYS
    assert "get" in doc["paths"]["/tickets/{ticket_id}/attachments"]
    download = doc["paths"]["/attachments/{attachment_id}"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]
    assert download["parameters"][0]["name"] == "attachment_id"
    assert "413" in upload["responses"]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (90, 60), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_the_api_files_a_finding_with_photos_in_one_multipart_request(db, county, api_as) -> None:  # type: ignore[no-untyped-def]
    inspector = api_as(county.inspector)
    body = {"title": "柳树村柴草堆乱堆乱放", "responsible_unit": "town-b", "deadline": SOON}
    answer = inspector.post(
        "/tickets",
        data={
            "ticket": json.dumps(body, ensure_ascii=False),
            "files": [(io.BytesIO(_png()), "柴草堆.png")],
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    ticket_id = answer.get_json()["id"]
    listed = inspector.get(f"/tickets/{ticket_id}/attachments").get_json()["items"]
    assert [(a["filename"], a["purpose"]) for a in listed] == [("柴草堆.png", "before")]
    # A refused file files nothing; a missing or broken `ticket` part is a 4xx, never a 500.
    bad = inspector.post(
        "/tickets",
        data={"ticket": json.dumps(body), "files": [(io.BytesIO(b"MZ\x90\x00"), "x.png")]},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "file" in bad.get_json()["error"]["fields"]
    assert len(db.exec(select(Ticket)).all()) == 1
    for part in ({}, {"ticket": "{not json"}, {"ticket": "[1]"}):
        refused = inspector.post("/tickets", data=part, content_type="multipart/form-data")
        assert refused.status_code in (400, 422), refused.get_json()
