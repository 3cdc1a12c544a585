"""Files on disk under UPLOAD_DIR: generated names, sharded folders, writes staged with the
transaction that records them.

A stored name is 32 random hex digits plus the extension of the detected type; the user's file
name never reaches the file system. Files sit in `<UPLOAD_DIR>/files/ab/cd/<name>`, thumbnails
in `<UPLOAD_DIR>/thumbs/ab/cd/<name>.jpg` and JPEG renditions of HEIC photos in
`<UPLOAD_DIR>/display/ab/cd/<name>.jpg`.

All or nothing: `stage` writes a file under a temporary name beside its final one and ties it
to the database session that records it. When that session commits, the file is renamed to
its final name (an atomic rename in one folder); when the transaction ends any other way
(rolled back, closed after an error), it is deleted. So a refused or failed upload leaves no
file and no row, and readers never see half a file. A process killed between the write and
the commit leaves a `.staged-*` file, which `sweep_staged` removes.

A full disk (ENOSPC, EDQUOT) is `StorageFull` (507) and a read-only or failing one (EROFS,
EIO) `StorageUnavailable` (503): clear answers instead of a 500.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from tracker.core.errors import StorageFull, StorageUnavailable
from tracker.core.i18n import service_gettext as _

log = logging.getLogger(__name__)

_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")
STAGED_PREFIX = ".staged-"
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_UNWRITABLE = frozenset({errno.EROFS, errno.EIO})
_SESSION_KEY = "staged_files"


def new_stored_name(extension: str) -> str:
    return secrets.token_hex(16) + extension


def _checked(stored_name: str) -> str:
    if not _STORED_NAME.match(stored_name):  # defence in depth: never a path from outside
        raise ValueError(f"not a stored name: {stored_name!r}")
    return stored_name


def file_path(upload_dir: str | Path, stored_name: str) -> Path:
    name = _checked(stored_name)
    return Path(upload_dir) / "files" / name[:2] / name[2:4] / name


def thumbnail_path(upload_dir: str | Path, stored_name: str) -> Path:
    name = _checked(stored_name)
    return Path(upload_dir) / "thumbs" / name[:2] / name[2:4] / (name + ".jpg")


def display_path(upload_dir: str | Path, stored_name: str) -> Path:
    name = _checked(stored_name)
    return Path(upload_dir) / "display" / name[:2] / name[2:4] / (name + ".jpg")


@dataclass(frozen=True)
class StagedFile:
    temporary: Path
    final: Path


def refusal(error: OSError) -> StorageFull | StorageUnavailable | None:
    """The answer to give for a failed write, or None when it is not the disk's state (a bug)."""
    if error.errno in _FULL:
        return StorageFull(
            _("The file could not be saved: the storage is full. Nothing was saved.")
        )
    if error.errno in _UNWRITABLE:
        return StorageUnavailable(
            _("The file could not be saved: the storage cannot be written at the moment.")
        )
    return None


def _write_temporary(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=STAGED_PREFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside `path`, then rename: readers never see half a file. For renditions of a
    file already recorded (the backfill), where no transaction decides."""
    os.replace(_write_temporary(path, data), path)


def stage(session: Session, path: Path, data: bytes) -> None:
    """Write `data` to take the name `path` when `session` commits (deleted if it does not)."""
    try:
        temporary = _write_temporary(path, data)
    except OSError as error:
        answer = refusal(error)
        if answer is None:
            raise
        log.warning("upload not stored: %s", error)
        raise answer from error
    session.info.setdefault(_SESSION_KEY, []).append(StagedFile(temporary, path))


@event.listens_for(Session, "after_commit")
def _promote(session: Session) -> None:
    """The rows are committed: give their files their final names."""
    if session.in_nested_transaction():
        return
    for staged in session.info.pop(_SESSION_KEY, []):
        try:
            os.replace(staged.temporary, staged.final)
        except OSError:  # committed but not renamed: `tracker audit verify` names the file
            log.error("a committed upload could not be renamed: %s", staged.final, exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _discard(session: Session, transaction: SessionTransaction) -> None:
    """The transaction ended without committing them: the files go."""
    if transaction.parent is not None:
        return
    for staged in session.info.pop(_SESSION_KEY, []):
        staged.temporary.unlink(missing_ok=True)


def sweep_staged(
    upload_dir: str | Path, older_than_seconds: float, now: float | None = None
) -> int:
    """Delete files left staged by a process that died before its transaction ended."""
    cutoff = (time.time() if now is None else now) - older_than_seconds
    removed = 0
    for path in Path(upload_dir).glob(f"*/*/*/{STAGED_PREFIX}*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
