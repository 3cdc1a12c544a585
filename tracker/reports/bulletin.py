"""The bulletin (督查情况通报), written from the data in the shape of the county's own.

一、工作推进情况: per township, its own account of its measures (bulletin_texts), then the
figures its units achieved, in the office's order with paired measures joined
(figure_text), then what is still open; 二、存在的主要问题: the author's edited text, or a
draft from the findings (bulletin_problems); 三、下一步工作措施及建议: the round's text.

Two modes for a round: the whole round so far, or a period (`start`–`end`), whose figures are
those verified in the period, with those reported but not yet verified marked as such. Without
a round, the findings filed in a date range. The document is in Chinese whatever the interface
language, as the office publishes it. `blocks()` is what both the page and the .docx print.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from tracker.documents.letterhead import cn_date
from tracker.inspections.models import Inspection
from tracker.org.models import Unit, User
from tracker.reports.bulletin_problems import ProblemGroup, draft, problem_groups
from tracker.reports.bulletin_texts import RoundTexts, round_texts
from tracker.reports.figure_text import sentences
from tracker.reports.models import BulletinText
from tracker.reports.queries import (
    Context,
    UnitFigures,
    group_of,
    load_units,
    unit_figures,
    without_jit,
)
from tracker.tickets.indicator_catalog import Figure, IndicatorCatalog
from tracker.tickets.models import Indicator, Ticket
from tracker.tickets.scope import visibility_condition
from tracker.workflow.registry import active_workflow

HEADINGS = ("一、工作推进情况", "二、存在的主要问题", "三、下一步工作措施及建议")
TITLE_ENDINGS = ("督导检查", "督查检查", "督查", "检查")
NOT_WRITTEN = "（尚未填写）"


@dataclass
class Selection:
    """A round (optionally a period of it), or the findings filed in a date range."""

    inspection: Inspection | None = None
    start: date | None = None
    end: date | None = None

    @property
    def is_period(self) -> bool:
        return self.inspection is not None and self.start is not None and self.end is not None

    @property
    def dates(self) -> tuple[date, date]:
        """The first and last day of a period, or of a date range (which always has both)."""
        assert self.start is not None and self.end is not None
        return self.start, self.end

    def label(self) -> str:
        if self.inspection is not None:
            return self.inspection.title
        start, end = self.dates
        return f"{cn_date(start)}至{cn_date(end)}"

    def key(self) -> str:
        """What the document is, for its 文号 (the same bulletin keeps its number)."""
        parts = ["bulletin"]
        if self.inspection is not None:
            parts.append(f"inspection-{self.inspection.id}")
        if self.start and self.end:
            parts += [self.start.isoformat(), self.end.isoformat()]
        return ":".join(parts)


@dataclass(frozen=True)
class Block:
    """One printed paragraph: `kind` "heading" (一、), "subheading" (（一）), "paragraph" or
    "table"; `lead` starts a paragraph in the subheading face (a run-in heading); a table's
    `rows`, its header first."""

    kind: str
    text: str
    lead: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class TownshipSection:
    figures: UnitFigures
    catalog: IndicatorCatalog
    measures: list[Figure] = field(default_factory=list)  # verified
    reported: list[Figure] = field(default_factory=list)  # period mode: not verified yet
    account: BulletinText | None = None  # accepted
    pending: BulletinText | None = None  # submitted after it, awaiting acceptance

    @property
    def name(self) -> str:
        return self.figures.unit.name

    def sentence(self) -> str:
        c = self.figures.counts
        text = self.name
        if self.account is not None:
            account = self.account.text.replace("\n", "").strip()
            text += account if account.endswith(("。", "！", "；")) else account + "。"
        else:
            rate = self.figures.as_dict()["rectification_rate"]
            text += f"本期交办问题{self.figures.counted}个，已整改销号{c['done']}个"
            text += f"，整改完成率{fmt_number(rate)}%。" if rate is not None else "。"
        if self.measures:
            text += sentences(self.measures, self.catalog, "共" if self.account else "经核查，共")
        if self.reported:
            text += "另已上报待核查：" + sentences(self.reported, self.catalog, "")
        if c["open"]:
            text += f"尚有{c['open']}个问题正在整改"
            text += f"，其中逾期{c['overdue']}个。" if c["overdue"] else "。"
        return text


@dataclass
class Bulletin:
    title: str
    intro: str
    townships: list[TownshipSection]
    problems: list[ProblemGroup]  # the draft's groups
    problems_text: list[str]  # section 二 as printed
    problems_edited: BulletinText | None  # the edited version printed, if any
    problems_draft: list[str]
    next_steps: list[str]
    selection: Selection
    extra: list[Block] = field(default_factory=list)

    def blocks(self) -> list[Block]:
        out = [Block("paragraph", self.intro), Block("heading", HEADINGS[0])]
        out += [Block("paragraph", t.sentence()) for t in self.townships] or [
            Block("paragraph", "本期无交办问题。")
        ]
        out += self.extra
        out.append(Block("heading", HEADINGS[1]))
        out += [Block("paragraph", line) for line in self.problems_text]
        out.append(Block("heading", HEADINGS[2]))
        out += [Block("paragraph", line) for line in self.next_steps or [NOT_WRITTEN]]
        return out


# Other features add blocks at the end of section 一 (tracker/reports/bulletin_sections.py: the
# ranking table, the supervised findings): each is called with (session, user, bulletin,
# context, settings) and returns its blocks.
ExtraSection = Callable[[Session, User, Bulletin, Context, Mapping], list[Block]]
EXTRA_SECTIONS: list[ExtraSection] = []


def fmt_number(value: float) -> str:
    """12 → "12", 3.5 → "3.5", 0.125 → "0.13"."""
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def bulletin_title(selection: Selection) -> str:
    """ "2026年第一轮督导检查" → "2026年第一轮督查情况通报" (never "…督导检查督查情况通报")."""
    stem = selection.label().strip()
    for ending in TITLE_ENDINGS:
        if stem.endswith(ending) and len(stem) > len(ending):
            stem = stem[: -len(ending)]
            break
    title = f"{stem}督查情况通报"
    if selection.is_period:
        start, end = selection.dates
        title += f"（{cn_date(start)}至{cn_date(end)}）"
    return title


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _between(column: Mapped[Any], start: date, end: date, tz: str) -> ColumnElement[bool]:
    """`column` (a UTC timestamp) falls on a local date from `start` to `end` inclusive."""
    low, high = _local_midnight(start, tz), _local_midnight(end + timedelta(days=1), tz)
    return (column >= low) & (column < high)


def selection_condition(selection: Selection, tz: str) -> ColumnElement[bool]:
    if selection.inspection is not None:
        return col(Ticket.inspection_id) == selection.inspection.id
    return _between(col(Ticket.created_at), *selection.dates, tz)


def _measures_by_group(
    session: Session, condition: ColumnElement[bool], units: Mapping[int, Unit]
) -> dict[int, list[Figure]]:
    """Achieved figures of the tickets `condition` selects, summed per township and indicator."""
    stmt = (
        select(
            Ticket.responsible_unit_id, Indicator.name, Indicator.unit, func.sum(Indicator.achieved)
        )
        .join(Indicator, col(Indicator.ticket_id) == col(Ticket.id))
        .where(condition, col(Indicator.achieved).is_not(None))
        .group_by(col(Ticket.responsible_unit_id), col(Indicator.name), col(Indicator.unit))
    )
    sums: dict[int, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for unit_id, name, unit, total in session.exec(stmt):
        sums[group_of(units[unit_id], units).id][(name, unit)] += float(total or 0)
    return {
        group_id: [Figure(name, unit, value) for (name, unit), value in items.items()]
        for group_id, items in sums.items()
    }


def _intro(selection: Selection, groups: list[UnitFigures]) -> str:
    total = sum(g.counted for g in groups)
    done = sum(g.counts["done"] for g in groups)
    still_open = sum(g.counts["open"] for g in groups)
    overdue = sum(g.counts["overdue"] for g in groups)
    if selection.is_period:
        text = (
            f"{cn_date(selection.dates[0])}至{cn_date(selection.dates[1])}，督查组对{selection.label()}"
            f"交办问题的整改情况进行了跟踪督导。该轮共涉及{len(groups)}个乡镇（单位），"
            f"交办问题{total}个，截至目前已整改销号{done}个"
        )
    else:
        text = (
            f"{selection.label()}，督查组对{len(groups)}个乡镇（单位）的问题整改情况进行了督导检查，"
            f"共发现并交办问题{total}个，已整改销号{done}个"
        )
    if total:
        text += f"，整改完成率{fmt_number(round(100.0 * done / total, 1))}%"
    if still_open:
        text += f"，尚未整改{still_open}个"
        if overdue:
            text += f"，其中逾期{overdue}个"
    return text + "。现将督导检查情况通报如下："


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# long: the bulletin's sections in the order they are printed
def build_bulletin(
    session: Session, user: User, selection: Selection, now: datetime, config: Mapping
) -> Bulletin:
    """Compose the bulletin for what `user` may see of `selection`."""
    tz = config["TIMEZONE"]
    if session.get_bind().dialect.name == "postgresql":
        without_jit(session)
    condition = visibility_condition(session, user) & selection_condition(selection, tz)
    ctx = Context(
        base=select(Ticket).where(condition),
        workflow=active_workflow(),
        now=now,
        tz=tz,
        amber_days=int(config["AMBER_DAYS"]),
        dialect=session.get_bind().dialect.name,
    )
    units = load_units(session)
    groups = [g for g in unit_figures(session, ctx, units) if g.counted]
    verified: ColumnElement[bool] = col(Ticket.verified_at).is_not(None)
    reported: dict[int, list[Figure]] = {}
    if selection.is_period:
        start, end = selection.dates
        verified = _between(col(Ticket.verified_at), start, end, tz)
        not_yet = col(Ticket.verified_at).is_(None) | (
            col(Ticket.verified_at) >= _local_midnight(end + timedelta(days=1), tz)
        )
        in_period = _between(col(Ticket.completed_at), start, end, tz)
        reported = _measures_by_group(session, condition & in_period & not_yet, units)
    measures = _measures_by_group(session, condition & verified, units)
    texts = round_texts(session, selection.inspection.id) if selection.inspection else RoundTexts()
    catalog = IndicatorCatalog.load(session)
    townships = [
        TownshipSection(
            g,
            catalog,
            measures.get(g.unit.id, []),
            reported.get(g.unit.id, []),
            texts.accepted.get(g.unit.id),
            texts.pending.get(g.unit.id),
        )
        for g in groups
    ]
    groups_of_problems = problem_groups(session, condition)
    generated = draft(
        groups_of_problems,
        overdue=sum(g.counts["overdue"] for g in groups),
        rebounds=sum(g.counts["rebounds"] for g in groups),
        rejections=sum(g.counts["rejections"] for g in groups),
    )
    edited = texts.problems
    bulletin = Bulletin(
        title=bulletin_title(selection),
        intro=_intro(selection, groups),
        townships=townships,
        problems=groups_of_problems,
        problems_text=_lines(edited.text) if edited else generated,
        problems_edited=edited,
        problems_draft=generated,
        next_steps=_lines(selection.inspection.next_steps if selection.inspection else ""),
        selection=selection,
    )
    for extra in EXTRA_SECTIONS:
        bulletin.extra += extra(session, user, bulletin, ctx, config)
    return bulletin
