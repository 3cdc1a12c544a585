"""Hostile input gets a 4xx, never a 500, and none of it costs more work than ordinary input.

The work is counted, not timed (a wall clock on a shared machine measures the machine): SQL
statements against the same page without the hostile parameter, and for files, whether any
pixel or entity was expanded before the refusal."""

from __future__ import annotations

import base64
import json
import zipfile
from io import BytesIO

import pytest
from helpers import NOW, count_queries
from tickets.test_ledger import finding, sheet_bytes

from tracker.auth.tokens import create_token

HUGE = "9" * 23  # beyond 64 bits


def _cursor(sort: str, key: str, ticket_id: int) -> str:
    raw = json.dumps([sort, key, ticket_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


PAGES = [
    f"/tickets?inspection={HUGE}",
    f"/tickets?queue=all&inspection={HUGE}",
    f"/dashboard?inspection={HUGE}",
    f"/ranking?inspection={HUGE}",
    f"/tickets/export.xlsx?inspection={HUGE}",
    f"/tickets?queue=all&page={HUGE}",
    f"/tickets?queue=all&page=-{HUGE}",
    "/tickets?queue=all&_anchor=x",
    "/tickets?queue=all&_scheme=javascript",
    "/tickets?queue=all&_method=POST&_external=1",
    "/tickets?queue=all&q=%01hidden",
    "/tickets?queue=all&q=%1b%5b31m",
    "/tickets?queue=all&q=" + "%25" * 200,
    "/tickets?queue=all&page=100000",
]


@pytest.mark.parametrize("path", PAGES)
def test_hostile_query_strings_on_pages(app, client, db, county, as_user, path):  # type: ignore[no-untyped-def]
    as_user(county.leader)
    plain = path.split("?")[0] + "?queue=all"
    with count_queries(app) as ordinary:
        client.get(plain)
    with count_queries(app) as hostile:
        response = client.get(path)
    assert response.status_code < 500, response.data[:300]
    assert len(hostile) <= len(ordinary), hostile
    if "_scheme" in path or "_anchor" in path:
        assert "javascript:" not in response.get_data(as_text=True)


API = [
    f"/api/v1/tickets?inspection={HUGE}",
    f"/api/v1/tickets?page={HUGE}",
    "/api/v1/tickets?cursor=" + _cursor("deadline", "2026-07-01", 10**30),
    f"/api/v1/tickets/{HUGE}",
    f"/api/v1/tickets/{HUGE}/events",
    "/api/v1/tickets?q=%07",
    "/api/v1/tickets?q=" + "%25" * 200,
    "/api/v1/tickets?q=_",
    "/api/v1/tickets?page=100000",
]


@pytest.mark.parametrize("path", API)
def test_hostile_query_strings_on_the_api(app, client, db, county, path):  # type: ignore[no-untyped-def]
    _row, token = create_token(db, county.leader, "hostile", NOW)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with count_queries(app) as ordinary:
        client.get("/api/v1/tickets", headers=headers)
    with count_queries(app) as hostile:
        response = client.get(path, headers=headers)
    assert 400 <= response.status_code < 500, response.data[:300]
    assert response.json["error"]["code"]
    assert response.headers["Cache-Control"] == "no-store"
    assert len(hostile) <= len(ordinary), hostile


def test_control_characters_in_a_form_are_refused_with_a_message(  # type: ignore[no-untyped-def]
    client, db, county, as_user, make_ticket
):
    ticket = make_ticket()
    as_user(county.inspector)
    response = client.post(f"/tickets/{ticket.id}/comments", data={"comment": "看\x1b[2J这里"})
    assert response.status_code == 400
    assert "控制字符" in response.get_data(as_text=True)
    fine = client.post(f"/tickets/{ticket.id}/comments", data={"comment": "第一行\r\n\t第二行"})
    assert fine.status_code < 400


def test_control_characters_in_api_json_are_a_422(client, db, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    _row, token = create_token(db, county.inspector, "hostile", NOW)
    db.commit()
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        json={"comment": "bell\x07"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "comment" in response.json["error"]["fields"]


def _billion_laughs(data: bytes) -> bytes:
    """The sheet with an entity bomb in its worksheet XML."""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b"]>"
    )
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                if content.startswith(b"<?xml"):
                    content = content.split(b"?>", 1)[1]
                content = bomb + content.replace(b"<v>", b"<v>&lol9;", 1)
            target.writestr(item, content)
    return out.getvalue()


def test_an_xml_bomb_in_an_import_is_a_clear_422(client, db, county, as_user):  # type: ignore[no-untyped-def]
    """defusedxml refuses the entity definitions themselves, so nothing is expanded, and the
    message says what was refused rather than calling the file no spreadsheet."""
    as_user(county.inspector)
    response = client.post(
        "/tickets/import",
        data={"file": (BytesIO(_billion_laughs(sheet_bytes([finding(1)]))), "bomb.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "实体定义" in response.get_data(as_text=True)


def test_an_import_over_the_row_cap_is_refused_with_a_message(app, client, db, county, as_user):  # type: ignore[no-untyped-def]
    app.config["IMPORT_MAX_ROWS"] = 20
    as_user(county.inspector)
    response = client.post(
        "/tickets/import",
        data={"file": (BytesIO(sheet_bytes([finding(i) for i in range(25)])), "big.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "20" in response.get_data(as_text=True)


def test_signed_in_pages_are_not_cached_and_the_login_page_may_be(client, db, county, as_user):  # type: ignore[no-untyped-def]
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    as_user(county.leader)
    assert client.get("/tickets").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def _dense_png(side: int) -> bytes:
    """A PNG of one flat colour: about 116 KB declaring `side`² pixels (6316² is under the 40 Mpx
    limit; it cost a second and 200 MB to decode, three seconds on a loaded host)."""
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (side, side), (0, 0, 0)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The sizes of the pictures whose pixels Pillow decodes (ImageFile.load does the work)."""
    from PIL import ImageFile

    sizes: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def counted(image):  # type: ignore[no-untyped-def]
        sizes.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted)
    return sizes


def test_a_decompression_bomb_under_the_pixel_limit_is_refused_undecoded(  # type: ignore[no-untyped-def]
    client, db, county, make_ticket, as_user, decoded
):
    ticket = make_ticket()
    bomb = _dense_png(6316)
    decoded.clear()
    _row, token = create_token(db, county.cadre_a, "bomb", NOW)
    db.commit()
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/attachments",
        data={"file": (BytesIO(bomb), "bomb.png")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.data[:300]
    assert "decompression bomb" in response.json["error"]["message"]
    as_user(county.cadre_a)
    page = client.post(
        f"/tickets/{ticket.id}/attachments",
        data={"files": [(BytesIO(bomb), f"{n}.png") for n in range(5)], "purpose": "after"},
        content_type="multipart/form-data",
    )
    assert (6316, 6316) not in decoded, decoded
    assert page.status_code == 302
    assert "解压炸弹" in client.get(page.headers["Location"]).get_data(as_text=True)
    fine = client.post(
        f"/tickets/{ticket.id}/attachments",
        data={"files": [(BytesIO(_dense_png(64)), "fine.png")], "purpose": "after"},
        content_type="multipart/form-data",
    )
    assert fine.status_code == 302
    assert (64, 64) in decoded  # the count sees a decode when there is one


@pytest.mark.parametrize(
    ("query", "field"),
    [("q=" + "%25" * 200, "q"), ("q=%25_%25", "q"), ("q=a", "q"), ("page=4001", "page")],
)
def test_costly_searches_and_deep_pages_are_refused_with_the_field(  # type: ignore[no-untyped-def]
    client, db, county, query, field
):
    """Wildcards only or one Latin letter match everything through a full scan, and a deep
    OFFSET walks every row before it (page 4001 × 25 is past 10 × LIST_COUNT_CAP): a 422 naming the
    field instead. One Chinese character and the last countable page are fine."""
    _row, token = create_token(db, county.leader, "costly", NOW)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/tickets?{query}", headers=headers)
    assert response.status_code == 422, response.data[:300]
    assert field in response.get_json()["error"]["fields"]
    for fine in ("q=%E6%9D%91", "q=ab", "page=4000"):
        assert client.get(f"/api/v1/tickets?{fine}", headers=headers).status_code == 200, fine
