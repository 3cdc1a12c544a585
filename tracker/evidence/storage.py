"""Files on disk under UPLOAD_DIR: generated names, sharded folders, atomic writes.

A stored name is 32 random hex digits plus the extension of the detected type; the user's file
name never reaches the file system. Files sit in `<UPLOAD_DIR>/files/ab/cd/<name>`, thumbnails
in `<UPLOAD_DIR>/thumbs/ab/cd/<name>.jpg` and JPEG renditions of HEIC photos in
`<UPLOAD_DIR>/display/ab/cd/<name>.jpg`.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")


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


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove(upload_dir: str | Path, stored_name: str) -> None:
    """Delete a file and its renditions (used when the transaction that stored them fails)."""
    for path in (file_path, thumbnail_path, display_path):
        path(upload_dir, stored_name).unlink(missing_ok=True)
