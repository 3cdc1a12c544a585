"""The standard taxonomy (categories and indicators of the domain), loaded idempotently.

Migration standard_taxonomy seeds a fresh database with a frozen copy of these lists; the demo
and the tests (which build the schema from the models) load them with `ensure_taxonomy`.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tracker.tickets.models import Category, StandardIndicator

# (code, 中文, English, children)
TAXONOMY: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "poverty",
        "脱贫攻坚",
        "Poverty alleviation",
        [
            ("medical", "基本医疗", "Basic medical care"),
            ("education", "义务教育", "Compulsory education"),
            ("housing", "安全住房", "Safe housing"),
            ("water", "安全饮水", "Safe drinking water"),
            ("safety_net", "兜底保障", "Social safety net"),
            ("policy_awareness", "政策知晓率", "Policy awareness"),
            ("records", "扶贫档案", "Files and records"),
        ],
    ),
    (
        "environment",
        "人居环境",
        "Living environment",
        [
            ("garbage_pile", "垃圾堆", "Garbage piles"),
            ("firewood_pile", "柴草堆", "Firewood piles"),
            ("manure_pile", "粪土堆", "Manure piles"),
            ("plastic_film", "废旧农膜", "Waste plastic film"),
            ("dead_livestock", "病死畜禽", "Dead livestock"),
            ("livestock_waste", "畜禽废物", "Livestock waste"),
            ("farm_inputs", "农牧业投入品", "Farm inputs"),
            ("derelict_house", "废弃房屋", "Derelict houses"),
            ("ruined_wall", "残垣断壁", "Ruined walls"),
            ("toilet", "卫生厕所", "Sanitary toilets"),
            ("illegal_building", "乱搭乱建", "Illegal building"),
            ("untidy_yard", "庭院杂乱", "Untidy yards"),
            ("greening", "绿化", "Greening"),
            ("sewage", "污水", "Sewage"),
            ("garbage_collection", "垃圾清运", "Garbage collection"),
        ],
    ),
    ("epidemic", "疫情防控", "Epidemic prevention", []),
    ("resumption", "复工复产", "Resumption of work", []),
]


# (group, name, units): in the bulletin's order. "+" joins a paired measure written as one
# phrase (拆除废弃房屋14间420平方米); "|" separates alternative units of the same figure.
INDICATORS: list[tuple[str, str, str]] = [
    ("庭院与三堆", "整治农牧户庭院", "户"),
    ("庭院与三堆", "清理垃圾堆", "堆|处"),
    ("庭院与三堆", "清理柴草堆", "堆|处"),
    ("庭院与三堆", "清理粪土堆", "堆|处"),
    ("庭院与三堆", "规整柴草", "堆"),
    ("废弃物", "清除废旧农膜", "吨"),
    ("废弃物", "处置病死畜禽", "只"),
    ("废弃物", "清除畜禽废物", "吨"),
    ("废弃物", "清理农牧业投入品", "吨"),
    ("房屋与墙体", "拆除废弃房屋", "间+平方米"),
    ("房屋与墙体", "修缮破旧房屋", "间"),
    ("房屋与墙体", "拆除残垣断壁", "米|处"),
    ("房屋与墙体", "拆除废弃棚圈", "处"),
    ("房屋与墙体", "改造文化院墙", "平方米|米"),
    ("房屋与墙体", "改造彩钢围墙", "平方米|米"),
    ("改厕", "新建户厕选址", "座"),
    ("改厕", "改建卫生厕所", "座"),
    ("绿化", "绿化美化村庄景观带", "亩"),
    ("绿化", "栽植苗木", "株|万株"),
    ("绿化", "栽植花卉", "株|万株|亩"),
]


def indicator_rows() -> list[dict[str, Any]]:
    """INDICATORS as table rows: one per (name, unit), positions in steps of 10."""
    rows: list[dict[str, Any]] = []
    for group, name, units in INDICATORS:
        paired = "+" in units
        for index, unit in enumerate(units.replace("+", "|").split("|")):
            rows.append(
                {
                    "group_name": group,
                    "name": name,
                    "unit": unit,
                    "is_paired": paired and index > 0,
                    "position": (len(rows) + 1) * 10,
                }
            )
    return rows


def ensure_taxonomy(session: Session) -> int:
    """Add the standard categories and indicators that are missing; return how many were added."""
    added = ensure_categories(session)
    existing = set(session.exec(select(StandardIndicator.name, StandardIndicator.unit)).all())
    for row in indicator_rows():
        if (row["name"], row["unit"]) not in existing:
            session.add(StandardIndicator(**row))
            added += 1
    session.flush()
    return added


def ensure_categories(session: Session) -> int:
    """Add the taxonomy's categories that are missing; return how many were added."""
    existing = set(session.exec(select(Category.code)))
    added = 0
    for position, (code, zh, en, _children) in enumerate(TAXONOMY, start=1):
        if code not in existing:
            session.add(Category(code=code, name_zh=zh, name_en=en, position=position * 100))
            added += 1
    session.flush()
    parents = {
        c.code: c.id
        for c in session.exec(select(Category).where(col(Category.parent_id).is_(None)))
    }
    for index, (code, _zh, _en, children) in enumerate(TAXONOMY, start=1):
        for offset, (child, czh, cen) in enumerate(children, start=1):
            if child not in existing:
                session.add(
                    Category(
                        code=child,
                        name_zh=czh,
                        name_en=cen,
                        parent_id=parents[code],
                        position=index * 100 + offset,
                    )
                )
                added += 1
    session.flush()
    return added
