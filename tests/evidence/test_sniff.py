"""Type detection by content: no database, no app."""

from __future__ import annotations

import io
import zipfile

import pytest

from tracker.evidence import sniff


@pytest.mark.parametrize("key", ["png", "jpeg", "webp", "pdf", "docx", "xlsx"])
def test_each_accepted_type_is_recognised_by_content(files, key) -> None:  # type: ignore[no-untyped-def]
    kind = sniff.detect(getattr(files, key)())
    assert kind is not None and kind.key == key


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,  # a Windows .exe
        b"<!doctype html><html><script>alert(1)</script></html>",
        b"\x7fELF\x02\x01\x01" + b"\x00" * 60,
        b"GIF89a\x01\x00\x01\x00",
        b"",
        b"PK\x03\x04 not really a zip",
        _zip(["hello.txt"]),  # a plain zip
        _zip(["[Content_Types].xml", "ppt/presentation.xml"]),  # pptx is not accepted
        _zip(["[Content_Types].xml", "word/document.xml", "xl/workbook.xml"]),  # ambiguous
        _zip(["word/document.xml"]),  # no content types
    ],
)
def test_anything_else_is_unknown(data: bytes) -> None:
    assert sniff.detect(data) is None
