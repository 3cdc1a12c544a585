"""Security headers, CSP-clean templates, request size limit, session fixation, sign-in limits."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import PASSWORD, login

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_security_headers(client, county):  # type: ignore[no-untyped-def]
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_on_https(app, county):  # type: ignore[no-untyped-def]
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_templates_have_no_inline_scripts_or_styles() -> None:
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I):
            if "src=" not in match.group(1) or match.group(2).strip():
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline <script>")
        if re.search(r"\sstyle\s*=", html, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: style= attribute")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", html, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: inline event handler")
    assert not offenders, offenders


def test_request_size_limit(app_factory, county):  # type: ignore[no-untyped-def]
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413


def test_session_cookie_changes_at_sign_in(client, county):  # type: ignore[no-untyped-def]
    client.get("/login")
    client.post("/language", data={"locale": "en"})
    before = client.get_cookie("session")
    assert before is not None
    assert login(client, county.cadre_a.username).status_code == 302
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value


def test_sign_in_attempts_are_limited_per_address(app_factory, county):  # type: ignore[no-untyped-def]
    app = app_factory(LOGIN={"ADDRESS_LIMIT": 3, "WINDOW_SECONDS": 60})
    client = app.test_client()
    for _ in range(3):
        assert login(client, "nobody", "wrong").status_code == 401
    refused = login(client, county.cadre_a.username, PASSWORD)
    assert refused.status_code == 401  # the same answer as a wrong password
    other = app.test_client()
    other_ip = other.post(
        "/login",
        data={"username": county.cadre_a.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_ip.status_code == 302


def test_repeated_failures_throttle_the_name_at_that_address_only(client, county):  # type: ignore[no-untyped-def]
    for _ in range(5):
        login(client, county.cadre_a.username, "wrong")
    assert login(client, county.cadre_a.username).status_code == 401
    elsewhere = client.post(
        "/login",
        data={"username": county.cadre_a.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.10"},
    )
    assert elsewhere.status_code == 302
