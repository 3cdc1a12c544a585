"""Tiny real files of every accepted type, generated with the libraries that write them."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 60, 30))
    out = io.BytesIO()
    options = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCam"  # Make
        tags[0x0110] = "Model-X"  # Model
        options["exif"] = tags.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("整改报告：已清理垃圾堆 12 处")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "问题描述"])
    book.active.append([1, "垃圾堆"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid-looking PNG of a few dozen bytes declaring a ten-gigapixel image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


class Files:
    png = staticmethod(lambda **kw: image_bytes("PNG", **kw))
    jpeg = staticmethod(lambda **kw: image_bytes("JPEG", **kw))
    webp = staticmethod(lambda **kw: image_bytes("WEBP", **kw))
    pdf = staticmethod(pdf_bytes)
    docx = staticmethod(docx_bytes)
    xlsx = staticmethod(xlsx_bytes)
    bomb = staticmethod(png_bomb)


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """The county has 14 users; scrypt makes each 0.3 s. These tests are not about passwords."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "tracker.org.service.hash_password",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


@pytest.fixture
def files() -> type[Files]:
    return Files
