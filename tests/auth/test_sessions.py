"""Sessions kept on the server: sign-out, disable, password change and reset end them."""

from __future__ import annotations

from helpers import PASSWORD, login
from sqlmodel import select

from tracker.auth.models import UserSession


def cookie(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_cookie("session").value


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, county):  # type: ignore[no-untyped-def]
    login(client, "cadre-a")
    copied = cookie(client)
    assert client.get("/tickets").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", copied)
    answer = replay.get("/tickets")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_disabling_a_signed_in_user_refuses_their_next_request(app, client, county):  # type: ignore[no-untyped-def]
    cadre = app.test_client()
    login(cadre, "cadre-a")
    assert cadre.get("/tickets").status_code == 200
    login(client, "admin")
    assert client.post("/admin/users/cadre-a/disable").status_code == 302
    assert cadre.get("/tickets").status_code == 302
    assert login(cadre, "cadre-a").status_code == 401
    assert client.post("/admin/users/cadre-a/enable").status_code == 302
    assert login(cadre, "cadre-a").status_code == 302


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, client, county, db):  # type: ignore[no-untyped-def]
    phone = app.test_client()
    login(phone, "cadre-a")
    login(client, "cadre-a")
    page = client.get("/account")
    assert page.status_code == 200 and page.text.count("list-group-item") == 2
    wrong = client.post(
        "/account",
        data={"current": "nope", "password": "a-new-long-pass", "confirm": "a-new-long-pass"},
    )
    assert wrong.status_code == 422
    changed = client.post(
        "/account",
        data={"current": PASSWORD, "password": "a-new-long-pass", "confirm": "a-new-long-pass"},
    )
    assert changed.status_code == 302
    assert client.get("/tickets").status_code == 200  # this session goes on
    assert phone.get("/tickets").status_code == 302  # the other one ended
    assert login(app.test_client(), "cadre-a", "a-new-long-pass").status_code == 302


def test_a_user_ends_one_of_their_sessions_from_the_account_page(app, client, county, db):  # type: ignore[no-untyped-def]
    phone = app.test_client()
    login(phone, "cadre-a")
    login(client, "cadre-a")
    rows = db.exec(select(UserSession).where(UserSession.user_id == county.cadre_a.id)).all()
    other = min(rows, key=lambda r: r.id)  # the phone signed in first
    assert client.post(f"/account/sessions/{other.id}/end").status_code == 302
    assert phone.get("/tickets").status_code == 302
    assert client.get("/tickets").status_code == 200
    # Someone else's session id is not found.
    login(phone, "cadre-b")
    assert phone.post(f"/account/sessions/{rows[-1].id}/end").status_code == 404


def test_a_temporary_password_must_be_changed_at_sign_in(app, client, county):  # type: ignore[no-untyped-def]
    cadre = app.test_client()
    login(cadre, "cadre-a")
    login(client, "admin")
    page = client.post("/admin/users/cadre-a/reset-password")
    temporary = page.text.split('<code class="token-once">')[1].split("<")[0]
    assert cadre.get("/tickets").status_code == 302  # the reset ended their session
    assert login(cadre, "cadre-a", PASSWORD).status_code == 401
    first = login(cadre, "cadre-a", temporary)
    assert first.status_code == 302 and first.headers["Location"].endswith("/account")
    assert cadre.get("/tickets").headers["Location"].endswith("/account")
    changed = cadre.post(
        "/account",
        data={"current": temporary, "password": "my-own-password", "confirm": "my-own-password"},
    )
    assert changed.status_code == 302
    assert cadre.get("/tickets").status_code == 200
