"""What a photo says about itself (EXIF): when, with which camera, where, which way up.

Pure functions over a Pillow image (JPEG, WebP, PNG or HEIF via pillow-heif): no Flask, no
database. Read once at upload, before the stored copy, thumbnail and display rendition lose the
metadata.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from PIL import ExifTags  # tag numbers only: Pillow's Image is loaded by the images module

if TYPE_CHECKING:
    from PIL import Image

_EXIF = ExifTags.IFD.Exif
_GPS = ExifTags.IFD.GPSInfo
_DATETIME_ORIGINAL = ExifTags.Base.DateTimeOriginal
_DATETIME_DIGITIZED = ExifTags.Base.DateTimeDigitized
_OFFSET_ORIGINAL = ExifTags.Base.OffsetTimeOriginal
_ORIENTATION = ExifTags.Base.Orientation
_MAKE = ExifTags.Base.Make
_MODEL = ExifTags.Base.Model
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class Position:
    """A point in WGS 84 degrees (as GPS receivers write it)."""

    lat: float
    lon: float


@dataclass(frozen=True)
class PhotoFacts:
    """EXIF facts of one photo; `taken_at` is aware (UTC) or None when the photo has no time."""

    taken_at: datetime | None = None
    camera: str = ""
    position: Position | None = None
    orientation: int = 1


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "").replace("\x00", "").strip()


def _offset(value: object) -> tzinfo | None:
    match = _OFFSET.match(_text(value))
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def parse_taken_at(stamp: object, offset: object, zone: tzinfo) -> datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" in its own offset when given, else in `zone`; as UTC."""
    text = _text(stamp)
    try:
        local = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if local.year < 1990:  # cameras with an unset clock write 0000:00:00 or 1970
        return None
    return local.replace(tzinfo=_offset(offset) or zone).astimezone(UTC)


def _degrees(value: Any, ref: object, negative: str) -> float | None:  # any EXIF value
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        return None
    return -result if _text(ref).upper() == negative else result


def parse_position(gps: dict) -> Position | None:
    """Latitude and longitude from a GPS IFD; None if absent, out of range or (0, 0)."""
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if lat == 0 and lon == 0:  # an unfixed receiver's placeholder ("null island")
        return None
    return Position(round(lat, 6), round(lon, 6))


def read_facts(image: Image.Image, zone: tzinfo) -> PhotoFacts:
    """The photo's capture time (in `zone` when it carries no offset), camera, GPS position and
    orientation; whatever is missing or malformed is left empty, never an error."""
    try:
        tags = image.getexif()
        details = tags.get_ifd(_EXIF)
        gps = tags.get_ifd(_GPS)
    except Exception:  # malformed EXIF blocks raise many kinds of errors in Pillow
        return PhotoFacts()
    stamp = details.get(_DATETIME_ORIGINAL) or details.get(_DATETIME_DIGITIZED)
    camera = " ".join(part for part in (_text(tags.get(_MAKE)), _text(tags.get(_MODEL))) if part)
    orientation = tags.get(_ORIENTATION, 1)
    return PhotoFacts(
        taken_at=parse_taken_at(stamp, details.get(_OFFSET_ORIGINAL), zone),
        camera=camera[:100],
        position=parse_position(gps),
        orientation=orientation if orientation in range(1, 9) else 1,
    )
