"""Fixtures of the documents tests."""

from __future__ import annotations

import pytest
from lifecycle import Closed, close_a_finding


@pytest.fixture
def closed_finding(app, db, county, make_ticket, move) -> Closed:  # type: ignore[no-untyped-def]
    return close_a_finding(app, db, county, make_ticket, move)
