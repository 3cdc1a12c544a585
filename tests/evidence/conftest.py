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


# --- photos with EXIF (issue 19) -------------------------------------------------------------


def scene(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """A made-up outdoor scene: shapes of many sizes and colours, softened like a lens would."""
    import random

    from PIL import ImageDraw, ImageFilter

    rnd = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (rnd.randrange(256),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rnd.randrange(width), rnd.randrange(height)
        side = rnd.randrange(width // 40, width // 4)
        box = [x, y, x + side, y + int(side * rnd.uniform(0.3, 1.5))]
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (draw.ellipse if rnd.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image.filter(ImageFilter.GaussianBlur(2))


def _rational(value: float) -> tuple[int, int]:
    return (round(value * 10000), 10000)


def exif_bytes(
    taken: str | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    camera: tuple[str, str] = ("Huawei", "P60"),
) -> bytes:
    """An EXIF block written with piexif: "YYYY:MM:DD HH:MM:SS" local time, its offset,
    (lat, lon) in degrees, the orientation tag."""
    import piexif

    zeroth = {piexif.ImageIFD.Make: camera[0].encode(), piexif.ImageIFD.Model: camera[1].encode()}
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    details = {}
    if taken:
        details[piexif.ExifIFD.DateTimeOriginal] = taken.encode()
    if offset:
        details[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    location = {}
    if gps:
        lat, lon = gps

        def dms(value: float) -> tuple:
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = (value - degrees - minutes / 60) * 3600
            return ((degrees, 1), (minutes, 1), _rational(seconds))

        location = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: dms(lon),
        }
    return piexif.dump({"0th": zeroth, "Exif": details, "GPS": location})


def encode(image: Image.Image, fmt: str = "JPEG", quality: int = 90, **tags) -> bytes:  # type: ignore[no-untyped-def]
    """The image as JPEG or HEIF bytes, carrying EXIF when tags are given (see `exif_bytes`)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    options = {"exif": exif_bytes(**tags)} if tags else {}
    image.save(out, fmt, quality=quality, **options)
    return out.getvalue()


class Photos:
    scene = staticmethod(scene)
    exif = staticmethod(exif_bytes)
    encode = staticmethod(encode)


@pytest.fixture
def photos() -> type[Photos]:
    return Photos
