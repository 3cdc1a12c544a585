"""Findings in from a spreadsheet (the vocabulary shared with the ledger export).

Import validates every row before writing anything: one bad row and nothing is filed, and every
bad row is reported with its spreadsheet row number and the reason. The export is
`ledger_export.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from io import BytesIO
from typing import IO, Any

from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from tracker.calendar.service import load_calendar
from tracker.calendar.workdays import WorkdayCalendar
from tracker.core.clock import local_date
from tracker.core.errors import ServiceError, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.inspections.models import Inspection
from tracker.org.models import Unit, User
from tracker.tickets import historical, service
from tracker.tickets.models import Category, Severity, Source
from tracker.tickets.schemas import TicketCreate, validate
from tracker.workflow.definition import WorkflowDefinition

# --- the spreadsheet's vocabulary --------------------------------------------------------------

SOURCE_NAMES: dict[str, str] = {
    Source.INSPECTION: "督查检查",
    Source.UNANNOUNCED: "督查暗访",
    Source.CENTRAL_INSPECTION: "中央巡视反馈",
    Source.ASSESSMENT: "成效考核反馈",
    Source.CITIZEN: "群众反映",
    Source.OTHER: "其他",
}
SEVERITY_NAMES: dict[str, str] = {
    Severity.LOW: "轻微",
    Severity.NORMAL: "一般",
    Severity.HIGH: "严重",
}
_SEVERITY_ALIASES: dict[str, str] = {
    "较轻": Severity.LOW,
    "普通": Severity.NORMAL,
    "较重": Severity.HIGH,
}

# Import columns: header → field. 标题 may be left out: the description's first line is used.
IMPORT_HEADERS: dict[str, str] = {
    "标题": "title",
    "问题描述": "description",
    "问题类别": "category",
    "问题来源": "source",
    "督查轮次": "inspection",
    "乡镇/村": "location_unit",
    "责任单位": "responsible_unit",
    "协办单位": "co_units",
    "责任人": "person_in_charge",
    "整改要求": "requirement",
    "整改时限": "deadline",
    "严重程度": "severity",
    "标签": "tags",
    "整改指标": "indicators",
}
# A past round's ledger (`--historical`) adds what became of each finding; the exported ledger's
# 整改状态, 完成时间 and 整改进展 columns read back as such.
HISTORY_HEADERS: dict[str, str] = {
    "交办日期": "filed_on",
    "整改状态": "state",
    "完成时间": "completed_on",
    "核查时间": "verified_on",
    "销号时间": "closed_on",
    "整改进展": "progress",
}
_HEADER_ALIASES = {
    "问题标题": "标题",
    "问题": "标题",
    "地点": "乡镇/村",
    "时限": "整改时限",
    "交办时间": "交办日期",
    "核查日期": "核查时间",
    "销号日期": "销号时间",
    "完成日期": "完成时间",
}
TEMPLATE_EXAMPLE = {
    "标题": "上庄村房前屋后垃圾堆未清理",
    "问题描述": "督查发现上庄村房前屋后垃圾堆 12 处，废旧农膜未回收",
    "问题类别": "垃圾堆",
    "问题来源": "督查检查",
    "督查轮次": "",
    "乡镇/村": "上庄村",
    "责任单位": "青山乡",
    "协办单位": "县农业农村局",
    "责任人": "张三",
    "整改要求": "7日内清理完毕，建立长效保洁机制",
    "整改时限": "10个工作日",
    "严重程度": "一般",
    "标签": "三堆,回头看",
    "整改指标": "清理垃圾堆:12堆；回收废旧农膜:3.5吨",
}
TEMPLATE_NOTES = [
    ("标题", "简短标题；不填则取问题描述第一行"),
    ("问题描述", "必填（或填标题）"),
    ("问题类别", "类别名称或代码，如 垃圾堆 / garbage_pile"),
    ("问题来源", "、".join(SOURCE_NAMES.values())),
    ("督查轮次", "督查轮次名称或编号，可空"),
    ("乡镇/村", "问题所在乡镇或村：单位名称或代码"),
    ("责任单位", "必填：单位名称或代码"),
    ("协办单位", "多个用 、 或 , 分隔"),
    ("整改时限", "日期（2026-06-30）或 N个工作日（按国家法定节假日和调休计算）"),
    ("严重程度", "、".join(SEVERITY_NAMES.values())),
    ("标签", "多个用 , 分隔"),
    ("整改指标", "名称:目标数量单位，多个用 ； 分隔，如 清理垃圾堆:12堆；拆除残垣断壁:300平方米"),
]

_LIST_SPLIT = re.compile(r"[、,，;；\n]+")
_INDICATOR_SPLIT = re.compile(r"[;；\n]+")
_INDICATOR = re.compile(
    r"^\s*(?P<name>[^:：]+?)\s*[:：]\s*(?P<target>\d+(?:\.\d+)?)?\s*(?P<unit>\S*)\s*$"
)
_WORKING_DAYS = re.compile(r"^\s*(\d+)\s*个?\s*工作日\s*$")
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


# --- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number, as Excel shows it
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    codes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fallback_years: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(ServiceError):
    """The file cannot be read as a findings sheet at all (no header, not an .xlsx)."""

    code, status = "import_refused", 422


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _refused_by_defusedxml(exc: BaseException) -> bool:
    """Whether defusedxml's refusal is behind `exc`: openpyxl wraps it in a ValueError ("could
    not read worksheets") while loading a workbook."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unsafe_xml() -> ImportRefused:
    return ImportRefused(
        _("the spreadsheet contains XML this import refuses (entity definitions)"),
        {"file": _("save the sheet again from Excel or WPS and upload that copy")},
    )


def _too_many_rows(limit: int) -> ImportRefused:
    return ImportRefused(
        _("the sheet has more than %(limit)s rows: split it into several imports", limit=limit),
        {"file": _("at most %(limit)s rows per import", limit=limit)},
    )


def read_rows(
    source: str | IO[bytes], max_rows: int = 0
) -> tuple[int, Iterator[tuple[int, dict[str, Any]]]]:
    """Open the workbook's first sheet; find the header row (within the first 10 rows).

    Returns (number of data rows at most, iterator of (row number, {header: value})); blank
    rows are skipped. A sheet longer than `max_rows` data rows (0: no cap) is refused, before
    reading when its dimension says so, else when reading reaches the cap. XML is parsed with
    defusedxml (openpyxl uses it when installed): entity tricks (billion laughs) are refused.
    """
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-xlsx file
        if _refused_by_defusedxml(exc):
            raise _unsafe_xml() from exc
        raise ImportRefused(
            _("not an .xlsx spreadsheet"), {"file": _("expected an Excel .xlsx file")}
        ) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    columns: dict[int, str] | None = None
    header_row = 0
    try:
        for number, values in enumerate(rows, start=1):
            names = [_HEADER_ALIASES.get(_text(v), _text(v)) for v in values]
            if "责任单位" in names:
                known = IMPORT_HEADERS.keys() | HISTORY_HEADERS.keys()
                columns = {i: n for i, n in enumerate(names) if n in known}
                header_row = number
                break
            if number >= 10:
                break
    except DefusedXmlException as exc:
        workbook.close()
        raise _unsafe_xml() from exc
    if columns is None:
        workbook.close()
        raise ImportRefused(
            _("no header row with %(column)s in the first 10 rows", column="责任单位"),
            {"file": _("the first sheet needs a header row (download the template)")},
        )
    total = max(0, (sheet.max_row or header_row) - header_row)
    if max_rows and total > max_rows:
        workbook.close()
        raise _too_many_rows(max_rows)

    def generate() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, values in enumerate(rows, start=header_row + 1):
                if max_rows and number - header_row > max_rows:
                    raise _too_many_rows(max_rows)  # the sheet's dimension understated it
                record = {name: values[i] for i, name in columns.items() if i < len(values)}
                if any(_text(v) for v in record.values()):
                    yield number, record
        except DefusedXmlException as exc:
            raise _unsafe_xml() from exc
        finally:
            workbook.close()

    return total, generate()


@dataclass
class _Lookups:
    """Names and codes of units, categories and inspections, loaded once per import."""

    units: dict[str, list[Unit]]
    categories: dict[str, list[Category]]
    inspections: dict[str, list[Inspection]]

    @classmethod
    def load(cls, session: Session) -> _Lookups:
        units: dict[str, list[Unit]] = {}
        for unit in session.exec(select(Unit).where(Unit.is_active)):
            units.setdefault(unit.code, []).append(unit)
            if unit.name != unit.code:
                units.setdefault(unit.name, []).append(unit)
        categories: dict[str, list[Category]] = {}
        for category in session.exec(select(Category)):
            for key in {category.code, category.name_zh, category.name_en}:
                categories.setdefault(key, []).append(category)
        inspections: dict[str, list[Inspection]] = {}
        for inspection in session.exec(select(Inspection)):
            inspections.setdefault(str(inspection.id), []).append(inspection)
            inspections.setdefault(inspection.title, []).append(inspection)
        return cls(units, categories, inspections)

    def category(self, name: str, problems: list[str]) -> str | None:
        """The code of the active category `name` names; None, with the problem noted, if none."""
        found = _only(self.categories.get(name, []))
        if found is None:
            problems.append(_problem("问题类别", _("unknown category %(code)s", code=quoted(name))))
        elif not found.is_active:
            problems.append(
                _problem(
                    "问题类别",
                    _("category %(code)s is disabled: choose another", code=quoted(name)),
                )
            )
        else:
            return found.code
        return None

    def inspection(self, name: str, problems: list[str]) -> int | None:
        """The id of the round `name` names (its id or title); None, with the problem noted."""
        found = _only(self.inspections.get(name, []))
        if found is None:
            problems.append(_problem("督查轮次", _("unknown inspection %(id)s", id=quoted(name))))
            return None
        return found.id

    def unit(self, name: str, column: str, problems: list[str]) -> str | None:
        found = self.units.get(name, [])
        if not found:
            problems.append(_problem(column, _("unknown unit %(code)s", code=quoted(name))))
            return None
        if len({u.id for u in found}) > 1:
            problems.append(
                _problem(
                    column, _("%(name)s names several units; use the unit code", name=quoted(name))
                )
            )
            return None
        return found[0].code


def _problem(column: str, message: str) -> str:
    """A row's problem, named by its column (the sheet's own Chinese header)."""
    return _("%(column)s: %(message)s", column=column, message=message)


def quoted(text: str) -> str:
    """A cell's text quoted as the reader's language quotes: “人居环境” or "garbage"."""
    return _('"%(value)s"', value=text)


def row_problem(error: RowError) -> str:
    """A bad row as one line (the CLI prints these): "第 3 行，问题类别：…"; row 0 stands for
    the sheet as a whole."""
    if not error.row:
        return error.reason
    return _("row %(row)d: %(reason)s", row=error.row, reason=error.reason)


def _as_date(value: Any) -> date | None:
    """A cell as a date (a date cell, or text such as 2026-06-30 or 2026年6月30日), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE_TEXT.match(_text(value))
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    return None


def _deadline(value: Any, problems: list[str]) -> dict[str, Any]:
    text = _text(value)
    if not text:
        problems.append(_problem("整改时限", _("required (a date or N working days)")))
        return {}
    day = _as_date(value)
    if day is not None:
        return {"deadline": day}
    if text.isdigit():
        return {"deadline_working_days": int(text)}
    match = _WORKING_DAYS.match(text)
    if match:
        return {"deadline_working_days": int(match.group(1))}
    problems.append(
        _problem(
            "整改时限", _("%(value)s is neither a date nor N working days", value=quoted(text))
        )
    )
    return {}


def _indicators(value: Any, problems: list[str]) -> list[dict[str, Any]]:
    items = []
    for part in _INDICATOR_SPLIT.split(_text(value)):
        if not part.strip():
            continue
        match = _INDICATOR.match(part)
        if match is None:
            problems.append(
                _problem(
                    "整改指标",
                    _(
                        "%(value)s is not in the form %(form)s",
                        value=quoted(part.strip()),
                        form="名称:数量单位",
                    ),
                )
            )
            continue
        target = match.group("target")
        items.append(
            {
                "name": match.group("name"),
                "unit": match.group("unit"),
                "target": float(target) if target else None,
            }
        )
    return items


def _only(found: list[Any]) -> Any | None:
    """The one record a name in the sheet refers to; None when it names none or several."""
    return found[0] if len(found) == 1 else None


def _member(
    text: str, names: Mapping[str, str], enum: type[StrEnum], aliases: Mapping[str, str] = {}
) -> str | None:
    """The value of `enum` a cell names: by its name in the sheet (or an alias), or as is."""
    by_name = {name: key for key, name in names.items()} | dict(aliases)
    return by_name.get(text) or (text if text in {member.value for member in enum} else None)


# long: one block per spreadsheet column, in the sheet's order
def _row_to_data(record: dict[str, Any], lookups: _Lookups, problems: list[str]) -> dict:
    """Map one row's cells to TicketCreate input; names become codes; problems collected."""
    description = _text(record.get("问题描述"))
    title = _text(record.get("标题")) or description.split("\n", 1)[0][:200]
    data: dict[str, Any] = {"title": title, "description": description}
    if not title:
        problems.append(_problem("问题描述", _("required")))
    category = _text(record.get("问题类别"))
    if category:
        data["category"] = lookups.category(category, problems)
    source = _text(record.get("问题来源"))
    if source:
        data["source"] = _member(source, SOURCE_NAMES, Source)
        if data["source"] is None:
            problems.append(
                _problem("问题来源", _("unknown source %(source)s", source=quoted(source)))
            )
    inspection = _text(record.get("督查轮次"))
    if inspection:
        data["inspection_id"] = lookups.inspection(inspection, problems)
    location = _text(record.get("乡镇/村"))
    if location:
        data["location_unit"] = lookups.unit(location, "乡镇/村", problems)
    responsible = _text(record.get("责任单位"))
    if responsible:
        data["responsible_unit"] = lookups.unit(responsible, "责任单位", problems)
    else:
        problems.append(_problem("责任单位", _("required")))
    co_units = [p.strip() for p in _LIST_SPLIT.split(_text(record.get("协办单位"))) if p.strip()]
    data["co_units"] = [code for code in (lookups.unit(n, "协办单位", problems) for n in co_units)]
    if data.get("responsible_unit") and data["responsible_unit"] in data["co_units"]:
        problems.append(_problem("协办单位", _("the responsible unit cannot also co-operate")))
    data["person_in_charge"] = _text(record.get("责任人"))
    data["requirement"] = _text(record.get("整改要求"))
    data.update(_deadline(record.get("整改时限"), problems))
    severity = _text(record.get("严重程度"))
    if severity:
        data["severity"] = _member(severity, SEVERITY_NAMES, Severity, _SEVERITY_ALIASES)
        if data["severity"] is None:
            problems.append(
                _problem("严重程度", _("unknown severity %(value)s", value=quoted(severity)))
            )
    data["tags"] = [t.strip() for t in re.split(r"[,，、;；]", _text(record.get("标签")))]
    data["indicators"] = _indicators(record.get("整改指标"), problems)
    return data


def _state_of(text: str, workflow: WorkflowDefinition) -> str | None:
    """A state named by its key or label (the export's 整改中（待核查） is 整改中)."""
    text = re.sub(r"[（(].*[)）]$", "", text).strip()
    for state in workflow.states.values():
        if text in (state.key, state.label_zh, state.label_en):
            return state.key
    return None


def _past_record(
    record: dict[str, Any], workflow: WorkflowDefinition, problems: list[str]
) -> historical.PastRecord | None:
    """What became of a past finding, from the history columns; None when a cell is unusable."""
    dates: dict[str, date | None] = {}
    for header in ("交办日期", "完成时间", "核查时间", "销号时间"):
        value = record.get(header)
        dates[header] = _as_date(value)
        if _text(value) and dates[header] is None:
            problems.append(
                _problem(header, _("%(value)s is not a date", value=quoted(_text(value))))
            )
    if dates["交办日期"] is None and not _text(record.get("交办日期")):
        problems.append(_problem("交办日期", _("required for a past finding")))
    finished = historical.finished_states(workflow)
    names = "、".join(workflow.states[key].label_zh for key in finished)
    state = _state_of(_text(record.get("整改状态")), workflow)
    if state is None:
        problems.append(_problem("整改状态", _("required: one of %(states)s", states=names)))
    elif state not in finished:
        problems.append(
            _problem(
                "整改状态",
                _(
                    "%(state)s is not finished: enter past findings as %(states)s, and open "
                    "ones by a plain import with a deadline from today on",
                    state=workflow.states[state].label_zh,
                    states=names,
                ),
            )
        )
    filed = dates["交办日期"]
    if filed is None or state not in finished:
        return None
    return historical.PastRecord(
        filed_on=filed,
        state=state,
        completed_on=dates["完成时间"],
        verified_on=dates["核查时间"],
        closed_on=dates["销号时间"],
        progress=_text(record.get("整改进展"))[:5000],
    )


def _schema_problems(error: ValidationFailed) -> list[str]:
    header_of = {v: k for k, v in IMPORT_HEADERS.items()}
    return [
        _problem(header_of.get(name.split(".")[0], name), message)
        for name, message in error.fields.items()
    ]


# long: validate all, then file all: both steps share the sheet's lookups and errors
def import_findings(
    session: Session,
    reporter: User,
    rows: Iterable[tuple[int, dict[str, Any]]],
    workflow: WorkflowDefinition,
    now: datetime,
    settings: service.Settings,
    progress: Callable[[int], None] | None = None,
    *,
    historical_rows: bool = False,
) -> ImportResult:
    """Validate every row; if all are good, file them all (the caller commits once).

    With any bad row, nothing is filed and `result.errors` names each bad row and why. The
    good sheet is filed in one batch (`service.file_tickets`: a few statements per thousand
    rows). `progress(n)` is called as rows are validated (one by one) and filed (a chunk at a
    time): 2 steps per row in all. `historical_rows`: a past round, entered as history
    (tracker/tickets/historical.py): dates in the past, final states, nothing announced.
    """
    service.check_may_file(reporter)
    if historical_rows:
        historical.check_may_import_history(reporter)
    result = ImportResult()
    lookups = _Lookups.load(session)
    today = local_date(now, settings.timezone)
    # A past round counts working days in past years: every stored override.
    calendar = (
        load_calendar(session) if historical_rows else service.deadline_calendar(session, today)
    )
    valid: list[TicketCreate] = []
    past: list[historical.PastRecord] = []
    for number, record in rows:
        result.rows += 1
        problems: list[str] = []
        data = _row_to_data(record, lookups, problems)
        given = _past_record(record, workflow, problems) if historical_rows else None
        if not problems:
            try:
                item = validate(TicketCreate, data)
                service.check_may_file_for(session, reporter, item.responsible_unit)
                if given is None:
                    service.resolve_deadline(
                        item, today, calendar, horizon_days=settings.deadline_horizon_days
                    )
                else:
                    problems += _history_problems(item, given, workflow, today, calendar)
                    past.append(given)
                valid.append(item)
            except ValidationFailed as error:
                problems.extend(_schema_problems(error))
        if problems:
            # The list separator in the reader's language ("；" in Chinese).
            result.errors.append(RowError(number, _("; ").join(problems)))
        if progress:
            progress(1)
    if result.rows == 0:
        result.errors.append(RowError(0, _("the sheet has no findings below its header row")))
    if result.errors:
        return result
    if historical_rows:
        tickets = historical.file_historical(
            session,
            reporter,
            list(zip(valid, past, strict=True)),
            workflow,
            now,
            settings,
            calendar,
            progress,
        )
        result.codes = [ticket.code for ticket in tickets]
        return result
    notes = service.FilingNotes()
    tickets = service.file_tickets(
        session,
        reporter,
        valid,
        workflow,
        now,
        settings,
        notes=notes,
        calendar=calendar,
        progress=progress,
    )
    result.codes = [ticket.code for ticket in tickets]
    result.fallback_years = notes.fallback_years
    return result


def _history_problems(
    item: TicketCreate,
    given: historical.PastRecord,
    workflow: WorkflowDefinition,
    today: date,
    calendar: WorkdayCalendar,
) -> list[str]:
    """A past finding's dates checked against each other, its deadline counted from filing."""
    if item.deadline is not None:
        deadline = item.deadline
    else:
        assert item.deadline_working_days is not None  # the row gave one or the other
        deadline = calendar.add_working_days(given.filed_on, item.deadline_working_days)
    record = historical.complete(given, workflow)
    return [
        _problem(column, message)
        for column, message in historical.problems_of(record, deadline, today)
    ]


def template_workbook() -> bytes:
    """A blank import sheet with the headers, one example row and a sheet of notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "问题清单"
    headers = list(IMPORT_HEADERS)
    sheet.append(headers)
    sheet.append([TEMPLATE_EXAMPLE[h] for h in headers])
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        width = 40 if header in ("问题描述", "整改要求", "整改指标") else 16
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for row in TEMPLATE_NOTES:
        notes.append(list(row))
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
