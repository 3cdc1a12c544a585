"""The indicator catalogue orders figures as the bulletin does and joins paired measures."""

from __future__ import annotations

from tracker.tickets.indicator_catalog import Figure, IndicatorCatalog, format_number


def test_figures_in_catalogue_order_with_paired_measures_joined(db, county):  # type: ignore[no-untyped-def]
    catalog = IndicatorCatalog.load(db)
    figures = [
        Figure("修缮破旧房屋", "间", 3),
        Figure("拆除废弃房屋", "平方米", 420),
        Figure("自定指标", "个", 2),
        Figure("拆除废弃房屋", "间", 14),
        Figure("清理垃圾堆", "处", 5),
        Figure("清理垃圾堆", "堆", 12),
    ]
    phrases = catalog.arrange(figures)
    assert [p.text() for p in phrases] == [
        "清理垃圾堆12堆",
        "清理垃圾堆5处",  # an alternative unit, not a pair: its own phrase
        "拆除废弃房屋14间420平方米",
        "修缮破旧房屋3间",
        "自定指标2个",
    ]
    assert [p.group for p in phrases] == [
        "庭院与三堆",
        "庭院与三堆",
        "房屋与墙体",
        "房屋与墙体",
        "",
    ]


def test_an_unknown_unit_of_a_known_name_stays_beside_it(db, county):  # type: ignore[no-untyped-def]
    catalog = IndicatorCatalog.load(db)
    ordered = sorted(
        [("栽植苗木", "棵"), ("清除废旧农膜", "吨")], key=lambda f: catalog.sort_key(*f)
    )
    assert ordered == [("清除废旧农膜", "吨"), ("栽植苗木", "棵")]


def test_numbers_print_without_trailing_zeros() -> None:
    assert [format_number(v) for v in (14.0, 2.5, 0.25, 3.10)] == ["14", "2.5", "0.25", "3.1"]
