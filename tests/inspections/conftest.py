"""Fixtures for inspection tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """The county has 14 users; scrypt makes each 0.3 s. These tests are not about passwords."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "tracker.org.service.hash_password",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )
