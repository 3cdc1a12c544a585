"""Turn ASCII punctuation next to Chinese into full-width in the zh catalogue (，：；？！（）).

tests/i18n/test_punctuation.py fails on what this fixes; run this, then scripts/i18n.sh."""

from __future__ import annotations

import re
import sys
from pathlib import Path

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
# A parenthesis pair with Chinese inside or beside it; placeholders such as %(n)s are kept.
PAREN = re.compile(r"(?<!%)\(([^()]*)\)")
SINGLE = re.compile(rf"(?<=[{CJK}])[,:;?!]|[,:;?!](?=[{CJK}])")


def fix(text: str) -> str:
    def paren(match: re.Match[str]) -> str:
        start, end = match.span()
        around = text[max(0, start - 1) : start] + match.group(1) + text[end : end + 1]
        if re.search(f"[{CJK}]", around):
            return f"（{match.group(1)}）"
        return match.group(0)

    text = PAREN.sub(paren, text)
    return SINGLE.sub(lambda m: FULL[m.group(0)], text)


def main(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    in_msgstr = False
    for index, line in enumerate(lines):
        if line.startswith("msgstr"):
            in_msgstr = True
        elif line.startswith(("msgid", "#")) or not line.strip():
            in_msgstr = False
        if in_msgstr and '"' in line:
            head, _, rest = line.partition('"')
            lines[index] = head + '"' + fix(rest)
    path.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main(
        Path(
            sys.argv[1] if len(sys.argv) > 1 else "tracker/translations/zh/LC_MESSAGES/messages.po"
        )
    )
