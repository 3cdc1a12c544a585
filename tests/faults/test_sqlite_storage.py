"""A SQLite database that is full or read-only is an outage (507 / 503), never a 500.

Real SQLite errors: `PRAGMA max_page_count` caps the file at its current size (SQLITE_FULL),
and `?mode=ro` opens it read-only (SQLITE_READONLY), as a disk remounted read-only would.
"""

from __future__ import annotations

import pytest
from conftest import IsolatedClient
from helpers import NOW, login
from sqlalchemy import event

from tracker.auth.tokens import create_token
from tracker.core.db import get_engine

# Longer than a 4 KiB page: storing it needs new (overflow) pages.
LONG_COMMENT = "垃圾堆仍未清理。" * 600


@pytest.fixture
def sqlite_ticket(app, db, county, make_ticket):  # type: ignore[no-untyped-def]
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite's own full and read-only errors")
    ticket = make_ticket()
    _row, token = create_token(db, county.inspector, "storage", NOW)
    db.commit()
    return ticket, token


def _signed_in(source_app, app, county) -> IsolatedClient:  # type: ignore[no-untyped-def]
    """A client of `app` carrying a session cookie made by signing in on the writable app."""
    writable = IsolatedClient(source_app)
    assert login(writable, county.inspector.username).status_code == 302
    client = IsolatedClient(app)
    client.set_cookie("session", writable.get_cookie("session").value)
    return client


def _assert_nothing_saved_page(response) -> None:  # type: ignore[no-untyped-def]
    assert "暂时无法访问" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "30"


def test_full_database_answers_507_and_reading_still_works(  # type: ignore[no-untyped-def]
    app, app_factory, county, sqlite_ticket
):
    ticket, token = sqlite_ticket
    full = app_factory()

    @event.listens_for(get_engine(full), "connect")
    def _cap_at_current_size(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    client = _signed_in(app, full, county)
    bearer = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    path = f"/api/v1/tickets/{ticket.id}/comments"
    api = client.post(path, json={"comment": LONG_COMMENT}, headers=bearer)
    assert api.status_code == 507, api.data[:300]
    assert api.json["error"]["code"] == "insufficient_storage"
    assert "full" in api.json["error"]["message"]
    assert client.get(f"/api/v1/tickets/{ticket.id}", headers=bearer).status_code == 200

    page = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"comment": LONG_COMMENT},
        headers={"Accept-Language": "zh-CN"},
    )
    assert page.status_code == 507
    _assert_nothing_saved_page(page)
    shown = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "垃圾堆仍未清理" not in shown  # nothing half-written
    assert IsolatedClient(app).post(path, json={"comment": "x"}, headers=bearer).status_code == 201


def test_read_only_database_answers_503_with_retry_after(  # type: ignore[no-untyped-def]
    app, app_factory, county, sqlite_ticket
):
    ticket, token = sqlite_ticket
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    read_only = app_factory(DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    client = _signed_in(app, read_only, county)
    bearer = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    assert client.get(f"/api/v1/tickets/{ticket.id}", headers=bearer).status_code == 200

    api = client.post(
        f"/api/v1/tickets/{ticket.id}/comments", json={"comment": "x"}, headers=bearer
    )
    assert api.status_code == 503, api.data[:300]
    assert api.json["error"]["code"] == "unavailable"
    assert api.headers["Retry-After"] == "30"

    page = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"comment": "x"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert page.status_code == 503
    _assert_nothing_saved_page(page)
    assert client.get(f"/tickets/{ticket.id}").status_code == 200
