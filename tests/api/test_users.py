"""Accounts through the API: admins list, edit, disable, reset and revoke tokens."""

from __future__ import annotations

from tracker.auth.tokens import authenticate_token


def test_api_edit_disable_reset_and_tokens(api_as, county, db, token_for):  # type: ignore[no-untyped-def]
    admin = api_as(county.admin)
    assert api_as(county.inspector).get("/users").status_code == 403
    listed = {u["username"]: u for u in admin.get("/users").json["items"]}
    assert listed["leader-a"]["charges"] == ["town-a"]
    cadre_token = token_for(county.cadre_a, "phone")
    edited = admin.patch("/users/cadre-a", json={"email": "new@example.org", "unit": "village-a"})
    assert edited.status_code == 200 and edited.json["unit"] == "village-a"
    assert admin.patch("/users/cadre-a", json={"unit": "nowhere"}).status_code == 422
    assert admin.patch("/users/cadre-a", json={"colour": "red"}).status_code == 422
    tokens = admin.get("/users/cadre-a/tokens").json["items"]
    assert [t["name"] for t in tokens] == ["phone"]
    revoked = admin.post(f"/users/cadre-a/tokens/{tokens[0]['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert authenticate_token(db, cadre_token) is None
    assert admin.post("/users/cadre-b/tokens/999999/revoke").status_code == 404

    other_token = token_for(county.cadre_b)
    disabled = admin.patch("/users/cadre-b", json={"is_enabled": False})
    assert disabled.status_code == 200 and disabled.json["is_enabled"] is False
    assert authenticate_token(db, other_token) is None  # tokens end with the disable
    reset = admin.post("/users/cadre-va/reset-password")
    assert reset.status_code == 200 and len(reset.json["temporary_password"]) >= 8
    assert admin.get("/users/cadre-va").json["must_change_password"] is True
