"""Chinese text uses full-width punctuation: no ASCII ,:;?!() next to a Chinese character."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "tracker/translations/zh/LC_MESSAGES/messages.po"
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
HALF_WIDTH = re.compile(rf"[{CJK}][,:;?!()]|[,:;?!()][{CJK}]")


def test_zh_catalogue_uses_full_width_punctuation() -> None:
    with PO.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    bad = []
    for message in catalogue:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        bad.extend(text for text in texts if text and HALF_WIDTH.search(text))
    assert not bad, f"{len(bad)} zh entries with half-width punctuation: {bad[:5]}"
