"""Recognise an upload's type from its content (magic bytes), never from its name.

Pure functions: no Flask, no database. Accepted: JPEG, PNG, WebP, HEIC/HEIF (phone photos), PDF,
and the Office Open XML documents .docx and .xlsx (ZIP archives holding `[Content_Types].xml`
and `word/` or `xl/`).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extension: str
    is_image: bool = False


JPEG = FileType("jpeg", "image/jpeg", ".jpg", True)
PNG = FileType("png", "image/png", ".png", True)
WEBP = FileType("webp", "image/webp", ".webp", True)
HEIF = FileType("heif", "image/heic", ".heic", True)
PDF = FileType("pdf", "application/pdf", ".pdf")
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
)
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
)
ACCEPTED = (JPEG, PNG, WEBP, HEIF, PDF, DOCX, XLSX)
# Extensions a user's file name may keep for each type (anything else is replaced on download).
EXTENSIONS = {
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "webp": (".webp",),
    "heif": (".heic", ".heif"),
    "pdf": (".pdf",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
}
# ISO base media brands of HEIF still images (HEVC-coded: what iPhones and Android phones write).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
# An archive with more entries than this is not a document anyone typed (and is not opened).
MAX_ZIP_ENTRIES = 5000


def detect(data: bytes) -> FileType | None:
    """The type of `data` by its leading bytes (and, for ZIPs, its entries); None if unknown."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _is_heif(data):
        return HEIF
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _is_heif(data: bytes) -> bool:
    """An `ftyp` box first whose major brand is a HEIF image brand (AVIF's `avif` is not)."""
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def _office_type(data: bytes) -> FileType | None:
    """DOCX or XLSX by the archive's entries; only the central directory is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    has_word = any(n.startswith("word/") for n in names)
    has_xl = any(n.startswith("xl/") for n in names)
    if has_word and not has_xl:
        return DOCX
    if has_xl and not has_word:
        return XLSX
    return None
