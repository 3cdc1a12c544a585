"""The bulletin as an official document (.docx, GB/T 9704-2012), with its 文号."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlmodel import Session

from tracker.core.clock import local_date
from tracker.documents.letterhead import Letterhead
from tracker.documents.numbering import issue_number
from tracker.documents.settings import DocumentSettings
from tracker.org.models import User
from tracker.reports.bulletin import Bulletin

# What the download form may set for one document (the rest comes from `[documents]`).
PER_DOCUMENT = ("issuing_body", "header_title", "recipients", "copy_to", "printed_by")


def bulletin_letterhead(
    session: Session,
    bulletin: Bulletin,
    config: Mapping,
    user: User,
    now: datetime,
    overrides: Mapping[str, str] | None = None,
) -> Letterhead:
    """Settings with this document's overrides; the 文号 given, or this bulletin's own from the
    register (issued on first download, the same ever after); the date given, or today."""
    overrides = overrides or {}
    settings = DocumentSettings.from_config(config).override(
        {k: overrides.get(k) for k in PER_DOCUMENT}
    )
    today = local_date(now, config["TIMEZONE"])
    issued_on = _date(overrides.get("issued_on")) or today
    number = (overrides.get("number") or "").strip()
    if not number:
        entry = issue_number(
            session, bulletin.selection.key(), bulletin.title, settings, user, now, issued_on.year
        )
        number = entry.number
    return Letterhead(bulletin.title, number, issued_on, settings)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def to_docx(bulletin: Bulletin, letterhead: Letterhead) -> bytes:
    from tracker.documents.official import OfficialDocument  # python-docx: on first use

    document = OfficialDocument(letterhead)
    for block in bulletin.blocks():
        if block.kind == "heading":
            document.heading(block.text)
        elif block.kind == "subheading":
            document.subheading(block.text)
        elif block.kind == "table":
            document.ruled_table(block.rows)
        else:
            document.paragraph(block.text, lead=block.lead)
    return document.to_bytes()
