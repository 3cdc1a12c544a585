"""Signing in: success, failure without revealing users, CSRF, cookies, next (throttling:
test_throttle.py)."""

from __future__ import annotations

import re

from helpers import PASSWORD, login


def test_login_success_lands_on_my_work(client, county):  # type: ignore[no-untyped-def]
    response = login(client, "cadre-a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "待签收" in home.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client, county):  # type: ignore[no-untyped-def]
    wrong = login(client, "cadre-a", "not-the-password")
    unknown = login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    text_wrong = wrong.get_data(as_text=True)
    text_unknown = unknown.get_data(as_text=True)
    message = re.search(r'alert-danger" role="alert">([^<]+)<', text_wrong).group(1)
    assert message in text_unknown
    assert "cadre-a" not in message


def test_pages_need_sign_in(client, county):  # type: ignore[no-untyped-def]
    response = client.get("/tickets")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_next_is_followed_only_when_local(client, county):  # type: ignore[no-untyped-def]
    data = {"username": "cadre-a", "password": PASSWORD}
    ok = client.post("/login?next=/workflow", data=data)
    assert ok.headers["Location"].endswith("/workflow")
    client.post("/logout")
    evil = client.post("/login?next=https://evil.example/", data=data)
    assert evil.headers["Location"] == "/"


def test_password_is_hashed(db, county):  # type: ignore[no-untyped-def]
    assert county.cadre_a.password_hash.startswith("pbkdf2:")  # cheap method in tests
    assert PASSWORD not in county.cadre_a.password_hash


def test_production_hashing_is_scrypt(monkeypatch):  # type: ignore[no-untyped-def]
    import tracker.org.service as org_service

    monkeypatch.undo()
    assert org_service.PASSWORD_HASH_METHOD == "scrypt"
    assert org_service.hash_password("a-password").startswith("scrypt:")


def test_csrf_is_required_on_forms(app_factory, county):  # type: ignore[no-untyped-def]
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = client.post("/login", data={"username": "cadre-a", "password": PASSWORD})
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/login", data={"username": "cadre-a", "password": PASSWORD, "csrf_token": token}
    )
    assert accepted.status_code == 302
    # a signed-in user's state-changing POST without the token is refused too
    assert client.post("/tickets/1/comments", data={"comment": "x"}).status_code == 400


def test_session_cookie_flags(client, county):  # type: ignore[no-untyped-def]
    response = login(client, "cadre-a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_password_change_ends_other_sessions(client, county, db):  # type: ignore[no-untyped-def]
    from tracker.org.models import User
    from tracker.org.service import set_password

    login(client, "cadre-a")
    assert client.get("/tickets").status_code == 200
    user = db.get(User, county.cadre_a.id)
    set_password(user, "another-long-password")
    db.add(user)
    db.commit()
    assert client.get("/tickets").status_code == 302


def test_logout_needs_post_and_signs_out(client, county):  # type: ignore[no-untyped-def]
    login(client, "cadre-a")
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/tickets").status_code == 302


def test_healthz(client):  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_sign_in_page_focuses_the_name_and_offers_a_skip_link(client):  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert re.search(
        r'<input[^>]*autofocus[^>]*name="username"|<input[^>]*name="username"[^>]*autofocus', page
    )
    assert 'href="#main"' in page and 'id="main"' in page
