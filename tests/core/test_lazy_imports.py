"""Libraries only some requests need are imported by those requests, not with the app: each
costs every worker its memory (bench/RESULTS.md, round 5: numpy ~11 MB, python-docx with lxml
~8 MB, pillow-heif ~4 MB, Pillow's Image ~2 MB, openpyxl ~20 MB)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "imagehash", "pillow_heif", "PIL.Image", "docx", "lxml", "openpyxl")


def test_the_app_starts_without_the_heavy_libraries(tmp_path):  # type: ignore[no-untyped-def]
    script = (
        "import sys\n"
        "from tracker import create_app\n"
        f"create_app({{'TESTING': True, 'SECRET_KEY': 'x', 'UPLOAD_DIR': {str(tmp_path)!r},"
        f" 'DATABASE_URL': 'sqlite:///{tmp_path}/lazy.db'}})\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []
