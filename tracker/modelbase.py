"""Shared pieces of the table models: metadata naming convention and timestamp defaults."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel

from tracker.clock import utcnow
from tracker.db import NAMING_CONVENTION

SQLModel.metadata.naming_convention = NAMING_CONVENTION


def created_now() -> datetime:
    """Default factory for `created_at` columns (aware UTC)."""
    return utcnow()
