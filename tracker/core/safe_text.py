"""User-written text made safe for the documents we write: spreadsheets and Word files.

Two dangers, both from text that is stored as typed and cannot be edited afterwards (history is
never rewritten): a cell that begins like a formula (`=HYPERLINK(...)`, `=WEBSERVICE(...)`) is
evaluated by the spreadsheet that opens the export (CSV/formula injection, OWASP), and a character
XML 1.0 forbids (ESC, vertical tab, NUL ...) makes openpyxl and python-docx refuse the whole
file. Both are handled at output, so an old row can never break an export again.
"""

from __future__ import annotations

import re
from typing import Any

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Leading characters that make Excel, LibreOffice or WPS read a cell as a formula (OWASP list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Prefixed to such a cell: an apostrophe is what a spreadsheet user types to mean "text".
TEXT_PREFIX = "'"


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (it cannot be written otherwise)."""
    return _XML_ILLEGAL.sub("", text)


def cell_value(value: Any) -> Any:
    """A value for a spreadsheet cell: text is XML-clean and never starts like a formula.

    Numbers, dates and None pass unchanged; only text can carry a formula.
    """
    if not isinstance(value, str):
        return value
    text = xml_text(value)
    if text.startswith(FORMULA_STARTS):
        return TEXT_PREFIX + text
    return text
