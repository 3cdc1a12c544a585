"""Locate the top-level `templates/`, `config/` and `migrations/` folders.

In a source checkout (and an editable install) they sit beside the package; a wheel ships them
inside the package under `_bundled/` (hatch `force-include`). Both installs resolve them here.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # tracker/, this module being tracker/core/


def resource_dir(name: str) -> Path:
    """Return the directory `name` (templates, config, migrations) for this install."""
    for candidate in (PACKAGE_DIR / "_bundled" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"resource folder {name!r} not found beside or inside the package")
