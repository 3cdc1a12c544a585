"""A database that cannot be reached answers 503 with Retry-After, and the app recovers alone."""

from __future__ import annotations

import pytest
from conftest import IsolatedClient
from faults.proxy import CuttableProxy
from flask_login.utils import _create_identifier
from helpers import NOW
from sqlalchemy.engine import make_url

from tracker.auth.tokens import create_token
from tracker.auth.views import SESSION_KEY


def _signed_in_cookie(client) -> None:  # type: ignore[no-untyped-def]
    """A browser's session cookie for user 1 with its server-side session id, written without
    asking the database (a cookie without a session id is refused before any query)."""
    with client.application.test_request_context(environ_base=client.environ_base):
        browser = _create_identifier()  # what session_protection expects of this client
    with client.session_transaction() as session:
        session.update({"_user_id": "1:x", "_fresh": True, "_id": browser, SESSION_KEY: "x"})


def _assert_outage_answers(client, token: str | None) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token or 'trk_x'}"})
    assert api.status_code == 503, api.data[:300]
    assert api.json["error"]["code"] == "unavailable"
    assert int(api.headers["Retry-After"]) == 30
    _signed_in_cookie(client)
    page = client.get("/tickets", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "暂时无法访问" in page.get_data(as_text=True)
    with client.session_transaction() as session:
        session["locale"] = "en"
    assert "Briefly unavailable" in client.get("/dashboard").get_data(as_text=True)
    posted = client.post("/tickets/1/comments", data={"comment": "x"})
    assert posted.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["error"]["code"] == "unavailable"


def test_sqlite_file_that_cannot_be_opened_is_an_outage(app, app_factory, tmp_path):  # type: ignore[no-untyped-def]
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("a SQLite file")
    broken = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'tracker.db'}")
    _assert_outage_answers(IsolatedClient(broken), None)


def test_postgresql_cut_and_restored_without_restarting_the_app(  # type: ignore[no-untyped-def]
    app, db, county, app_factory
):
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database server to cut: PostgreSQL")
    _row, token = create_token(db, county.admin, "outage", NOW)
    db.commit()
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = app_factory(
        DATABASE_URL=url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    )
    client = IsolatedClient(proxied)
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        assert client.get("/api/v1/tickets", headers=bearer).status_code == 200
        proxy.cut()
        _assert_outage_answers(client, token)
        proxy.restore()
        assert client.get("/api/v1/tickets", headers=bearer).status_code == 200
        assert client.get("/healthz").status_code == 200
    finally:
        proxy.cut()
