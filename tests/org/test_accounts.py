"""Account management: an admin edits, disables and resets users by page, API and CLI."""

from __future__ import annotations

from helpers import NOW, PASSWORD, login
from sqlmodel import select

from tracker.auth.tokens import create_token
from tracker.cli import cli
from tracker.org import accounts
from tracker.org.models import User


def test_admin_edits_a_user_on_the_page(as_user, county, db):  # type: ignore[no-untyped-def]
    client = as_user(county.admin)
    page = client.get("/admin/users/cadre-a")
    assert page.status_code == 200 and "cadre-a" in page.text
    moved = client.post(
        "/admin/users/cadre-a",
        data={"display_name": "张三", "email": "zs@example.org", "role": "cadre", "unit": "town-b"},
    )
    assert moved.status_code == 302
    db.expire_all()
    user = db.get(User, county.cadre_a.id)
    assert (user.display_name, user.email, user.unit_id) == (
        "张三",
        "zs@example.org",
        county.town_b.id,
    )
    refused = client.post("/admin/users/cadre-a", data={"role": "cadre", "unit": ""})
    assert refused.status_code == 422 and "is-invalid" in refused.text
    leader = client.post(
        "/admin/users/leader-a", data={"role": "leader", "charges": ["town-a", "town-b"]}
    )
    assert leader.status_code == 302
    assert accounts.charge_codes(db, db.get(User, county.leader_a.id)) == ["town-a", "town-b"]
    assert client.get("/admin/users/nobody").status_code == 404
    own = client.post("/admin/users/admin", data={"role": "inspector"})
    assert own.status_code == 422  # an admin cannot demote themselves


def test_others_cannot_manage_accounts(as_user, county):  # type: ignore[no-untyped-def]
    client = as_user(county.leader)
    assert client.get("/admin/users/cadre-a").status_code == 403
    assert client.post("/admin/users/cadre-a/disable").status_code == 403
    assert client.post("/admin/users/cadre-a/reset-password").status_code == 403


def test_cli_manages_accounts(app, county, db):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    run("user", "edit", "leader-b", "--charge", "town-a", "--charge", "town-b", "--name", "李四")
    db.expire_all()
    assert accounts.charge_codes(db, db.get(User, county.leader_b.id)) == ["town-a", "town-b"]
    _row, _plain = create_token(db, county.cadre_b, "sync", NOW)
    db.commit()
    listed = run("user", "tokens", "cadre-b")
    token_id = listed.split("\t")[0]
    run("user", "revoke-token", "cadre-b", token_id)
    assert "已撤销" in run("user", "tokens", "cadre-b")  # the configured default language
    assert "revoked" in run("user", "tokens", "cadre-b", "--lang", "en")
    run("user", "disable", "cadre-b")
    client = app.test_client()
    assert login(client, "cadre-b").status_code == 401
    run("user", "enable", "cadre-b")
    temporary = run("user", "reset-password", "admin").strip()  # the only admin forgot theirs
    assert login(client, "admin", PASSWORD).status_code == 401
    assert login(client, "admin", temporary).headers["Location"].endswith("/account")
    bad = runner.invoke(cli, ["user", "edit", "nobody", "--role", "admin"])
    assert bad.exit_code != 0 and "错误：" in bad.output
    bad = runner.invoke(
        cli, ["user", "edit", "nobody", "--role", "admin"], env={"TRACKER_LANG": "en"}
    )
    assert bad.exit_code != 0 and "Error: unknown user" in bad.output
    assert db.exec(select(User).where(User.username == "cadre-b")).one().is_enabled
