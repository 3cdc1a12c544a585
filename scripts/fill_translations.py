"""Fill the English catalogue (msgids are English) and report what the Chinese one still lacks.

English msgstr = the msgid, without the Chinese glosses some msgids carry for translators
("Urgent reminder (催办)" → "Urgent reminder"), so English pages read fully in English.
Run by scripts/i18n.sh between `pybabel update` and `pybabel compile`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "tracker" / "translations"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
GLOSS = re.compile(r"\s*[(（][^()（）]*[\u3400-\u9fff][^()（）]*[)）]")
EN_OVERRIDES = {"堆, 吨, 户…": "piles, tonnes, households…"}


def english(text: str) -> str:
    return EN_OVERRIDES.get(text) or GLOSS.sub("", text)


def fill_english(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(english(part) for part in message.id)
        else:
            message.string = english(message.id)
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)


def missing_chinese(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    return [
        str(m.id)
        for m in catalog
        if m.id and (not all(m.string if isinstance(m.string, tuple) else [m.string]) or m.fuzzy)
    ]


def main() -> int:
    fill_english(ROOT / "en" / "LC_MESSAGES" / "messages.po")
    missing = missing_chinese(ROOT / "zh" / "LC_MESSAGES" / "messages.po")
    for msgid in missing:
        print(f"zh: untranslated: {msgid!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
