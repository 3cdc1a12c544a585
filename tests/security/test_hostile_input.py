"""Hostile input to every form and API endpoint: refused with a 4xx, or stored and shown escaped.

Never a 500, and never the raw markup back in a page.
"""

from __future__ import annotations

import io
from urllib.parse import quote_from_bytes

from helpers import NOW, login

from tracker.auth.tokens import create_token

SCRIPT = "<script>alert('x')</script>"
PAYLOADS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE ticket; --",
    "1 OR 1=1 UNION SELECT password_hash FROM user_account",
    "A" * 20000,
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "名\x00字",
]
BAD_UTF8 = b"\xff\xfe\xc3\x28 \xed\xa0\x80"
RAW_MARKERS = ("<script>alert", "<img src=x onerror")


def _harmless(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.data[:800]
    body = response.get_data(as_text=True)
    for marker in RAW_MARKERS:
        assert marker not in body, (
            f"unescaped {marker!r} in the response to {response.request.path}"
        )


def _raw_form(client, path: str, fields: dict[str, str], bad_field: str):  # type: ignore[no-untyped-def]
    """POST a form whose `bad_field` carries invalid UTF-8 bytes."""
    parts = [
        f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode())}" for k, v in fields.items()
    ]
    parts.append(f"{bad_field}={quote_from_bytes(BAD_UTF8)}")
    return client.post(path, data="&".join(parts), content_type="application/x-www-form-urlencoded")


def _ticket_form(value: str) -> dict[str, str]:
    return {
        "title": value,
        "description": value,
        "source": "inspection",
        "severity": "normal",
        "responsible_unit": "town-a",
        "deadline": "2026-06-30",
        "person_in_charge": value,
        "requirement": value,
        "tags": value,
        "indicators-0-name": value[:100] or "x",
        "indicators-0-unit": "堆",
        "indicators-0-target": "12",
    }


def test_login_form(app_factory, county):  # type: ignore[no-untyped-def]
    client = app_factory(LOGIN_RATE_LIMIT=0).test_client()
    for value in PAYLOADS:
        _harmless(client.post("/login", data={"username": value, "password": value}))


def test_login_form_bad_utf8(client, county):  # type: ignore[no-untyped-def]
    _harmless(_raw_form(client, "/login", {"password": "x"}, "username"))


def test_new_ticket_form(client, county, as_user):  # type: ignore[no-untyped-def]
    as_user(county.inspector)
    for value in PAYLOADS:
        response = client.post("/tickets/new", data=_ticket_form(value))
        _harmless(response)
        if response.status_code == 302:
            _harmless(client.get(response.headers["Location"]))
    _harmless(_raw_form(client, "/tickets/new", _ticket_form("ok"), "description"))
    _harmless(client.get("/tickets"))
    _harmless(client.get("/tickets?q=" + quote_from_bytes(SCRIPT.encode())))


def test_transition_and_comment_forms(client, county, as_user, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket(title=SCRIPT)
    as_user(county.cadre_a)
    path = f"/tickets/{ticket.id}"
    for value in PAYLOADS:
        _harmless(client.post(path + "/comments", data={"comment": value}))
        _harmless(
            client.post(
                path + "/transition",
                data={"transition": value, "version": value, "comment": value, "deadline": value},
            )
        )
    upload = {
        "transition": "accept",
        "version": "1",
        "comment": SCRIPT,
        "files": (io.BytesIO(b"<html><script>alert(1)</script>"), "../../../etc/passwd"),
    }
    _harmless(client.post(path + "/transition", data=upload, content_type="multipart/form-data"))
    _harmless(_raw_form(client, path + "/comments", {}, "comment"))
    _harmless(client.get(path))


def test_admin_forms(client, county, as_user):  # type: ignore[no-untyped-def]
    as_user(county.admin)
    for value in PAYLOADS:
        _harmless(
            client.post(
                "/admin/units" if _has(client, "/admin/units") else "/units",
                data={"code": value[:40], "name": value, "kind": "village", "parent": "town-a"},
            )
        )
    for value in PAYLOADS:
        _harmless(
            client.post(
                _users_path(client),
                data={
                    "username": value[:80],
                    "display_name": value,
                    "email": value,
                    "role": "cadre",
                    "unit": value,
                    "password": "long-enough-password-1",
                    "password_confirm": "long-enough-password-1",
                },
            )
        )
    _harmless(client.get(_users_path(client)))


def _has(client, path: str) -> bool:  # type: ignore[no-untyped-def]
    return client.get(path).status_code == 200


def _users_path(client) -> str:  # type: ignore[no-untyped-def]
    return "/admin/users" if _has(client, "/admin/users") else "/users"


def test_api_endpoints(client, db, county, make_ticket):  # type: ignore[no-untyped-def]
    ticket = make_ticket()
    _row, token = create_token(db, county.inspector, "hostile", NOW)
    _row, cadre_token = create_token(db, county.cadre_a, "hostile", NOW)
    db.commit()

    def call(method: str, path: str, body, who: str = token):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {who}"}
        if isinstance(body, bytes):
            response = client.open(
                "/api/v1" + path,
                method=method,
                data=body,
                headers=headers,
                content_type="application/json",
            )
        else:
            response = client.open("/api/v1" + path, method=method, json=body, headers=headers)
        assert response.status_code < 500, (method, path, response.data[:500])
        if response.status_code >= 400:
            assert response.is_json and "error" in response.get_json(), response.data[:300]
        return response

    for value in PAYLOADS:
        call("POST", "/tickets", {**_ticket_form(value), "indicators": [{"name": value}]})
        call("PATCH", f"/tickets/{ticket.id}", {"title": value, "description": value, "version": 1})
        call(
            "POST",
            f"/tickets/{ticket.id}/transitions",
            {"transition": value, "comment": value},
            cadre_token,
        )
        call("POST", f"/tickets/{ticket.id}/comments", {"comment": value}, cadre_token)
        call("POST", "/inspections", {"title": value, "kind": value, "started_on": value})
        call("GET", "/tickets?q=" + quote_from_bytes(value.encode()[:200]), None)
    for path in ("/tickets", f"/tickets/{ticket.id}/comments", "/inspections"):
        call("POST", path, b'{"title": "' + BAD_UTF8 + b'"}')
        call("POST", path, b"{not json")
        call("POST", path, b"[]")
    call("PATCH", f"/tickets/{ticket.id}", b'{"title": "' + BAD_UTF8 + b'"}')
    call(
        "POST",
        f"/tickets/{ticket.id}/transitions",
        {"transition": "accept", "version": "x' OR 1=1"},
        cadre_token,
    )


def test_the_login_page_answers_without_a_session(client, county):  # type: ignore[no-untyped-def]
    _harmless(login(client, "../admin", SCRIPT))
