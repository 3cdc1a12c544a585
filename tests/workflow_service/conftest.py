"""Fixtures for the workflow through the service, the pages and the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import g, has_app_context
from helpers import login

FIVE_STATE = Path(__file__).resolve().parents[1] / "workflow" / "five_state.toml"


@pytest.fixture
def five_state_path() -> str:
    """The absolute path of the five-state test workflow (待核查 as its own state)."""
    return str(FIVE_STATE)


class SignedInClient:
    """A test client that forgets the user cached on a shared app context before each request.

    The `db` fixture keeps an app context pushed, which requests then share; Flask-Login caches
    the signed-in user on that context's `g`, so several clients would see one user.
    """

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client

    def _fresh(self) -> None:
        if has_app_context():
            g.pop("_login_user", None)

    def get(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._fresh()
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._fresh()
        return self.client.post(*args, **kwargs)


@pytest.fixture
def signed_in(app):  # type: ignore[no-untyped-def]
    """A test client per user, signed in once: signed_in(county.cadre_a)."""
    clients: dict[int, SignedInClient] = {}

    def client_for(user) -> SignedInClient:  # type: ignore[no-untyped-def]
        if user.id not in clients:
            client = SignedInClient(app.test_client())
            response = login(client, user.username)
            assert response.status_code == 302, response.status_code
            clients[user.id] = client
        return clients[user.id]

    return client_for
