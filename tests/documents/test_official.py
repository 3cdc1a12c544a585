"""Official documents: GB/T 9704-2012 layout checked in the .docx and in LibreOffice's PDF,
and 文号 issued once per document, numbered within the year."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from helpers import NOW, pdf_info, pdf_text

from tracker.documents.letterhead import Letterhead
from tracker.documents.numbering import issue_number
from tracker.documents.official import OfficialDocument
from tracker.documents.settings import DocumentSettings

SETTINGS = DocumentSettings(
    header_title="示范县人大常委会办公室文件",
    recipients="各乡镇党委、政府",
    copy_to="县委办公室，县政府办公室",
)
PARAGRAPH = "青山乡结合环境集中整治日行动，动员各村农牧民群众积极参与，清理垃圾堆12堆。"
# 61 characters, no digits (half width): 26 after the indent, then a full line of 28.
LONG = (
    "各乡镇以乡村振兴为统领，以建设美丽乡村为方向，将绿化造林工作与人居环境综合整治统筹谋划，"
    "加强庭院绿化建设，扎实搞好四旁绿化。"
)


def _document(
    paragraphs: int = 3, settings: DocumentSettings = SETTINGS, text: str = PARAGRAPH
) -> bytes:
    head = Letterhead(
        "2026年第一轮督查情况通报", "县人大办〔2026〕7号", date(2026, 6, 15), settings
    )
    document = OfficialDocument(head)
    document.paragraph("近期，督查组对四个乡镇进行了督导检查。")
    document.heading("一、工作推进情况")
    document.subheading("（一）青山乡")
    for _ in range(paragraphs):
        document.paragraph(text)
    return document.to_bytes()


def _east_asia(style) -> str:  # type: ignore[no-untyped-def]
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_page_fonts_indent_page_numbers_and_number() -> None:
    document = docx.Document(io.BytesIO(_document()))
    section = document.sections[0]
    mm = [
        round(v.mm, 1)
        for v in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert mm == [210, 297, 37, 35, 28, 26]
    styles = document.styles
    assert _east_asia(styles["Normal"]) == "仿宋_GB2312"
    assert styles["Normal"].font.size == Pt(16)
    assert _east_asia(styles["Title"]) == "方正小标宋简体"
    assert styles["Title"].font.size == Pt(22)
    assert _east_asia(styles["Heading 1"]) == "黑体"
    assert _east_asia(styles["Heading 2"]) == "楷体_GB2312"
    assert styles["Heading 1"].font.color.rgb == docx.shared.RGBColor(0, 0, 0)
    assert styles["Normal"].paragraph_format.first_line_indent == Pt(32)  # two characters
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "示范县人大常委会办公室文件" and "县人大办〔2026〕7号" in texts
    assert "各乡镇党委、政府：" in texts and PARAGRAPH in texts
    assert "2026年6月15日" in texts and "示范县人大常委会办公室" in texts
    assert any(t.startswith("抄送：县委办公室，县政府办公室") for t in texts)
    # Page numbers: a PAGE field between dashes, odd pages right and even pages left.
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert "PAGE" in "".join(t.text for t in paragraph._p.iter(qn("w:instrText")))
    # The fonts have substitutes in the font table for machines without them.
    fonts = [p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")]
    table = fonts[0].blob.decode()
    assert 'w:name="仿宋_GB2312"' in table and 'w:val="仿宋"' in table


def test_without_red_header_the_number_stands_alone() -> None:
    document = docx.Document(io.BytesIO(_document(settings=DocumentSettings())))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "县人大办〔2026〕7号"
    assert "示范县人大常委会办公室文件" not in texts


def test_libreoffice_lays_out_22_lines_of_28_characters_on_a4(to_pdf) -> None:  # type: ignore[no-untyped-def]
    pdf = to_pdf(_document(paragraphs=40, text=LONG), ".docx")
    info = pdf_info(pdf)
    assert info["Page size"].strip().startswith("595.") and "841.8" in info["Page size"]
    pages = pdf_text(pdf)
    assert int(info["Pages"]) >= 3
    # A full page of body text (page 2): 22 lines; a full line holds 28 characters.
    lines = [line for line in pages[1].splitlines() if line.strip() and "—" not in line]
    assert len(lines) == 22
    assert max(len(line.strip()) for line in lines) == 28
    assert "— 2 —" in pdf_text(pdf, layout=True)[1] or "—2—" in pages[1].replace(" ", "")


@pytest.fixture
def register(db, county):  # type: ignore[no-untyped-def]
    def issue(key: str, year: int = 2026):  # type: ignore[no-untyped-def]
        entry = issue_number(db, key, "通报", SETTINGS, county.inspector, NOW, year)
        db.commit()
        return entry

    return issue


def test_numbers_are_issued_once_and_counted_per_year(register) -> None:  # type: ignore[no-untyped-def]
    first = register("bulletin:inspection-1")
    assert first.number == "县人大办〔2026〕1号"
    assert register("bulletin:inspection-1").number == "县人大办〔2026〕1号"
    assert register("bulletin:inspection-2").number == "县人大办〔2026〕2号"
    assert register("bulletin:inspection-3", year=2027).number == "县人大办〔2027〕1号"


def test_numbers_follow_those_already_issued(db, county, register) -> None:  # type: ignore[no-untyped-def]
    from tracker.documents.models import IssuedDocument

    db.add(IssuedDocument(key="other", year=2026, serial=1, number="x", issued_at=NOW))
    db.commit()
    assert register("bulletin:mine").serial == 2
