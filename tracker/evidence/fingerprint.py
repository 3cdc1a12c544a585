"""Perceptual fingerprints that recognise the same picture again when it was resized,
recompressed or lightly cropped: two 64-bit hashes of the upright image. (Exact copies are
found by the SHA-256 of the bytes sent.)

A near copy must be close on both the DCT hash (phash) and the gradient hash (dhash), two
different views of the picture, so a chance match on one is not enough. A 3-4 % crop with
resizing and recompression stays within both thresholds; another photo of the same scene, taken
from a step aside, does not (tests/evidence/test_duplicates.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import imagehash
    from PIL import Image

# Pixels on the longer side (at least) of the reduced copy the hashes are computed from;
# imagehash itself then scales to 32×32 (phash) and 9×8 (dhash).
HASH_SOURCE_SIDE = 512
# Largest Hamming distances (of 64 bits) at which two photos count as the same picture.
PHASH_MAX_DISTANCE = 12
DHASH_MAX_DISTANCE = 14
# A finding's own before- and after-photo, taken from the same spot as they should be, can lie
# within those thresholds (10 in tests/browser/test_evidence.py); only the same shot again
# (resized or recompressed: 0-2) counts as the before-photo passed off as the after-photo.
SAME_SHOT_MAX_DISTANCE = 4
# Below this standard deviation of grey levels a picture is featureless (a blank wall, a black
# frame): its hashes are all alike, so it gets none and only exact copies are recognised.
_MIN_CONTRAST = 4.0


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _as_int(image_hash: imagehash.ImageHash) -> int:
    return _signed(int(str(image_hash), 16))


def perceptual(upright: Image.Image) -> tuple[int, int] | None:
    """(phash, dhash) of a picture as it is shown (upright; best reduced to about
    HASH_SOURCE_SIDE first: images.reduced_upright); None for a featureless picture."""
    import imagehash  # with numpy ~11 MB: only a worker that takes photos loads it
    from PIL import ImageStat

    gray = upright.convert("L")
    if ImageStat.Stat(gray).stddev[0] < _MIN_CONTRAST:
        return None
    return _as_int(imagehash.phash(gray)), _as_int(imagehash.dhash(gray))


def distance(a: int, b: int) -> int:
    """Hamming distance between two 64-bit hashes (signed or not)."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()
