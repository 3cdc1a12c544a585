"""Every form the server validates leaves validation to the server (`novalidate`), so all of a
form's errors come back in one round, worded in the user's language, instead of the browser
stopping at the first missing field in its own words (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b(?P<tag>[^>]*)>(?P<body>.*?)</form>", re.S)
# What makes a browser refuse a submission by itself, or a field the `field()` macro renders
# with the server's errors beside it.
CONSTRAINED = re.compile(
    r"\brequired\b|\bmaxlength=|\bpattern=|type=\"(date|email|number|url)\"|\{\{ field\("
)


def constrained_forms_without_novalidate() -> list[str]:
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in FORM.finditer(text):
            if CONSTRAINED.search(match.group("body")) and "novalidate" not in match.group("tag"):
                line = text.count("\n", 0, match.start()) + 1
                missing.append(f"{path.relative_to(TEMPLATES)}:{line}")
    return missing


def test_every_validated_form_has_novalidate() -> None:
    assert constrained_forms_without_novalidate() == []
