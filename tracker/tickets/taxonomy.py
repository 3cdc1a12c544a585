"""The starting category taxonomy (from the bulletin's domain), loaded idempotently."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.tickets.models import Category

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
        c.code: c.id for c in session.exec(select(Category).where(Category.parent_id.is_(None)))
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
