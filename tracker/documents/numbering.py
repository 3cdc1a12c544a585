"""文号: each document gets the next number of its year once, and keeps it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.documents.models import IssuedDocument
from tracker.documents.settings import DocumentSettings
from tracker.org.models import User

ATTEMPTS = 5


def issue_number(
    session: Session,
    key: str,
    title: str,
    settings: DocumentSettings,
    actor: User,
    now: datetime,
    year: int,
) -> IssuedDocument:
    """The register entry of the document `key`: the existing one, or the next of `year`.

    Two users issuing at once may pick the same serial: the unique (year, serial) refuses the
    second, which takes the next one (in a savepoint, so the caller's transaction lives on).
    """
    for _attempt in range(ATTEMPTS):
        existing = session.exec(select(IssuedDocument).where(IssuedDocument.key == key)).first()
        if existing is not None:
            return existing
        last = session.exec(
            select(func.max(IssuedDocument.serial)).where(IssuedDocument.year == year)
        ).one()
        serial = int(last or 0) + 1
        entry = IssuedDocument(
            key=key,
            year=year,
            serial=serial,
            number=settings.number(year, serial),
            title=title[:300],
            issued_at=now,
            issued_by_id=actor.id,
        )
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            continue
        return entry
    raise RuntimeError(f"no free document number for {key!r} after {ATTEMPTS} attempts")
