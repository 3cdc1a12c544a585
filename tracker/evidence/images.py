"""Check images with Pillow, read then drop their metadata (EXIF: GPS, device), make thumbnails.

Decompression bombs (a few KB declaring a gigapixel image, or a hundred KB declaring 40
megapixels) are refused from the header alone, before any pixel is decoded. HEIC/HEIF photos
(pillow-heif) are kept as sent, with a JPEG rendition for browsers, which cannot show HEIC.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache

from PIL import Image, ImageOps, UnidentifiedImageError

from tracker.core.i18n import service_gettext as _
from tracker.evidence.exif import PhotoFacts, read_facts
from tracker.evidence.fingerprint import HASH_SOURCE_SIDE, perceptual
from tracker.evidence.sniff import FileType

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}
# Decompression bombs under the pixel limit: a picture of more than BOMB_FLOOR_PIXELS must bring
# at least one byte per MAX_PIXELS_PER_BYTE pixels. Camera photos carry 3-5 pixels a byte; even
# a flat grey 12 MP JPEG carries 64. A 155 KB PNG declaring 6316×6316 (257 a byte) cost a
# second and 200 MB to decode (three seconds on a loaded host), and five fit in one request.
BOMB_FLOOR_PIXELS = 4_000_000
MAX_PIXELS_PER_BYTE = 100
# Longest side of the JPEG shown in place of a HEIC photo.
DISPLAY_SIDE = 2048
# EXIF orientation → the turn that shows the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class BadImage(ValueError):
    """The bytes claim to be an image but are not a usable one; the message says why."""


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes  # what to store: the upload itself, or a re-encoding without metadata
    thumbnail: bytes  # a JPEG no larger than the thumbnail box
    width: int
    height: int
    facts: PhotoFacts  # read from EXIF before it was dropped
    hashes: tuple[int, int] | None  # (phash, dhash); None for a featureless picture
    display: bytes | None = None  # a JPEG rendition, for types browsers cannot show (HEIC)


@cache
def _open_heif_too() -> None:
    """Teach Pillow HEIC/HEIF, on the first image opened: pillow-heif costs a worker that only
    serves pages ~4 MB (bench/RESULTS.md, round 5)."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def _open(data: bytes, kind: FileType, max_pixels: int) -> Image.Image:
    _open_heif_too()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(_("the image is too large (in pixels)")) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise BadImage(_("the image cannot be read")) from exc
    if image.format != _PIL_FORMATS[kind.key]:
        raise BadImage(_("the image content does not match its type"))
    width, height = image.size
    pixels = width * height
    if width < 1 or height < 1 or pixels > max_pixels:
        raise BadImage(
            _("the image is too large (%(width)s×%(height)s pixels)", width=width, height=height)
        )
    if pixels > BOMB_FLOOR_PIXELS and pixels > len(data) * MAX_PIXELS_PER_BYTE:
        raise BadImage(
            _(
                "the image declares %(width)s×%(height)s pixels but holds too little data for "
                "them (a decompression bomb)",
                width=width,
                height=height,
            )
        )
    return image


def _has_metadata(image: Image.Image) -> bool:
    info = image.info
    return bool(
        info.get("exif")
        or info.get("xmp")
        or info.get("XML:com.adobe.xmp")
        or info.get("comment")
        or getattr(image, "text", None)
    )


def _strip(image: Image.Image, kind: FileType) -> bytes:
    """Re-encode without metadata, turned upright as the EXIF orientation said."""
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    options: dict = {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if kind.key == "jpeg":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=92, optimize=True, **options)
    elif kind.key == "webp":
        upright.save(out, "WEBP", quality=90, **options)
    else:
        upright.save(out, "PNG", optimize=True, **options)
    return out.getvalue()


def reduced_upright(image: Image.Image, side: int, orientation: int) -> Image.Image:
    """A copy whose longer side lies between `side` and twice it (or the image's own size),
    turned upright. Reducing first and turning the small copy costs a fraction of turning a
    12 MP photo (bench/evidence_bench.py)."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    factor = max(1, max(image.size) // side)
    small = image.reduce(factor) if factor > 1 else image.copy()
    turn = _UPRIGHT.get(orientation)
    return small.transpose(turn) if turn is not None else small


def decode(image: Image.Image, kind: FileType, side: int | None) -> None:
    """Decode the pixels, every one when `side` is None. A JPEG needed only with about `side`
    pixels on its longer side (hashes, thumbnail) is decoded by libjpeg at 1/2, 1/4 or 1/8 scale
    (`Image.draft`), the largest reduction that keeps the longer side at `side` or more: a 12 MP
    photo decodes at 1000×750 in a fraction of the time and memory (bench/RESULTS.md, issue 14).
    The whole file is still read and entropy-decoded, so a damaged one fails as before; the EXIF
    block and `image.info` are kept. Other types decode in full (none can be scaled while
    decoding)."""
    if side is not None and kind.key == "jpeg":
        width, height = image.size
        longer = max(width, height)
        if longer > side:
            image.draft("RGB", (max(1, width * side // longer), max(1, height * side // longer)))
    image.load()


def _jpeg(small: Image.Image, box: int, quality: int) -> bytes:
    """A JPEG of an upright copy, no larger than `box`, with no metadata (Pillow writes none
    unless told)."""
    thumb = small
    thumb.thumbnail((box, box))
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, (255, 255, 255))
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def process_image(
    data: bytes,
    kind: FileType,
    *,
    max_pixels: int,
    thumbnail_box: int,
    strip_metadata: bool,
    zone: tzinfo,
) -> ProcessedImage:
    """Verify the whole image decodes; read its EXIF facts (times without an offset are taken
    to be in `zone`) and fingerprints; return what to store, its thumbnail and, for HEIC, a
    display rendition."""
    try:
        _open(data, kind, max_pixels).verify()  # structure and checksums; leaves it unusable
        image = _open(data, kind, max_pixels)
        width, height = image.size  # as declared: a draft decode is smaller
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            is_animated = getattr(image, "n_frames", 1) > 1
            # Only a re-encoding needs every pixel; the rest needs HASH_SOURCE_SIDE at most.
            reencode = (
                kind.key != "heif" and strip_metadata and not is_animated and _has_metadata(image)
            )
            decode(image, kind, None if reencode else max(HASH_SOURCE_SIDE, thumbnail_box))
            facts = read_facts(image, zone)
            turn = facts.orientation
            hashes = perceptual(reduced_upright(image, HASH_SOURCE_SIDE, turn))
            display = None
            if kind.key == "heif":  # kept as sent; browsers get the rendition
                display = _jpeg(reduced_upright(image, DISPLAY_SIDE, turn), DISPLAY_SIDE, 85)
            return ProcessedImage(
                _strip(image, kind) if reencode else data,
                _jpeg(reduced_upright(image, thumbnail_box, turn), thumbnail_box, 80),
                width,
                height,
                facts=facts,
                hashes=hashes,
                display=display,
            )
    except BadImage:
        raise
    except Exception as exc:  # Pillow raises many kinds of errors on malformed input
        raise BadImage(_("the image is damaged or incomplete")) from exc
