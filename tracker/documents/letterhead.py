"""What an official document prints besides its body, and its dates as it writes them.

Kept apart from tracker/documents/official.py, the python-docx writer, so that the many modules
describing a document do not load python-docx into every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.documents.settings import DocumentSettings


def cn_date(day: date) -> str:
    """2026-06-05 → "2026年6月5日" (成文日期 in Arabic numerals, GB/T 9704 7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class TableRow:
    """A row of a form: its label, its text (lines split at "\\n"), pictures after it."""

    label: str
    text: str = ""
    pictures: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Letterhead:
    """What this one document prints besides its body: 文号, title, date, and the settings."""

    title: str
    number: str  # 文号; empty: none
    issued_on: date
    settings: DocumentSettings
