"""The bulletin (督查情况通报), written from the data in the shape of the county's real one.

一、工作推进情况: per township, its findings and the figures its units achieved (户, 堆, 吨 ...),
summed from the indicators of verified rectifications; 二、存在的主要问题: findings grouped by
category with counts and typical examples; 三、下一步工作措施及建议: the round's editable text.
Every number comes from the database. The document is in Chinese whatever the interface
language, as the office publishes it.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, over
from sqlmodel import Session, select

from tracker.inspections.models import Inspection
from tracker.org.models import Unit, User
from tracker.reports.queries import (
    Context,
    UnitFigures,
    group_of,
    load_units,
    unit_figures,
    without_jit,
)
from tracker.safe_text import xml_text
from tracker.tickets.models import Category, Indicator, Severity, Ticket
from tracker.tickets.queries import open_states
from tracker.tickets.scope import visibility_condition
from tracker.workflow.registry import active_workflow

HEADINGS = ("一、工作推进情况", "二、存在的主要问题", "三、下一步工作措施及建议")
ORDINALS = "一二三四五六七八九十"
EXAMPLES_PER_GROUP = 3


@dataclass
class Selection:
    """Which findings the bulletin covers: one inspection round, or those filed in a date range."""

    inspection: Inspection | None = None
    start: date | None = None
    end: date | None = None

    def label(self) -> str:
        if self.inspection is not None:
            return self.inspection.title
        return f"{cn_date(self.start)}至{cn_date(self.end)}"


@dataclass
class Figure:
    name: str
    unit: str
    value: float

    def text(self) -> str:
        return f"{self.name}{fmt_number(self.value)}{self.unit}"


@dataclass
class TownshipSection:
    figures: UnitFigures
    achieved: list[Figure] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.figures.unit.name

    def sentence(self) -> str:
        c = self.figures.counts
        rate = self.figures.as_dict()["rectification_rate"]
        text = f"{self.name}本期交办问题{self.figures.counted}个，已整改销号{c['done']}个"
        if rate is not None:
            text += f"，整改完成率{fmt_number(rate)}%"
        text += f"，尚未整改{c['open']}个"
        text += f"，其中逾期{c['overdue']}个。" if c["overdue"] else "。"
        if self.achieved:
            text += "经核查，共" + "，".join(f.text() for f in self.achieved) + "。"
        return text


@dataclass
class ProblemGroup:
    name: str
    count: int
    still_open: int
    parts: list[tuple[str, int]]
    examples: list[str]

    def sentence(self, index: int) -> str:
        text = f"{ordinal(index)}是{self.name}方面问题{self.count}个"
        if len(self.parts) > 1:
            text += "（" + "、".join(f"{name}{n}个" for name, n in self.parts) + "）"
        text += f"，尚未整改到位{self.still_open}个。" if self.still_open else "，已全部整改到位。"
        if self.examples:
            text += "如" + "；".join(self.examples) + "。"
        return text


@dataclass
class Bulletin:
    title: str
    intro: str
    townships: list[TownshipSection]
    problems: list[ProblemGroup]
    next_steps: list[str]
    selection: Selection


def fmt_number(value: float) -> str:
    """12 → "12", 3.5 → "3.5", 0.125 → "0.13"."""
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def cn_date(day: date | None) -> str:
    """2026-06-05 → "2026年6月5日"."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def ordinal(index: int) -> str:
    return ORDINALS[index - 1] if 1 <= index <= len(ORDINALS) else str(index)


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def selection_condition(selection: Selection, tz: str):  # type: ignore[no-untyped-def]
    if selection.inspection is not None:
        return Ticket.inspection_id == selection.inspection.id
    low = _local_midnight(selection.start, tz)
    high = _local_midnight(selection.end + timedelta(days=1), tz)
    return (Ticket.created_at >= low) & (Ticket.created_at < high)


def _achieved_by_group(
    session: Session, condition, units: Mapping[int, Unit]
) -> dict[int, list[Figure]]:  # type: ignore[no-untyped-def]
    """Achieved figures of verified rectifications, summed per township and indicator."""
    stmt = (
        select(
            Ticket.responsible_unit_id,
            Indicator.name,
            Indicator.unit,
            func.sum(Indicator.achieved),
        )
        .join(Indicator, Indicator.ticket_id == Ticket.id)
        .where(condition, Ticket.verified_at.is_not(None), Indicator.achieved.is_not(None))
        .group_by(Ticket.responsible_unit_id, Indicator.name, Indicator.unit)
    )
    sums: dict[int, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for unit_id, name, unit, total in session.exec(stmt):
        sums[group_of(units[unit_id], units).id][(name, unit)] += float(total or 0)
    return {
        group_id: [
            Figure(name, unit, value)
            for (name, unit), value in sorted(items.items(), key=lambda i: (i[0][1] != "户", i[0]))
        ]
        for group_id, items in sums.items()
    }


def _problem_groups(session: Session, condition) -> list[ProblemGroup]:  # type: ignore[no-untyped-def]
    """Findings per top-level category, with per-category counts and a few typical titles."""
    is_open = Ticket.state.in_(open_states(active_workflow()))
    counts = session.exec(
        select(
            Ticket.category_id,
            func.count(Ticket.id),
            func.sum(case((is_open, 1), else_=0)),
        )
        .where(condition)
        .group_by(Ticket.category_id)
    ).all()
    categories = {c.id: c for c in session.exec(select(Category))}
    severity = case((Ticket.severity == Severity.HIGH.value, 1), else_=0)
    ranked = (
        select(
            Ticket.category_id,
            Ticket.title,
            Ticket.responsible_unit_id,
            over(
                func.row_number(),
                partition_by=Ticket.category_id,
                order_by=(
                    case((is_open, 1), else_=0).desc(),
                    severity.desc(),
                    Ticket.created_at.desc(),
                    Ticket.id.desc(),
                ),
            ).label("n"),
        )
        .where(condition)
        .subquery()
    )
    examples = session.exec(
        select(ranked.c.category_id, ranked.c.title, ranked.c.responsible_unit_id, ranked.c.n)
        .where(ranked.c.n <= EXAMPLES_PER_GROUP)
        .order_by(ranked.c.category_id, ranked.c.n)
    ).all()
    units = load_units(session)

    def top(category_id: int | None) -> str:
        category = categories.get(category_id) if category_id else None
        if category is None:
            return "其他"
        parent = categories.get(category.parent_id) if category.parent_id else None
        return (parent or category).name_zh

    groups: dict[str, ProblemGroup] = {}
    for category_id, total, still_open in counts:
        group = groups.setdefault(top(category_id), ProblemGroup(top(category_id), 0, 0, [], []))
        group.count += int(total)
        group.still_open += int(still_open or 0)
        leaf = categories.get(category_id) if category_id else None
        group.parts.append((leaf.name_zh if leaf else "其他", int(total)))
    # One example from each of a group's biggest categories first, then a second from each.
    sizes = {category_id: int(total) for category_id, total, _ in counts}
    examples = sorted(examples, key=lambda e: (e[3], -sizes.get(e[0], 0), e[0] or 0))
    for category_id, title, unit_id, _n in examples:
        group = groups[top(category_id)]
        if len(group.examples) < EXAMPLES_PER_GROUP:
            township = group_of(units[unit_id], units).name
            group.examples.append(f"{township}“{title}”")
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.name))
    for group in ordered:
        group.parts.sort(key=lambda p: (-p[1], p[0]))
    return ordered


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
    achieved = _achieved_by_group(session, condition, units)
    townships = [TownshipSection(g, achieved.get(g.unit.id, [])) for g in groups]
    total = sum(g.counted for g in groups)
    done = sum(g.counts["done"] for g in groups)
    still_open = sum(g.counts["open"] for g in groups)
    overdue = sum(g.counts["overdue"] for g in groups)
    intro = (
        f"{selection.label()}，督查组对{len(groups)}个乡镇（单位）的问题整改情况进行了督导检查，"
        f"共发现并交办问题{total}个，已整改销号{done}个"
    )
    if total:
        intro += f"，整改完成率{fmt_number(round(100.0 * done / total, 1))}%"
    intro += f"，尚未整改{still_open}个，其中逾期{overdue}个。现将督导检查情况通报如下："
    text = selection.inspection.next_steps if selection.inspection else ""
    return Bulletin(
        title=f"{selection.label()}督查情况通报",
        intro=intro,
        townships=townships,
        problems=_problem_groups(session, condition),
        next_steps=[line.strip() for line in text.splitlines() if line.strip()],
        selection=selection,
    )


def to_docx(bulletin: Bulletin) -> bytes:
    """The bulletin as a Word document: a title, the three headings, and paragraphs."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.add_heading(xml_text(bulletin.title), level=0)
    document.add_paragraph(xml_text(bulletin.intro))
    document.add_heading(HEADINGS[0], level=1)
    for section in bulletin.townships:
        document.add_paragraph(xml_text(section.sentence()))
    if not bulletin.townships:
        document.add_paragraph("本期无交办问题。")
    document.add_heading(HEADINGS[1], level=1)
    for index, group in enumerate(bulletin.problems, start=1):
        document.add_paragraph(xml_text(group.sentence(index)))
    document.add_heading(HEADINGS[2], level=1)
    for line in bulletin.next_steps or ["（尚未填写）"]:
        document.add_paragraph(xml_text(line))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
