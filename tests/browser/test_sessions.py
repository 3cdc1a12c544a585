"""In the browser: sessions end on the server (sign-out, disable, password change) and a
temporary password must be changed at sign-in."""

from __future__ import annotations

from helpers import PASSWORD


def test_a_cookie_replayed_after_sign_out_lands_on_the_sign_in_page(  # type: ignore[no-untyped-def]
    desktop_page, new_page, sign_in, county
):
    page = desktop_page  # the sign-out button is in the navbar, folded away on a phone
    sign_in(page, "cadre-a")
    copied = page.context.cookies()
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url("**/login")
    thief = new_page()
    thief.context.add_cookies(copied)
    thief.goto("/tickets")
    assert "/login" in thief.url


def test_disabled_elsewhere_means_refused_at_the_next_request(new_page, sign_in, county):  # type: ignore[no-untyped-def]
    cadre, admin = new_page(), new_page()
    sign_in(cadre, "cadre-a")
    sign_in(admin, "admin")
    admin.goto("/admin/users/cadre-a")
    admin.locator("form[action$='/cadre-a/disable'] button").click()
    admin.wait_for_load_state()
    cadre.goto("/tickets")
    assert "/login" in cadre.url


def test_a_password_change_ends_the_other_session(new_page, sign_in, county):  # type: ignore[no-untyped-def]
    phone, desk = new_page(), new_page()
    sign_in(phone, "cadre-a")
    sign_in(desk, "cadre-a")
    desk.goto("/account")
    desk.locator("input[name=current]").fill(PASSWORD)
    desk.locator("input[name=password]").fill("a-brand-new-pass")
    desk.locator("input[name=confirm]").fill("a-brand-new-pass")
    desk.locator("form:has(input[name=confirm]) [type=submit]").click()
    desk.wait_for_load_state()
    desk.goto("/tickets")
    assert "/login" not in desk.url
    phone.goto("/tickets")
    assert "/login" in phone.url


def test_a_temporary_password_forces_a_change_at_sign_in(new_page, sign_in, county):  # type: ignore[no-untyped-def]
    admin = new_page()
    sign_in(admin, "admin")
    admin.goto("/admin/users/cadre-b")
    admin.locator("form[action$='/reset-password'] button").click()
    temporary = admin.locator("code.token-once").inner_text().strip()
    cadre = new_page()
    sign_in(cadre, "cadre-b", temporary)
    assert cadre.url.endswith("/account")
    cadre.goto("/tickets")
    assert cadre.url.endswith("/account")  # nowhere else until the password is changed
    cadre.locator("input[name=current]").fill(temporary)
    cadre.locator("input[name=password]").fill("my-own-password-1")
    cadre.locator("input[name=confirm]").fill("my-own-password-1")
    cadre.locator("form:has(input[name=confirm]) [type=submit]").click()
    cadre.wait_for_load_state()
    cadre.goto("/tickets")
    assert "/account" not in cadre.url and "/login" not in cadre.url
