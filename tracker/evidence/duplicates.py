"""The same picture given twice (一图多用): found once at upload across the whole deployment,
shown only as far as the viewer may see.

Exact copies share the SHA-256 of the bytes sent (an index look-up). Near copies are within
`fingerprint.is_near` on both perceptual hashes; Hamming distance has no index in either
database, so the look-up reads every stored pair of hashes (two BIGINTs a photo) and compares
them in one numpy pass (bench/evidence_bench.py: 100,000 stored hashes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from tracker.evidence.fingerprint import DHASH_MAX_DISTANCE, PHASH_MAX_DISTANCE
from tracker.evidence.models import Attachment, AttachmentMatch, MatchKind
from tracker.org.models import User
from tracker.tickets.models import Ticket
from tracker.tickets.scope import visibility_condition


@dataclass(frozen=True)
class Candidate:
    other_id: int
    kind: MatchKind
    distance: int


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.view(np.uint64))


def near_copies(
    ids: np.ndarray, phashes: np.ndarray, dhashes: np.ndarray, phash: int, dhash: int
) -> list[tuple[int, int]]:
    """(id, phash distance) of every stored pair within both thresholds of (phash, dhash)."""
    p_distance = _popcount(phashes ^ np.int64(phash))
    d_distance = _popcount(dhashes ^ np.int64(dhash))
    hits = np.nonzero((p_distance <= PHASH_MAX_DISTANCE) & (d_distance <= DHASH_MAX_DISTANCE))[0]
    return [(int(ids[i]), int(p_distance[i])) for i in hits]


def find_copies(session: Session, attachment: Attachment) -> list[Candidate]:
    """Every other attachment of the deployment that is the same picture as `attachment`."""
    found: dict[int, Candidate] = {}
    if attachment.source_sha256:
        for other_id in session.exec(
            select(Attachment.id).where(
                Attachment.source_sha256 == attachment.source_sha256,
                Attachment.id != attachment.id,
            )
        ):
            found[other_id] = Candidate(other_id, MatchKind.EXACT, 0)
    if attachment.phash is not None and attachment.dhash is not None:
        rows = session.exec(
            select(Attachment.id, Attachment.phash, Attachment.dhash).where(
                Attachment.phash.is_not(None), Attachment.id != attachment.id
            )
        ).all()
        if rows:
            table = np.array(rows, dtype=np.int64)
            for other_id, distance in near_copies(
                table[:, 0], table[:, 1], table[:, 2], attachment.phash, attachment.dhash
            ):
                found.setdefault(other_id, Candidate(other_id, MatchKind.NEAR, distance))
    return sorted(found.values(), key=lambda c: c.other_id)


def record_copies(session: Session, attachment: Attachment) -> list[Candidate]:
    """Find the copies of a new attachment and store each match in both directions."""
    candidates = find_copies(session, attachment)
    for c in candidates:
        for a, b in ((attachment.id, c.other_id), (c.other_id, attachment.id)):
            session.add(
                AttachmentMatch(attachment_id=a, other_id=b, kind=c.kind, distance=c.distance)
            )
    if candidates:
        session.flush()
    return candidates


@dataclass(frozen=True)
class Similar:
    """A copy of an attachment that the viewer may see, with where it is attached."""

    attachment_id: int
    other_id: int
    kind: str
    ticket_id: int
    ticket_code: str
    purpose: str


def visible_similar(
    session: Session, user: User, attachment_ids: Iterable[int]
) -> dict[int, list[Similar]]:
    """For each attachment, its copies on findings `user` may see (one query). Copies on
    findings beyond the viewer's scope are left out entirely: a cadre learns nothing of them."""
    ids = list(attachment_ids)
    if not ids:
        return {}
    other = aliased(Attachment)
    rows = session.exec(
        select(
            AttachmentMatch.attachment_id,
            AttachmentMatch.other_id,
            AttachmentMatch.kind,
            Ticket.id,
            Ticket.code,
            other.purpose,
        )
        .join(other, other.id == AttachmentMatch.other_id)
        .join(Ticket, Ticket.id == other.ticket_id)
        .where(AttachmentMatch.attachment_id.in_(ids), visibility_condition(session, user))
        .order_by(AttachmentMatch.attachment_id, AttachmentMatch.other_id)
    ).all()
    result: dict[int, list[Similar]] = {}
    for row in rows:
        result.setdefault(row[0], []).append(Similar(*row))
    return result
