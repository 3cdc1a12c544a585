"""Uploads on a full or read-only disk: 507 / 503 with a clear message, never a 500, and
nothing half-written (no file without its row, no row without its file, no history entry).

The disk is a real one where the test may mount it (root: a tmpfs of a few hundred KB, filled,
or remounted read-only); elsewhere the operating system's refusal is injected where it
surfaces, at `os.fsync` of the staged file. Either way the request meets a real OSError with
ENOSPC or EROFS from the file system layer, not a stand-in for our own code.
"""

from __future__ import annotations

import errno
import io
import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import IsolatedClient
from helpers import NOW, login
from PIL import Image
from sqlmodel import func, select

from tracker.auth.tokens import create_token
from tracker.evidence import storage
from tracker.evidence.cli import sweep_command
from tracker.evidence.models import Attachment
from tracker.tickets.models import EventKind, Ticket, TicketEvent

FILLER = "filler.bin"


def _photo(seed: int = 1) -> bytes:
    """A PNG of noise (incompressible: its size is predictable) with a JPEG thumbnail."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (96, 96), bytes(rng.randrange(256) for _ in range(96 * 96 * 3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _mount(path: Path, kilobytes: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(path)],
        capture_output=True,
    )
    return done.returncode == 0


def _fill(path: Path, leave_bytes: int) -> None:
    """Fill the tmpfs at `path` until `leave_bytes` (rounded to its blocks) remain free."""
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize
    (path / FILLER).write_bytes(b"\0" * max(0, free - leave_bytes))


class Disk:
    """The upload folder and a way to make it full or read-only."""

    def __init__(self, root: Path, real: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.real, self._monkeypatch = root, real, monkeypatch

    def _refuse_after(self, writes: int, code: int) -> None:
        calls = {"n": 0}
        original = os.fsync

        def fsync(fd: int) -> None:
            calls["n"] += 1
            if calls["n"] > writes:
                raise OSError(code, os.strerror(code))
            original(fd)

        self._monkeypatch.setattr(storage.os, "fsync", fsync)

    def full(self, room_for: int = 0) -> None:
        """No room left, or room for `room_for` bytes (one file, not its thumbnail too)."""
        if self.real:
            _fill(self.root, room_for)
        else:
            self._refuse_after(1 if room_for else 0, errno.ENOSPC)

    def read_only(self) -> None:
        if self.real:
            subprocess.run(["mount", "-o", "remount,ro", str(self.root)], check=True)
        else:
            self._refuse_after(0, errno.EROFS)

    def files(self) -> list[Path]:
        return [p for p in self.root.rglob("*") if p.is_file() and p.name != FILLER]


@pytest.fixture(params=["tmpfs", "injected"])
def disk(request, tmp_path, monkeypatch) -> Iterator[Disk]:  # type: ignore[no-untyped-def]
    root = tmp_path / "uploads"
    real = request.param == "tmpfs"
    if real and not _mount(root, 512):
        pytest.skip("mounting a tmpfs needs root (the injected variant runs instead)")
    try:
        yield Disk(root, real, monkeypatch)
    finally:
        if real:
            subprocess.run(["umount", "-l", str(root)], check=False)


@pytest.fixture
def world(disk, app_factory, county, make_ticket, db):  # type: ignore[no-untyped-def]
    """An app storing uploads on `disk`, a ticket in rectification and a token for its cadre."""
    app = app_factory(UPLOAD_DIR=str(disk.root))
    ticket = make_ticket()
    _row, token = create_token(db, county.cadre_a, "faults", NOW)
    db.commit()
    return app, ticket, token


def _nothing_written(db, disk: Disk, ticket: Ticket, version: int) -> None:  # type: ignore[no-untyped-def]
    db.expire_all()
    assert disk.files() == []
    assert db.exec(select(func.count()).select_from(Attachment)).one() == 0
    kinds = db.exec(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)).all()
    assert EventKind.ATTACHMENT not in kinds
    assert db.get(Ticket, ticket.id).version == version


def _api_upload(app, ticket: Ticket, token: str, data: bytes):  # type: ignore[no-untyped-def]
    return IsolatedClient(app).post(
        f"/api/v1/tickets/{ticket.id}/attachments",
        data={"file": (io.BytesIO(data), "现场.png"), "purpose": "after"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )


def _signed_in(app, user) -> IsolatedClient:  # type: ignore[no-untyped-def]
    client = IsolatedClient(app)
    answer = login(client, user.username)
    assert answer.status_code == 302, answer.data[:300]
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


@pytest.mark.parametrize("room_for_one_file", [False, True], ids=["no-room", "thumbnail-too-big"])
def test_api_upload_on_a_full_disk_is_507_and_leaves_nothing(  # type: ignore[no-untyped-def]
    world, disk, db, room_for_one_file
):
    app, ticket, token = world
    data = _photo()
    disk.full(room_for=len(data) + 512 if room_for_one_file else 0)
    answer = _api_upload(app, ticket, token, data)
    assert answer.status_code == 507, answer.data[:300]
    assert answer.json["error"]["code"] == "insufficient_storage"
    assert "storage is full" in answer.json["error"]["message"]
    _nothing_written(db, disk, ticket, ticket.version)


def test_api_upload_on_a_read_only_disk_is_503_with_retry_after(world, disk, db):  # type: ignore[no-untyped-def]
    app, ticket, token = world
    disk.read_only()
    answer = _api_upload(app, ticket, token, _photo())
    assert answer.status_code == 503, answer.data[:300]
    assert answer.json["error"]["code"] == "unavailable"
    assert int(answer.headers["Retry-After"]) == 30
    _nothing_written(db, disk, ticket, ticket.version)


def test_page_upload_on_a_full_disk_says_so_and_leaves_nothing(world, disk, db, county):  # type: ignore[no-untyped-def]
    app, ticket, _token = world
    client = _signed_in(app, county.cadre_a)
    disk.full()
    files = [(io.BytesIO(_photo(seed)), f"{seed}.png") for seed in (1, 2)]
    answer = client.post(
        f"/tickets/{ticket.id}/attachments",
        data={"files": files, "purpose": "after"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "the storage is full. Nothing was saved." in answer.get_data(as_text=True)
    _nothing_written(db, disk, ticket, ticket.version)


def test_transition_with_files_on_a_full_disk_is_507_on_the_page(  # type: ignore[no-untyped-def]
    world, disk, db, county, move
):
    app, ticket, _token = world
    move(ticket, county.cadre_a, "accept")
    version = ticket.version
    client = _signed_in(app, county.cadre_a)
    disk.full(room_for=len(_photo()) + 512)  # the first file fits, the second does not
    answer = client.post(
        f"/tickets/{ticket.id}/transition",
        data={
            "transition": "report_completion",
            "comment": "已整改",
            "version": str(version),
            "purpose": "after",
            "files": [(io.BytesIO(_photo(seed)), f"{seed}.png") for seed in (1, 2)],
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 507
    assert "the storage is full. Nothing was saved." in answer.get_data(as_text=True)
    _nothing_written(db, disk, ticket, version)


def test_a_transaction_that_fails_after_the_files_were_written_leaves_none(  # type: ignore[no-untyped-def]
    app, db, county, make_ticket, move, tmp_path
):
    """The database refuses (a stale version) after the files were staged: no file remains."""
    ticket = make_ticket()
    move(ticket, county.cadre_a, "accept")
    client = _signed_in(app, county.cadre_a)
    answer = client.post(
        f"/tickets/{ticket.id}/transition",
        data={
            "transition": "report_completion",
            "comment": "已整改",
            "version": str(ticket.version - 1),
            "files": [(io.BytesIO(_photo()), "after.png")],
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 409
    root = Path(app.config["UPLOAD_DIR"])
    assert [p for p in root.rglob("*") if p.is_file()] == []
    assert db.exec(select(func.count()).select_from(Attachment)).one() == 0


def test_sweep_removes_files_a_dead_process_left_staged(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = Path(app.config["UPLOAD_DIR"]) / "files" / "ab" / "cd"
    folder.mkdir(parents=True)
    old, fresh = folder / ".staged-old", folder / ".staged-new"
    kept = folder / ("ab" * 16 + ".png")
    for path in (old, fresh, kept):
        path.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(kept, (day_ago, day_ago))
    with app.app_context():
        result = CliRunner().invoke(sweep_command, [])
    assert result.exit_code == 0, result.output
    assert "已删除 1 个暂存文件" in result.output  # the configured default: zh
    with app.app_context():
        result = CliRunner().invoke(sweep_command, ["--lang", "en"])
    assert "0 staged file(s) removed" in result.output
    assert not old.exists() and fresh.exists() and kept.exists()
