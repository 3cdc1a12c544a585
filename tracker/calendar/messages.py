"""User-facing calendar messages (translated), shared by the filing page and the calendar page."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _


def fallback_message(years: Iterable[int]) -> str:
    """Warn that deadlines in `years` were counted Monday–Friday (no official calendar known)."""
    listed = ", ".join(str(year) for year in sorted(set(years)))
    return _(
        "No official holiday calendar for %(years)s: working days were counted Monday to Friday. "
        "An administrator can enter that year's holidays and make-up working days under Calendar.",
        years=listed,
    )
