"""standard taxonomy: the indicator table, and the standard categories and indicators seeded

Revision ID: standard_taxonomy
Revises: outbox_claim_token
Create Date: 2026-12-03 04:10:00

A fresh install could import nothing: categories came only with `tracker demo`. The standard
lists (shared domain, frozen here as they were on this date) are seeded into EMPTY tables only,
so an office's own taxonomy is never overwritten.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "standard_taxonomy"
down_revision = "outbox_claim_token"
branch_labels = None
depends_on = None

# (code, name_zh, name_en, parent code, position)
CATEGORIES = [
    ("poverty", "脱贫攻坚", "Poverty alleviation", None, 100),
    ("medical", "基本医疗", "Basic medical care", "poverty", 101),
    ("education", "义务教育", "Compulsory education", "poverty", 102),
    ("housing", "安全住房", "Safe housing", "poverty", 103),
    ("water", "安全饮水", "Safe drinking water", "poverty", 104),
    ("safety_net", "兜底保障", "Social safety net", "poverty", 105),
    ("policy_awareness", "政策知晓率", "Policy awareness", "poverty", 106),
    ("records", "扶贫档案", "Files and records", "poverty", 107),
    ("environment", "人居环境", "Living environment", None, 200),
    ("garbage_pile", "垃圾堆", "Garbage piles", "environment", 201),
    ("firewood_pile", "柴草堆", "Firewood piles", "environment", 202),
    ("manure_pile", "粪土堆", "Manure piles", "environment", 203),
    ("plastic_film", "废旧农膜", "Waste plastic film", "environment", 204),
    ("dead_livestock", "病死畜禽", "Dead livestock", "environment", 205),
    ("livestock_waste", "畜禽废物", "Livestock waste", "environment", 206),
    ("farm_inputs", "农牧业投入品", "Farm inputs", "environment", 207),
    ("derelict_house", "废弃房屋", "Derelict houses", "environment", 208),
    ("ruined_wall", "残垣断壁", "Ruined walls", "environment", 209),
    ("toilet", "卫生厕所", "Sanitary toilets", "environment", 210),
    ("illegal_building", "乱搭乱建", "Illegal building", "environment", 211),
    ("untidy_yard", "庭院杂乱", "Untidy yards", "environment", 212),
    ("greening", "绿化", "Greening", "environment", 213),
    ("sewage", "污水", "Sewage", "environment", 214),
    ("garbage_collection", "垃圾清运", "Garbage collection", "environment", 215),
    ("epidemic", "疫情防控", "Epidemic prevention", None, 300),
    ("resumption", "复工复产", "Resumption of work", None, 400),
]

# (group_name, name, unit, is_paired, position)
INDICATORS = [
    ("庭院与三堆", "整治农牧户庭院", "户", False, 10),
    ("庭院与三堆", "清理垃圾堆", "堆", False, 20),
    ("庭院与三堆", "清理垃圾堆", "处", False, 30),
    ("庭院与三堆", "清理柴草堆", "堆", False, 40),
    ("庭院与三堆", "清理柴草堆", "处", False, 50),
    ("庭院与三堆", "清理粪土堆", "堆", False, 60),
    ("庭院与三堆", "清理粪土堆", "处", False, 70),
    ("庭院与三堆", "规整柴草", "堆", False, 80),
    ("废弃物", "清除废旧农膜", "吨", False, 90),
    ("废弃物", "处置病死畜禽", "只", False, 100),
    ("废弃物", "清除畜禽废物", "吨", False, 110),
    ("废弃物", "清理农牧业投入品", "吨", False, 120),
    ("房屋与墙体", "拆除废弃房屋", "间", False, 130),
    ("房屋与墙体", "拆除废弃房屋", "平方米", True, 140),
    ("房屋与墙体", "修缮破旧房屋", "间", False, 150),
    ("房屋与墙体", "拆除残垣断壁", "米", False, 160),
    ("房屋与墙体", "拆除残垣断壁", "处", False, 170),
    ("房屋与墙体", "拆除废弃棚圈", "处", False, 180),
    ("房屋与墙体", "改造文化院墙", "平方米", False, 190),
    ("房屋与墙体", "改造文化院墙", "米", False, 200),
    ("房屋与墙体", "改造彩钢围墙", "平方米", False, 210),
    ("房屋与墙体", "改造彩钢围墙", "米", False, 220),
    ("改厕", "新建户厕选址", "座", False, 230),
    ("改厕", "改建卫生厕所", "座", False, 240),
    ("绿化", "绿化美化村庄景观带", "亩", False, 250),
    ("绿化", "栽植苗木", "株", False, 260),
    ("绿化", "栽植苗木", "万株", False, 270),
    ("绿化", "栽植花卉", "株", False, 280),
    ("绿化", "栽植花卉", "万株", False, 290),
    ("绿化", "栽植花卉", "亩", False, 300),
]


def _seed_categories(connection: sa.Connection) -> None:
    category = sa.table(
        "category",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("name_en", sa.String),
        sa.column("parent_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("is_active", sa.Boolean),
    )
    if connection.execute(sa.select(sa.func.count()).select_from(category)).scalar():
        return
    ids: dict[str, int] = {}
    for code, name_zh, name_en, parent, position in CATEGORIES:
        result = connection.execute(
            category.insert()
            .values(
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                parent_id=ids[parent] if parent else None,
                position=position,
                is_active=True,
            )
            .returning(category.c.id)
        )
        ids[code] = result.scalar_one()


def upgrade() -> None:
    table = op.create_table(
        "standard_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("is_paired", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_indicator")),
        sa.UniqueConstraint("name", "unit", name=op.f("uq_standard_indicator_name_unit")),
    )
    _seed_categories(op.get_bind())
    op.bulk_insert(
        table,
        [
            {
                "group_name": group,
                "name": name,
                "unit": unit,
                "is_paired": paired,
                "position": position,
                "is_active": True,
            }
            for group, name, unit, paired, position in INDICATORS
        ],
    )


def downgrade() -> None:
    # Seeded categories stay: tickets may refer to them.
    op.drop_table("standard_indicator")
