"""A Word document laid out as GB/T 9704-2012 (党政机关公文格式) asks.

A4; margins 37 mm top, 35 mm bottom, 28 mm left (订口), 26 mm right: a 156 × 225 mm type area
of 22 lines × 28 characters in 三号 (16 pt) 仿宋. Title in 二号 小标宋, "一、" headings in 黑体,
"（一）" in 楷体; page numbers "— 1 —" in 四号 宋体, 7 mm below the type area, at the outer side
(odd pages right, even pages left, one character in). Fonts are set as East Asian fonts
(`w:eastAsia`); the font table names a substitute (`w:altName`) and the GB2312 character set for
each, so a machine without the official fonts still shows Chinese in a like face.

python-docx (with lxml, ~8 MB a worker) is loaded with this module: callers import it in the
function that writes a document, and take what describes one from tracker/documents/letterhead.py.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from tracker.core.safe_text import xml_text
from tracker.documents.letterhead import Letterhead, TableRow, cn_date

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
NOTE_PT = 14  # 四号: page numbers, 版记
# 225 mm / 22 lines = 10.23 mm = 28.95 pt; 156 mm / 28 characters = 15.79 pt.
LINE_PITCH_TWIPS = 579
LINE_PT = LINE_PITCH_TWIPS / 20
# 28 characters fill 442.2 pt only if each is narrowed by 0.21 pt: the body's character
# spacing, in twentieths of a point, rounded so that 28 still fit. (Word's character grid,
# `linesAndChars` with `charSpace`, does this too, but LibreOffice then sets 16 a line.)
CHAR_SPACING_TWIPS = -5
TYPE_AREA_PT = 156 / 25.4 * 72
RED = RGBColor(0xFF, 0x00, 0x00)
# Forms (表): the label column's width, the pictures' width, the line pitch of 四号 text.
TABLE_LABEL_MM = 32
PICTURE_MM = 36
TABLE_LINE_PT = 22

# Substitutes named in the font table, for machines without the official fonts.
FALLBACKS = {
    "方正小标宋简体": "宋体",
    "方正小标宋_GBK": "宋体",
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "黑体": "SimHei",
    "仿宋": "FangSong",
    "楷体": "KaiTi",
    "宋体": "SimSun",
}


def _set_fonts(rpr: CT_RPr, name: str) -> None:
    """Set every script of a run-properties element to `name`, dropping theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        if attribute.endswith("Theme"):
            del fonts.attrib[attribute]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _declare_fonts(document: DocxDocument, names: set[str]) -> None:
    """Add each font to the font table with its substitute and the GB2312 character set.

    python-docx keeps the font table as a plain part: parse its bytes, extend, write back.
    """
    part = next(
        p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")
    )
    root = etree.fromstring(part.blob)
    known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name in sorted(names - known):
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if FALLBACKS.get(name):
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), FALLBACKS[name])
        for tag, value in (("w:charset", "86"), ("w:family", "modern"), ("w:pitch", "fixed")):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _style(
    document: DocxDocument, name: str, font: str, size: float, *, indent: bool, bold: bool = False
) -> ParagraphStyle:
    """Restyle a built-in paragraph style: black, `font` at `size`, exact line pitch."""
    style = document.styles[name]
    rpr = style.element.get_or_add_rPr()
    for child in list(rpr):
        rpr.remove(child)
    _set_fonts(rpr, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False  # every page is filled with its 22 lines (撑满版心)
    if indent:
        fmt.first_line_indent = Pt(2 * BODY_PT)
    pPr = style.element.get_or_add_pPr()
    border = pPr.find(qn("w:pBdr"))
    if border is not None:
        pPr.remove(border)
    return style


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A field (e.g. PAGE) inside `paragraph`, showing `placeholder` until updated."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None)):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
    paragraph.add_run(placeholder)
    end = paragraph.add_run()
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), "end")
    end._r.append(element)


def _border(paragraph: Paragraph, side: str, color: str = "000000", size: int = 8) -> None:
    """A line above or below `paragraph` (size in eighths of a point)."""
    pPr = paragraph._p.get_or_add_pPr()
    borders = pPr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        pPr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1")):
        line.set(qn(key), value)
    line.set(qn("w:color"), color)
    borders.append(line)


class OfficialDocument:
    """Build a document paragraph by paragraph; `to_bytes()` adds the signature and 版记."""

    def __init__(self, letterhead: Letterhead) -> None:
        self.letterhead = letterhead
        settings = letterhead.settings
        self.document = document = Document()
        self._page_setup()
        body = _style(document, "Normal", settings.font_body, BODY_PT, indent=True)
        defaults = document.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                _set_fonts(rpr, settings.font_body)
        body.font.size = Pt(BODY_PT)
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
        body.element.get_or_add_rPr().append(spacing)
        _style(document, "Title", settings.font_title, TITLE_PT, indent=False)
        document.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.styles["Title"].paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
        _style(document, "Heading 1", settings.font_heading, BODY_PT, indent=True)
        _style(document, "Heading 2", settings.font_subheading, BODY_PT, indent=True)
        _declare_fonts(
            document,
            {
                settings.font_title,
                settings.font_body,
                settings.font_heading,
                settings.font_subheading,
                settings.font_page_number,
            },
        )
        self._page_numbers()
        self._head()

    # --- page -----------------------------------------------------------------------------

    def _page_setup(self) -> None:
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        # The page number's dash line sits 7 mm below the type area: 35 − 7 = 28 mm from the
        # bottom edge to its top, a 四号 line (about 6 mm) under that.
        section.footer_distance = Mm(22)
        section.header_distance = Mm(15)
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))

    def _page_numbers(self) -> None:
        """ "— n —" in 四号 宋体: odd pages at the right, even pages at the left, one
        character in from the edge of the type area."""
        self.document.settings.odd_and_even_pages_header_footer = True
        section = self.document.sections[0]
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            fmt = paragraph.paragraph_format
            fmt.alignment = align
            fmt.first_line_indent = Pt(0)
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                fmt.right_indent = Pt(NOTE_PT)
            else:
                fmt.left_indent = Pt(NOTE_PT)
            paragraph.add_run("— ")
            _field(paragraph, "PAGE", "1")
            paragraph.add_run(" —")
            for run in paragraph.runs:
                run.font.size = Pt(NOTE_PT)
                _set_fonts(run._r.get_or_add_rPr(), self.letterhead.settings.font_page_number)

    # --- 版头 and title -------------------------------------------------------------------

    def _line(
        self,
        text: str = "",
        *,
        align: WD_PARAGRAPH_ALIGNMENT | None = None,
        font: str | None = None,
        size: float | None = None,
        color: RGBColor | None = None,
    ) -> Paragraph:
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(0)
        if align is not None:
            paragraph.paragraph_format.alignment = align
        if text:
            run = paragraph.add_run(xml_text(text))
            if font:
                _set_fonts(run._r.get_or_add_rPr(), font)
            if size:
                run.font.size = Pt(size)
            if color is not None:
                run.font.color.rgb = color
        return paragraph

    def _head(self) -> None:
        """Red header (发文机关标志, 文号, red line) when set; else the 文号 alone; the title."""
        head = self.letterhead
        settings = head.settings
        center = WD_ALIGN_PARAGRAPH.CENTER
        if settings.header_title:
            size = min(36, int(TYPE_AREA_PT / max(1.0, _width(settings.header_title))))
            mark = self._line(
                settings.header_title, align=center, font=settings.font_title, size=size, color=RED
            )
            mark.paragraph_format.line_spacing = Pt(54)
            self._line()
            number = self._line(head.number, align=center)
            _border(number, "bottom", "FF0000", 12)
        elif head.number:
            self._line(head.number, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self._line()
        title = self.document.add_paragraph(xml_text(head.title), style="Title")
        title.paragraph_format.first_line_indent = Pt(0)
        self._line()
        if settings.recipients:
            self._line(settings.recipients.rstrip("：:") + "：")

    # --- body -----------------------------------------------------------------------------

    def heading(self, text: str) -> None:
        """A first-level heading ("一、…"), 黑体."""
        self.document.add_paragraph(xml_text(text), style="Heading 1")

    def subheading(self, text: str) -> None:
        """A second-level heading ("（一）…"), 楷体."""
        self.document.add_paragraph(xml_text(text), style="Heading 2")

    def paragraph(self, text: str, *, lead: str = "") -> None:
        """A body paragraph, first line indented two characters; `lead` starts it in 楷体
        (a run-in heading such as "一是…。")."""
        paragraph = self.document.add_paragraph()
        if lead:
            run = paragraph.add_run(xml_text(lead))
            _set_fonts(run._r.get_or_add_rPr(), self.letterhead.settings.font_subheading)
        paragraph.add_run(xml_text(text))

    def table(self, rows: Sequence[TableRow]) -> None:
        """A two-column form (label | content) across the type area, in 四号, with pictures
        (JPEG or PNG bytes) set after a row's text."""
        table = self.document.add_table(rows=0, cols=2)
        table.style = self.document.styles["Table Grid"]
        table.alignment = 1  # centred
        table.autofit = False
        label_width = Mm(TABLE_LABEL_MM)
        text_width = Mm(156 - TABLE_LABEL_MM)
        # The grid's widths are what LibreOffice lays out; the cells' are what Word does.
        table.columns[0].width, table.columns[1].width = label_width, text_width
        for row in rows:
            cells = table.add_row().cells
            cells[0].width, cells[1].width = label_width, text_width
            self._cell(cells[0], row.label, align=WD_ALIGN_PARAGRAPH.CENTER)
            self._cell(cells[1], row.text)
            if row.pictures:
                paragraph = self._cell_paragraph(cells[1], new=bool(row.text))
                for picture in row.pictures:
                    paragraph.add_run().add_picture(io.BytesIO(picture), width=Mm(PICTURE_MM))
                    paragraph.add_run(" ")

    def _cell(self, cell: _Cell, text: str, align: WD_PARAGRAPH_ALIGNMENT | None = None) -> None:
        for index, line in enumerate(text.split("\n") if text else [""]):
            paragraph = self._cell_paragraph(cell, new=index > 0)
            if align is not None:
                paragraph.paragraph_format.alignment = align
            run = paragraph.add_run(xml_text(line))
            run.font.size = Pt(NOTE_PT)

    @staticmethod
    def _cell_paragraph(cell: _Cell, *, new: bool) -> Paragraph:
        """The cell's first paragraph, or a new one after it; unindented, single pitch."""
        paragraph = cell.add_paragraph() if new else cell.paragraphs[0]
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Pt(0)
        fmt.line_spacing = Pt(TABLE_LINE_PT)
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
        return paragraph

    def ruled_table(self, rows: Sequence[Sequence[str]]) -> None:
        """A ruled table of figures across the type area, centred text in 四号; the first row
        is its header, in the heading face (the bulletin's ranking)."""
        if not rows:
            return
        table = self.document.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                paragraph = table.cell(r, c).paragraphs[0]
                fmt = paragraph.paragraph_format
                fmt.first_line_indent = Pt(0)
                fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
                fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
                run = paragraph.add_run(xml_text(text))
                run.font.size = Pt(NOTE_PT)
                if r == 0:
                    _set_fonts(run._r.get_or_add_rPr(), self.letterhead.settings.font_heading)

    # --- end ------------------------------------------------------------------------------

    def _signature(self) -> None:
        """发文机关署名 above the 成文日期, the date four characters in from the right and the
        name centred over it."""
        head = self.letterhead
        date_text = cn_date(head.issued_on)
        self._line()
        date_width = _width(date_text)
        name = head.settings.issuing_body
        if name:
            paragraph = self._line(name, align=WD_ALIGN_PARAGRAPH.RIGHT)
            offset = max(0.0, (date_width - _width(name)) / 2)
            paragraph.paragraph_format.right_indent = Pt(BODY_PT * (4 + offset))
        paragraph = self._line(date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 4)

    def _colophon(self) -> None:
        """版记: 抄送 and 印发机关/印发日期 between lines, in 四号, at the end."""
        settings = self.letterhead.settings
        printed_by = settings.printed_by or settings.issuing_body
        if not (settings.copy_to or printed_by):
            return
        self._line()
        rows = []
        if settings.copy_to:
            rows.append(f"抄送：{settings.copy_to.rstrip('。')}。")
        if printed_by:
            rows.append(f"{printed_by}\t{cn_date(self.letterhead.issued_on)}印发")
        for index, text in enumerate(rows):
            paragraph = self._line()
            fmt = paragraph.paragraph_format
            fmt.left_indent, fmt.right_indent = Pt(NOTE_PT), Pt(NOTE_PT)
            fmt.tab_stops.add_tab_stop(Mm(156) - Pt(2 * NOTE_PT), alignment=2)  # right
            run = paragraph.add_run(xml_text(text))
            run.font.size = Pt(NOTE_PT)
            if index == 0:
                _border(paragraph, "top")
            _border(paragraph, "bottom")

    def to_bytes(self, *, signed: bool = True, colophon: bool = True) -> bytes:
        """The document; `signed=False` leaves out the issuing body and date (a form carrying
        its own signature lines), `colophon=False` the 版记 (a notice to one unit)."""
        if signed:
            self._signature()
        if colophon:
            self._colophon()
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _width(text: str) -> float:
    """Width of `text` in characters of the body font (ASCII digits and letters are half)."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)
