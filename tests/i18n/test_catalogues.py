"""The zh and en catalogues cover every user-facing string in the sources, and are compiled.

Re-run `scripts/i18n.sh` after adding strings, translate the new zh entries, run it again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "tracker" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def source_messages() -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _key(message) -> str | tuple[str, ...]:  # type: ignore[no-untyped-def]
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _strings(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)


def _translated(message) -> bool:  # type: ignore[no-untyped-def]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(strings) and all(strings) and not message.fuzzy


@pytest.fixture(scope="module")
def sources() -> set[str | tuple[str, ...]]:
    return source_messages()


def test_sources_have_messages(sources) -> None:  # type: ignore[no-untyped-def]
    assert len(sources) > 300
    assert "Responsible unit" in sources


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_source_string_is_translated(sources, lang) -> None:  # type: ignore[no-untyped-def]
    messages = {_key(m): m for m in catalogue(lang) if m.id}
    missing = sorted(str(s) for s in sources if s not in messages)
    untranslated = sorted(str(s) for s in sources if s in messages and not _translated(messages[s]))
    assert not missing, f"not in the {lang} catalogue (run scripts/i18n.sh): {missing}"
    assert not untranslated, f"untranslated or fuzzy in {lang}: {untranslated}"


def test_english_reads_in_english() -> None:
    leftovers = [str(m.string) for m in catalogue("en") if m.id and CJK.search(str(m.string or ""))]
    assert not leftovers


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compiled_catalogue_matches_the_po_file(lang) -> None:  # type: ignore[no-untyped-def]
    mo_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    with mo_path.open("rb") as handle:
        compiled = {_key(m): _strings(m) for m in read_mo(handle) if m.id}
    expected = {_key(m): _strings(m) for m in catalogue(lang) if m.id and _translated(m)}
    assert compiled == expected, f"{mo_path} is stale: run scripts/i18n.sh"
