"""Section 二 of the bulletin (存在的主要问题): a draft written from the findings, which the
author edits (tracker/reports/bulletin_texts.py keeps the edited versions).

The draft: findings per top-level category with their leaf categories and a few typical
titles, then what is overdue, what rebounded and what was sent back at verification.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, over
from sqlmodel import Session, col, select

from tracker.reports.queries import group_of, load_units
from tracker.tickets.models import Category, Severity, Ticket
from tracker.tickets.queries import open_states
from tracker.workflow.registry import active_workflow

ORDINALS = "一二三四五六七八九十"
EXAMPLES_PER_GROUP = 3


def ordinal(index: int) -> str:
    return ORDINALS[index - 1] if 1 <= index <= len(ORDINALS) else str(index)


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


# long: counts, categories and typical titles read together: three queries, one result
def problem_groups(session: Session, condition: ColumnElement[bool]) -> list[ProblemGroup]:
    """Findings per top-level category, with per-category counts and a few typical titles."""
    is_open = col(Ticket.state).in_(open_states(active_workflow()))
    counts = session.exec(
        select(
            Ticket.category_id,
            func.count(col(Ticket.id)),
            func.sum(case((is_open, 1), else_=0)),
        )
        .where(condition)
        .group_by(col(Ticket.category_id))
    ).all()
    categories = {c.id: c for c in session.exec(select(Category))}
    severity = case((col(Ticket.severity) == Severity.HIGH.value, 1), else_=0)
    ranked = (
        select(
            Ticket.category_id,
            Ticket.title,
            Ticket.responsible_unit_id,
            over(
                func.row_number(),
                partition_by=col(Ticket.category_id),
                order_by=(
                    case((is_open, 1), else_=0).desc(),
                    severity.desc(),
                    col(Ticket.created_at).desc(),
                    col(Ticket.id).desc(),
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


def draft(groups: list[ProblemGroup], overdue: int, rebounds: int, rejections: int) -> list[str]:
    """Section 二's generated paragraphs: one per category group, then one on follow-through."""
    lines = [group.sentence(index) for index, group in enumerate(groups, start=1)]
    follow = []
    if overdue:
        follow.append(f"逾期未整改问题{overdue}个")
    if rebounds:
        follow.append(f"整改后反弹问题{rebounds}个")
    if rejections:
        follow.append(f"核查退回重新整改{rejections}次")
    if follow:
        lead = f"{ordinal(len(lines) + 1)}是整改落实还不到位。"
        lines.append(lead + "，".join(follow) + "，需进一步压实责任。")
    return lines
