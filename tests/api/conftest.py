"""API fixtures: a token per user and a client that sends it."""

from __future__ import annotations

import pytest
from helpers import NOW

from tracker.auth.tokens import create_token


class ApiClient:
    """The Flask test client with a bearer token: api.get('/tickets')."""

    def __init__(self, client, token: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.token = client, token

    def _headers(self, headers):  # type: ignore[no-untyped-def]
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.get("/api/v1" + path, headers=self._headers(headers), **kw)

    def post(self, path, headers=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.post("/api/v1" + path, headers=self._headers(headers), **kw)

    def patch(self, path, headers=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.patch("/api/v1" + path, headers=self._headers(headers), **kw)


@pytest.fixture
def token_for(db):  # type: ignore[no-untyped-def]
    def make(user, name: str = "test") -> str:  # type: ignore[no-untyped-def]
        _row, plain = create_token(db, user, name, NOW)
        db.commit()
        return plain

    return make


@pytest.fixture
def api_as(app, token_for):  # type: ignore[no-untyped-def]
    """api_as(county.cadre_a) -> an ApiClient acting as that user."""

    def make(user) -> ApiClient:  # type: ignore[no-untyped-def]
        return ApiClient(app.test_client(), token_for(user))

    return make
