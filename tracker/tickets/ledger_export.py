"""The ledger (台账) out to a spreadsheet that prints as it is.

A title row (what, whose, as of when), the header frozen and repeated on every printed page,
A4 landscape fitted to one page width, wrapped text, real Excel dates. 整改进展 is what the
responsible unit last reported (never a leader's remark); 核查人/核查意见 the last verification
step. Written streaming (openpyxl write-only), the related data of each chunk of rows loaded in
a fixed number of queries, so the query count grows with chunks, never per ticket.
"""

from __future__ import annotations

import math
from copy import copy
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import product
from typing import IO, Any, TypeVar, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.core.clock import local_date
from tracker.core.safe_text import cell_value
from tracker.inspections.models import Inspection
from tracker.org.models import LeaderCharge, Role, Unit, User
from tracker.tickets.ledger import SOURCE_NAMES
from tracker.tickets.models import Resolution, Ticket
from tracker.tickets.queries import SORTS, TicketFilter
from tracker.tickets.related import Related, load_related
from tracker.tickets.reported import (
    VERIFICATION_EFFECTS,
    Step,
    evidence_counts,
    figure,
    last_steps,
    unit_reports,
)
from tracker.tickets.status import ticket_status
from tracker.workflow.definition import WorkflowDefinition

_T = TypeVar("_T")

# (header, width in Excel characters). 21 columns, ~230 characters: fitted to the width of
# landscape A4 they print at about 60 %, which keeps 10 pt text readable.
LEDGER_COLUMNS: list[tuple[str, float]] = [
    ("序号", 5),
    ("问题编号", 15),
    ("督查轮次", 12),
    ("问题描述", 30),
    ("问题类别", 9),
    ("问题来源", 9),
    ("乡镇/村", 9),
    ("责任单位", 10),
    ("责任人", 7),
    ("整改要求", 22),
    ("原定时限", 11),
    ("延期后时限", 11),
    ("整改状态", 9),
    ("整改进展", 30),
    ("完成时间", 11),
    ("核查人", 7),
    ("核查意见", 16),
    ("销号时间", 11),
    ("退回次数", 9),
    ("佐证材料(数量)", 9),
    ("是否逾期", 9),
]
EVIDENCE_COLUMN = [name for name, _w in LEDGER_COLUMNS].index("佐证材料(数量)")
HEADER_ROW = 3  # title, scope line, header
DEFAULT_HEADING = "督查发现问题整改台账"
DATE_FORMAT = "yyyy-mm-dd"

OVERDUE_FILL = PatternFill("solid", start_color="FFF4CCCC", end_color="FFF4CCCC")
HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
_THIN = Side(style="thin", color="FF808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_ACROSS = Alignment(horizontal="centerContinuous", vertical="center")
_BODY = Font(name="宋体", size=10)
# Row heights are written, not left to the viewer: LibreOffice keeps a written sheet's rows
# one line high, hiding wrapped text. A line of 10 pt 宋体 takes 12.75 pt; a Chinese character
# about 1.8 width units of a column, a Latin letter or digit one (measured in LibreOffice's PDF).
LINE_HEIGHT_PT = 12.75
WIDE_CHAR = 1.8
_CHUNK = 500


@dataclass(frozen=True)
class LedgerTitle:
    """The first two printed rows: what the ledger is, and whose, as of which day."""

    heading: str
    scope: str
    as_of: date

    def line(self, count: int) -> str:
        return f"范围：{self.scope}　　共{count}个问题　　截至{_cn_date(self.as_of)}"


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ledger_title(
    session: Session, user: User, flt: TicketFilter, now: datetime, tz: str
) -> LedgerTitle:
    """The title of `user`'s export of `flt`: the unit filtered on, else the viewer's scope.

    The round's title is not looked up here: it is taken from the exported rows (a round the
    user cannot see never names the file), see `write_ledger`.
    """
    if flt.unit:
        unit = session.exec(select(Unit).where(Unit.code == flt.unit)).first()
        scope = f"{unit.name}（含下级单位）" if unit else flt.unit
    elif user.role == Role.CADRE and user.unit_id:
        unit = session.get(Unit, user.unit_id)
        scope = unit.name if unit else ""
    elif user.role == Role.LEADER and user.id:
        names = session.exec(
            select(Unit.name)
            .join(LeaderCharge, col(LeaderCharge.unit_id) == col(Unit.id))
            .where(LeaderCharge.user_id == user.id)
            .order_by(Unit.path)
        ).all()
        scope = "、".join(names) or "分管单位"
    else:
        scope = "全部"
    return LedgerTitle(DEFAULT_HEADING, scope, local_date(now, tz))


@dataclass
class _Facts:
    """What the rows of one chunk need beyond the tickets and `Related`."""

    reports: dict[int, str]  # ticket → the unit's latest report
    checks: dict[int, Step]  # ticket → the last verification step
    evidence: dict[int, int]  # ticket → number of files


def _setup_sheet(sheet: Any, rows: int) -> None:
    """Widths, frozen header, and the print settings: A4 landscape, one page wide, header
    repeated, margins in inches (Excel's unit), page numbers in the footer."""
    for index, (_name, width) in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(LEDGER_COLUMNS))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{last}{HEADER_ROW + max(rows, 1)}"
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = 9  # A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    margins = sheet.page_margins
    margins.left = margins.right = 0.4
    margins.top, margins.bottom = 0.6, 0.6
    margins.header = margins.footer = 0.3
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _title_rows(sheet: Any, title: LedgerTitle, count: int) -> None:
    width = len(LEDGER_COLUMNS)
    heading = [WriteOnlyCell(sheet, value=cell_value(title.heading))]
    heading[0].font = Font(name="黑体", size=16, bold=True)
    heading += [WriteOnlyCell(sheet) for _i in range(width - 1)]
    for cell in heading:
        cell.alignment = _ACROSS
    sheet.row_dimensions[1].height = 30
    sheet.append(heading)
    line = WriteOnlyCell(sheet, value=cell_value(title.line(count)))
    line.font = _BODY
    sheet.append([line])
    header = []
    sheet.row_dimensions[HEADER_ROW].height = 2 * LINE_HEIGHT_PT + 3
    for name, _width in LEDGER_COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(name="宋体", size=10, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BORDER
        header.append(cell)
    sheet.append(header)


def write_ledger(
    session: Session,
    stmt: SelectOfScalar[Ticket],
    sort: str,
    workflow: WorkflowDefinition,
    now: datetime,
    tz: str,
    amber_days: int,
    out: str | IO[bytes],
    title: LedgerTitle | None = None,
    base_url: str = "",
) -> int:
    """Write the tickets `stmt` selects (already scoped and filtered) as the ledger; return count.

    With `base_url`, each row's evidence count links to the finding's page.
    """
    ids = list(session.exec(_only(stmt, col(Ticket.id)).order_by(*SORTS[sort])))
    title = _round_heading(
        session, stmt, title or LedgerTitle(DEFAULT_HEADING, "全部", local_date(now, tz))
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("整改台账")
    _setup_sheet(sheet, len(ids))
    _title_rows(sheet, title, len(ids))
    styles = _styles(sheet)
    number = 0
    for start in range(0, len(ids), _CHUNK):
        chunk_ids = ids[start : start + _CHUNK]
        by_id = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(chunk_ids)))}
        tickets = [by_id[i] for i in chunk_ids if i in by_id]
        related = load_related(session, tickets)
        facts = _Facts(
            unit_reports(session, chunk_ids),
            last_steps(session, chunk_ids, workflow, VERIFICATION_EFFECTS),
            evidence_counts(session, chunk_ids),
        )
        for ticket in tickets:
            number += 1
            status = ticket_status(ticket, workflow, now, tz, amber_days)
            values = _Row(ticket, related, facts, workflow).values(number, status.is_overdue)
            sheet.row_dimensions[HEADER_ROW + number].height = _height(values)
            link = _link(base_url, ticket)
            sheet.append(_cells(sheet, styles, values, status.is_overdue, link))
        for ticket in tickets:  # keep memory flat on big exports
            session.expunge(ticket)
    workbook.save(out)
    return number


def _only(stmt: SelectOfScalar[Ticket], column: Mapped[_T]) -> SelectOfScalar[_T]:
    """`stmt` reading one column. It stays a SelectOfScalar (its rows are scalars), which
    SQLAlchemy's typing of `with_only_columns` cannot say."""
    return cast(SelectOfScalar[_T], stmt.with_only_columns(column))


def _round_heading(
    session: Session, stmt: SelectOfScalar[Ticket], title: LedgerTitle
) -> LedgerTitle:
    """ "<round>问题整改台账" when every exported finding belongs to one round (a round is
    named only through findings the user sees)."""
    rounds = session.exec(_only(stmt, col(Ticket.inspection_id)).distinct().limit(2)).all()
    if len(rounds) != 1 or rounds[0] is None:
        return title
    inspection = session.get(Inspection, rounds[0])
    if inspection is None:
        return title
    return replace(title, heading=f"{inspection.title}问题整改台账")


@dataclass
class _Row:
    ticket: Ticket
    related: Related
    facts: _Facts
    workflow: WorkflowDefinition

    def values(self, number: int, is_overdue: bool) -> list[Any]:
        ticket, related = self.ticket, self.related
        category = related.category(ticket.category_id)
        location = related.unit(ticket.location_unit_id)
        responsible = related.unit(ticket.responsible_unit_id)
        inspection = related.inspections.get(ticket.inspection_id or 0)
        state = self.workflow.state(ticket.state)
        state_text = state.label("zh") if state else ticket.state
        if ticket.is_awaiting_verification:
            state_text += "（待核查）"
        figures = "；".join(
            f"{i.name} {figure(i.achieved)}/{figure(i.target)}{i.unit}"
            for i in related.indicators.get(ticket.id, [])
        )
        report = self.facts.reports.get(ticket.id, "")
        check = self.facts.checks.get(ticket.id)
        description = ticket.title
        if ticket.description and ticket.description != ticket.title:
            description = f"{ticket.title}\n{ticket.description}"
        extended = ticket.deadline if ticket.deadline != ticket.original_deadline else None
        closed = ticket.closed_on if ticket.resolution == Resolution.DONE else None
        return [
            number,
            ticket.code,
            inspection.title if inspection else "",
            description,
            category.name_zh if category else "",
            SOURCE_NAMES.get(ticket.source, ticket.source),
            location.name if location else "",
            responsible.name if responsible else "",
            ticket.person_in_charge,
            ticket.requirement,
            ticket.original_deadline,
            extended,
            state_text,
            "\n".join(p for p in (report, figures) if p),
            ticket.completed_on,
            check.who if check else "",
            check.opinion if check else "",
            closed,
            ticket.rejection_count,
            self.facts.evidence.get(ticket.id, 0),
            "是" if is_overdue else "否",
        ]


def _link(base_url: str, ticket: Ticket) -> str | None:
    return f"{base_url.rstrip('/')}/tickets/{ticket.id}" if base_url else None


def _lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` units wide."""
    per_line = max(1.0, width - 1)
    return sum(
        max(1, math.ceil(sum(1 if ord(ch) < 128 else WIDE_CHAR for ch in part) / per_line))
        for part in text.split("\n")
    )


def _height(values: list[Any]) -> float:
    lines = max(
        _lines(value, width)
        for value, (_name, width) in zip(values, LEDGER_COLUMNS, strict=True)
        if isinstance(value, str)
    )
    return min(409, lines * LINE_HEIGHT_PT + 3)  # 409 pt: Excel's tallest row


def _styles(sheet: Any) -> dict[tuple[bool, bool], Any]:
    """The body cells' styles by (is a date, is overdue), built once per sheet: assigning font,
    border and fill to every cell hashes each of them again (2/3 of the export's time)."""
    styles = {}
    for is_date, is_overdue in product((False, True), repeat=2):
        cell = WriteOnlyCell(sheet)
        cell.alignment, cell.border, cell.font = _WRAP, _BORDER, _BODY
        if is_date:
            cell.number_format = DATE_FORMAT
        if is_overdue:
            cell.fill = OVERDUE_FILL
        styles[is_date, is_overdue] = cell._style
    return styles


def _cells(
    sheet: Any, styles: dict, values: list[Any], is_overdue: bool, link: str | None
) -> list[Any]:
    cells = []
    for index, value in enumerate(values):
        cell = WriteOnlyCell(sheet, value=cell_value(value))
        cell._style = copy(styles[isinstance(value, date), is_overdue])
        if index == EVIDENCE_COLUMN and link:
            cell.hyperlink = link
        cells.append(cell)
    return cells
