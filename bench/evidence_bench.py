"""Photo evidence costs: EXIF reading and hashing per 12 MP photo (JPEG and HEIC), and the
duplicate look-up among 100,000 stored hashes; prints medians [min–max] in milliseconds.

Run by hand (never in the test suite), in process, on the database named by the environment
(an empty one is migrated and filled with one finding carrying `--stored` photo fingerprints):

    TRACKER_ENV=development TRACKER_DATABASE_URL=sqlite:////tmp/evidence.db \\
        .venv/bin/python bench/evidence_bench.py --stored 100000 --repeat 21

The photos are generated (a 4000×3000 scene with EXIF: time, offset, GPS), so every run measures
the same bytes.

`--draft` measures JPEG draft decoding instead (issue 14): `process_image` per 12 MP JPEG on its
three paths, with libjpeg's scaled decoding and without it (`JpegImageFile.draft` made a no-op,
as before the change), wall and CPU time in process and the peak memory of each (a fresh
interpreter per figure, its peak RSS growth over what it held before the call); and the Hamming
distances between the fingerprints of a draft and a full decode of the same files:

    TRACKER_ENV=development TRACKER_DATABASE_URL=sqlite:////tmp/evidence.db \\
        .venv/bin/python bench/evidence_bench.py --draft --repeat 11
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import shlex
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from zoneinfo import ZoneInfo

import piexif
from PIL import Image, ImageDraw, ImageFilter, JpegImagePlugin
from sqlalchemy import func, insert
from sqlmodel import Session, select

from tracker import create_app, migrate
from tracker.core.clock import utcnow
from tracker.core.db import get_engine
from tracker.evidence import duplicates
from tracker.evidence.exif import read_facts
from tracker.evidence.fingerprint import HASH_SOURCE_SIDE, distance, perceptual
from tracker.evidence.images import decode, process_image, reduced_upright
from tracker.evidence.models import Attachment, PhotoHashBlock
from tracker.evidence.sniff import detect
from tracker.org.models import Unit
from tracker.org.service import create_unit
from tracker.tickets.models import Ticket

ZONE = ZoneInfo("Asia/Shanghai")


def photo(
    fmt: str, size: tuple[int, int] = (4000, 3000), seed: int = 7, exif: bool = True
) -> bytes:
    """A 12 MP scene with a phone's EXIF, as JPEG (quality 90) or HEIC (quality 80)."""
    rnd = random.Random(seed)
    image = Image.new("RGB", size, (120, 140, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, side = rnd.randrange(size[0]), rnd.randrange(size[1]), rnd.randrange(20, 600)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        draw.ellipse([x, y, x + side, y + side // 2], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(1))
    noise = Image.effect_noise(size, 24).convert("RGB")
    image = Image.blend(image, noise, 0.15)
    tags = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Apple", piexif.ImageIFD.Model: b"iPhone 14"},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"2026:06:16 09:30:00",
                piexif.ExifIFD.OffsetTimeOriginal: b"+08:00",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((30, 1), (15, 1), (1234, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((118, 1), (30, 1), (4321, 100)),
            },
        }
    )
    out = io.BytesIO()
    image.save(
        out,
        "JPEG" if fmt == "jpeg" else "HEIF",
        quality=90 if fmt == "jpeg" else 80,
        exif=tags if exif else b"",
    )
    return out.getvalue()


def timed(work: Callable[[], object], repeat: int) -> str:
    work()  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append((time.perf_counter() - start) * 1000)
    return f"{statistics.median(runs):.1f} [{min(runs):.1f}–{max(runs):.1f}]"


def floor(repeat: int) -> list[tuple[str, str]]:
    """Fixed work whose idle cost is known, timed in the same run: how much slower than idle the
    shared machine was while the rows above and below were taken (on this host at load 2:
    ~0.6 ms and ~21 ms)."""
    block = bytes(range(256)) * 4096  # 1 MiB
    return [
        (
            "floor: SHA-256 of 1 MiB in memory",
            timed(lambda: hashlib.sha256(block).digest(), repeat),
        ),
        ("floor: a Python loop of 10^6 additions", timed(lambda: sum(range(1_000_000)), repeat)),
    ]


def per_photo(fmt: str, repeat: int) -> list[tuple[str, str]]:
    data = photo(fmt)
    kind = detect(data)
    loaded = Image.open(io.BytesIO(data))
    loaded.load()
    return [
        (f"{fmt} size", f"{len(data) / 1e6:.1f} MB, {loaded.width}×{loaded.height}"),
        (
            f"{fmt}: EXIF read (open + read_facts, no pixel decoded)",
            timed(lambda: read_facts(Image.open(io.BytesIO(data)), ZONE), repeat),
        ),
        (f"{fmt}: SHA-256 of the upload", timed(lambda: hashlib.sha256(data).hexdigest(), repeat)),
        (
            f"{fmt}: perceptual hashes of the decoded photo (reduce, turn upright, phash+dhash)",
            timed(lambda: perceptual(reduced_upright(loaded, HASH_SOURCE_SIDE, 6)), repeat),
        ),
        (
            f"{fmt}: decode alone (for scale)",
            timed(lambda: Image.open(io.BytesIO(data)).load(), repeat),
        ),
        (
            f"{fmt}: whole upload check (process_image: verify, decode, EXIF, hashes, thumbnail"
            + (", JPEG rendition" if fmt == "heif" else ", re-encode without EXIF")
            + ")",
            timed(
                lambda: process_image(
                    data,
                    kind,
                    max_pixels=40_000_000,
                    thumbnail_box=320,
                    strip_metadata=True,
                    zone=ZONE,
                ),
                max(3, repeat // 4),
            ),
        ),
        (
            f"{fmt}: backfill of an old photo (process_image without re-encoding the stored file,"
            " as `tracker evidence backfill` examines it)",
            timed(
                lambda: process_image(
                    data,
                    kind,
                    max_pixels=40_000_000,
                    thumbnail_box=320,
                    strip_metadata=False,
                    zone=ZONE,
                ),
                max(3, repeat // 4),
            ),
        ),
    ]


# The three paths a JPEG takes through process_image: an upload carrying EXIF (re-encoded
# without it, so decoded in full), an upload without metadata (as messaging apps forward photos)
# and the backfill of a stored photo (kept as it is).
DRAFT_PATHS = {
    "upload with EXIF (re-encoded)": (True, True),
    "upload without metadata": (False, True),
    "backfill (stored file kept)": (True, False),
}


@contextmanager
def full_decode(enabled: bool) -> Iterator[None]:
    """While enabled, libjpeg is never asked to scale: every JPEG decodes in full, as before
    draft mode was used."""
    original = JpegImagePlugin.JpegImageFile.draft
    if enabled:
        JpegImagePlugin.JpegImageFile.draft = lambda self, mode, size: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        JpegImagePlugin.JpegImageFile.draft = original  # type: ignore[method-assign]


def check(data: bytes, strip: bool) -> None:
    process_image(
        data,
        detect(data),
        max_pixels=40_000_000,
        thumbnail_box=320,
        strip_metadata=strip,
        zone=ZONE,
    )


def timed_cpu(work: Callable[[], object], repeat: int) -> str:
    """Wall and CPU (this process) milliseconds, median [min–max] each."""
    work()  # warm-up
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return " / ".join(
        f"{statistics.median(r):.0f} [{min(r):.0f}–{max(r):.0f}]" for r in (walls, cpus)
    )


def peak_growth(path: str, strip: bool, full: bool) -> str:
    """Peak RSS growth in MB of one process_image call, in a fresh interpreter."""
    command = [sys.executable, __file__, "--peak-of", path]
    flags = (["--strip"] if strip else []) + (["--full-decode"] if full else [])
    answer = subprocess.run([*command, *flags], capture_output=True, text=True)
    if answer.returncode:
        sys.exit(answer.stderr)
    return answer.stdout.strip()


def _high_water_kb() -> int:
    """This process's peak RSS (VmHWM: ru_maxrss would carry the forking parent's peak)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1])


def report_peak(path: str, strip: bool, full: bool) -> None:
    """The child's side of peak_growth: what it holds before the call is its baseline."""
    with open(path, "rb") as handle:
        data = handle.read()
    before = _high_water_kb()
    with full_decode(full):
        check(data, strip)
    print(f"{(_high_water_kb() - before) / 1024:.0f}")


def draft_hash_distances() -> list[tuple[str, str]]:
    """Largest Hamming distances between the fingerprints of a full and a draft decode of the
    same JPEG: 4000×3000, 3000×4000, 2000×1500 and 1600×1200, quality 85, seven seeds."""
    worst: dict[str, list[int]] = {}
    for seed in range(1, 8):
        for size in ((4000, 3000), (3000, 4000), (2000, 1500), (1600, 1200)):
            data = photo("jpeg", size, seed, exif=False)
            kind = detect(data)
            pair = []
            for side in (None, HASH_SOURCE_SIDE):
                image = Image.open(io.BytesIO(data))
                decode(image, kind, side)
                pair.append(perceptual(reduced_upright(image, HASH_SOURCE_SIDE, 1)))
            full, draft = pair
            assert full is not None and draft is not None
            name = f"{size[0]}×{size[1]}"
            worst.setdefault(name, []).extend(
                [distance(full[0], draft[0]), distance(full[1], draft[1])]
            )
    return [
        (
            f"draft vs full decode, {name}: largest phash / dhash distance of 7 photos",
            f"{max(d[0::2])} / {max(d[1::2])} bits",
        )
        for name, d in worst.items()
    ]


def per_jpeg_draft(repeat: int) -> list[tuple[str, str]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (exif, strip) in DRAFT_PATHS.items():
            data = photo("jpeg", exif=exif)
            path = os.path.join(folder, "photo.jpg")
            with open(path, "wb") as handle:
                handle.write(data)
            for full in (True, False):
                label = "full decode (before)" if full else "draft decode (after)"
                with full_decode(full):
                    figure = timed_cpu(lambda data=data, strip=strip: check(data, strip), repeat)
                results.append(
                    (
                        f"12 MP JPEG, {name}, {label}: wall / CPU ms; peak RSS growth",
                        f"{figure}; {peak_growth(path, strip, full)} MB",
                    )
                )
    return results + draft_hash_distances()


def fill(session: Session, stored: int) -> Ticket:
    """One finding holding `stored` photo fingerprints (random hashes, as unrelated photos),
    packed into hash blocks as uploads pack them."""
    ticket = session.exec(select(Ticket).where(Ticket.code == "BENCH-EVIDENCE")).first()
    if ticket is None:
        unit = session.exec(select(Unit).where(Unit.code == "bench-town")).first() or create_unit(
            session, "bench-town", "测试乡", "township"
        )
        ticket = Ticket(
            code="BENCH-EVIDENCE",
            title="bench",
            responsible_unit_id=unit.id,
            state="rectifying",
            deadline=date(2026, 12, 31),
            original_deadline=date(2026, 12, 31),
        )
        session.add(ticket)
        session.flush()
    have = session.exec(
        select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket.id)
    ).one()
    rnd = random.Random(42)
    now = utcnow()
    for start in range(have, stored, duplicates.BLOCK_SIZE):
        rows = [
            {
                "ticket_id": ticket.id,
                "original_name": "p.jpg",
                "stored_name": f"{i:032x}.jpg",
                "content_type": "image/jpeg",
                "size": 1,
                "sha256": f"{i:064x}",
                "source_sha256": f"{i:064x}",
                "purpose": "after",
                "has_thumbnail": True,
                "created_at": now,
                "camera": "",
                "has_display": False,
                "phash": rnd.getrandbits(64) - (1 << 63),
                "dhash": rnd.getrandbits(64) - (1 << 63),
            }
            for i in range(start, min(stored, start + duplicates.BLOCK_SIZE))
        ]
        ids = session.scalars(insert(Attachment).returning(Attachment.id), rows).all()
        packed = b"".join(
            struct.pack("<qqq", i, r["phash"], r["dhash"]) for i, r in zip(ids, rows, strict=True)
        )
        session.add(PhotoHashBlock(count=len(rows), data=packed))
        session.flush()
    session.commit()
    return ticket


def lookup(app, stored: int, repeat: int) -> list[tuple[str, str]]:
    with app.app_context(), Session(get_engine(app)) as session:
        ticket = fill(session, stored)
        total = session.exec(select(func.count()).select_from(Attachment)).one()
        probe = Attachment(
            id=-1,
            ticket_id=ticket.id,
            source_sha256="f" * 64,
            phash=0x1234_5678_9ABC_DEF0,
            dhash=-0x0FED_CBA9_8765_4321,
        )
        found = duplicates.find_copies(session, probe)
        return [
            ("stored fingerprints", f"{total:,}"),
            (
                "duplicate look-up (find_copies: exact by SHA-256 + near by both hashes)",
                timed(lambda: duplicates.find_copies(session, probe), repeat),
            ),
            ("copies found for the probe", str(len(found))),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--skip-photos", action="store_true")
    parser.add_argument("--draft", action="store_true", help="JPEG draft decoding (issue 14)")
    parser.add_argument("--peak-of", help=argparse.SUPPRESS)
    parser.add_argument("--strip", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--full-decode", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_of:
        report_peak(args.peak_of, args.strip, args.full_decode)
        return
    app = create_app()
    migrate.upgrade(app)
    url = get_engine(app).url.render_as_string(hide_password=True)
    print(
        "command:",
        " ".join(
            f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k.startswith("TRACKER_")
        ),
        shlex.join([sys.executable, *sys.argv]),
    )
    print("database:", url)
    print("load average at start (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    results = floor(args.repeat)
    if args.draft:
        results += per_jpeg_draft(args.repeat)
    else:
        if not args.skip_photos:
            results += per_photo("jpeg", args.repeat) + per_photo("heif", args.repeat)
        results += lookup(app, args.stored, args.repeat)
    results += floor(args.repeat)
    print("load average at end (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print("\n| measure | ms, median [min–max] |\n|---|---|")
    for name, value in results:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
