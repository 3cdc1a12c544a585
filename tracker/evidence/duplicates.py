"""The same picture given twice (一图多用): found once at upload across the whole deployment,
shown only as far as the viewer may see.

Exact copies share the SHA-256 of the bytes sent (an index look-up). Near copies are within
both thresholds of `fingerprint` on both perceptual hashes. Hamming distance has no index in
either database, so every stored pair of hashes is compared, in one numpy pass over the packed
`PhotoHashBlock` rows: a few blobs instead of a Python object per photo (bench/evidence_bench.py,
100,000 stored hashes).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from tracker.evidence.fingerprint import DHASH_MAX_DISTANCE, PHASH_MAX_DISTANCE
from tracker.evidence.models import Attachment, AttachmentMatch, MatchKind, PhotoHashBlock
from tracker.org.models import User
from tracker.tickets.models import Ticket
from tracker.tickets.scope import visibility_condition

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Candidate:
    other_id: int
    kind: MatchKind
    distance: int


def _popcount(values: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.bitwise_count(values.view(np.uint64))


def near_copies(
    ids: np.ndarray, phashes: np.ndarray, dhashes: np.ndarray, phash: int, dhash: int
) -> list[tuple[int, int]]:
    """(id, phash distance) of every stored pair within both thresholds of (phash, dhash)."""
    import numpy as np

    p_distance = _popcount(phashes ^ np.int64(phash))
    d_distance = _popcount(dhashes ^ np.int64(dhash))
    hits = np.nonzero((p_distance <= PHASH_MAX_DISTANCE) & (d_distance <= DHASH_MAX_DISTANCE))[0]
    return [(int(ids[i]), int(p_distance[i])) for i in hits]


# Photos per PhotoHashBlock row (24 bytes each: a 96 KB blob when full).
BLOCK_SIZE = 4096
_ENTRY = struct.Struct("<qqq")


@cache
def entries_dtype() -> np.dtype:
    """The numpy layout of `_ENTRY`. numpy is imported here, on the first upload or look-up, not
    with the module: it costs each worker ~11 MB, and a worker serving pages never needs it."""
    import numpy as np

    return np.dtype([("id", "<i8"), ("phash", "<i8"), ("dhash", "<i8")])


def pack_hashes(session: Session, attachment: Attachment) -> None:
    """Append the attachment's hashes to the last block (a new one when it is full), in the
    caller's transaction: a rolled-back upload leaves nothing behind. The block is locked
    (FOR UPDATE) so that concurrent uploads append one after the other."""
    entry = _ENTRY.pack(attachment.id, attachment.phash, attachment.dhash)
    block = session.exec(
        select(PhotoHashBlock).order_by(col(PhotoHashBlock.id).desc()).limit(1).with_for_update()
    ).first()
    if block is None or block.count >= BLOCK_SIZE:
        block = PhotoHashBlock()
    block.data = bytes(block.data) + entry
    block.count += 1
    session.add(block)
    session.flush()


# Full blocks never change (entries are only appended, to the last block), so each process keeps
# the ones it has read and fetches only the rest: the look-up then moves at most one partial
# block (96 KB) instead of every blob (2.4 MB at 100,000 photos). An entry is keyed by the
# database, the block id and its first and last entries, so a restored or rebuilt database
# with other contents under the same ids is read afresh.
_FULL_BLOCKS: dict[tuple[str, int, bytes, bytes], np.ndarray] = {}
_EDGE = _ENTRY.size


def stored_hashes(session: Session) -> np.ndarray:
    """Every packed (id, phash, dhash) of the deployment, as one structured array."""
    import numpy as np

    database = str(session.get_bind().engine.url)
    size = func.length(PhotoHashBlock.data)
    heads = session.exec(
        select(
            PhotoHashBlock.id,
            PhotoHashBlock.count,
            func.substr(PhotoHashBlock.data, 1, _EDGE),
            func.substr(PhotoHashBlock.data, size - _EDGE + 1, _EDGE),
        ).order_by(col(PhotoHashBlock.id))
    ).all()
    keys = {
        block_id: (database, block_id, bytes(first or b""), bytes(last or b""))
        for block_id, _count, first, last in heads
    }
    missing = [block_id for block_id, key in keys.items() if key not in _FULL_BLOCKS]
    fetched: dict[int, np.ndarray] = {}
    if missing:
        rows = session.exec(
            select(PhotoHashBlock.id, PhotoHashBlock.count, PhotoHashBlock.data).where(
                col(PhotoHashBlock.id).in_(missing)
            )
        )
        for block_id, count, data in rows:
            fetched[block_id] = np.frombuffer(bytes(data), dtype=entries_dtype())
            if count >= BLOCK_SIZE:
                _FULL_BLOCKS[keys[block_id]] = fetched[block_id]
    parts = [fetched.get(block_id, _FULL_BLOCKS.get(key)) for block_id, key in keys.items()]
    present = [part for part in parts if part is not None]
    return np.concatenate(present) if present else np.empty(0, dtype=entries_dtype())


def _near_candidates(
    session: Session, attachment_id: int, phash: int, dhash: int
) -> list[tuple[int, int]]:
    """(id, phash distance) of the other attachments within both thresholds."""
    table = stored_hashes(session)
    table = table[table["id"] != attachment_id]
    return near_copies(table["id"], table["phash"], table["dhash"], phash, dhash)


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
        for other_id, distance in _near_candidates(
            session, attachment.id, attachment.phash, attachment.dhash
        ):
            found.setdefault(other_id, Candidate(other_id, MatchKind.NEAR, distance))
    return sorted(found.values(), key=lambda c: c.other_id)


def record_copies(session: Session, attachment: Attachment) -> list[Candidate]:
    """Find the copies of a new attachment, store each match in both directions, and pack its
    hashes for later look-ups."""
    candidates = find_copies(session, attachment)
    if attachment.phash is not None and attachment.dhash is not None:
        pack_hashes(session, attachment)
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
    distance: int
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
    # An alias's attributes are columns, which the model's annotations do not say.
    other: Any = aliased(Attachment)
    rows = session.execute(
        sa_select(
            col(AttachmentMatch.attachment_id),
            col(AttachmentMatch.other_id),
            col(AttachmentMatch.kind),
            col(AttachmentMatch.distance),
            col(Ticket.id),
            col(Ticket.code),
            other.purpose,
        )
        .join(other, other.id == AttachmentMatch.other_id)
        .join(Ticket, col(Ticket.id) == other.ticket_id)
        .where(col(AttachmentMatch.attachment_id).in_(ids), visibility_condition(session, user))
        .order_by(col(AttachmentMatch.attachment_id), col(AttachmentMatch.other_id))
    ).all()
    result: dict[int, list[Similar]] = {}
    for row in rows:
        result.setdefault(row[0], []).append(Similar(*row))
    return result
