"""How the bulletin words a township's figures: in the order and groups offices use, with
paired measures joined ("拆除废弃房屋14间420平方米") and a shared verb said once
("清理垃圾堆12堆、粪土堆3堆").

The order follows the county's own bulletin (shared/domain): courtyards, the three heaps,
waste, buildings, toilets, greening. A name not listed comes after the listed ones, by name.
Issue 16's indicator catalogue will own this order; `rank` is the one place to switch.
"""

from __future__ import annotations

from dataclasses import dataclass

# (family, names by prefix): a family is one sentence in the paragraph.
CLEAN_UP, BUILDINGS, GREENING = 0, 1, 2
CATALOGUE: list[tuple[int, tuple[str, ...]]] = [
    (CLEAN_UP, ("整治农牧户", "督促整治", "整治房前屋后", "整治农牧户后院")),
    (CLEAN_UP, ("清理垃圾堆", "清理粪土堆", "清理柴草堆", "规整柴草", "清理三堆", "清理")),
    (CLEAN_UP, ("清除废旧农膜", "回收废旧农膜", "清除病死畜禽", "清除畜禽废物", "清除")),
    (BUILDINGS, ("拆除废弃房屋", "拆除残垣断壁", "修缮破旧房屋", "拆除废弃棚圈", "拆除")),
    (BUILDINGS, ("改造文化院墙", "改造", "改建卫生厕所", "新建户厕", "改厕", "改建", "新建")),
    (GREENING, ("绿化", "栽植苗木", "栽植", "种植花卉", "种植")),
]
# A second measure of the same thing: "拆除废弃房屋面积" pairs with "拆除废弃房屋".
PAIR_SUFFIXES = ("面积", "长度", "重量", "数量", "体积")
VERB_LENGTH = 2  # 清理, 拆除, 修缮: said once for consecutive figures that share it


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    value: float


def rank(name: str) -> tuple[int, int, int, str]:
    """Sort key: (family, group, position in group, name); unknown names last."""
    best: tuple[int, int, int, str] | None = None
    for group_index, (family, prefixes) in enumerate(CATALOGUE):
        for position, prefix in enumerate(prefixes):
            if name.startswith(prefix):
                key = (family, group_index, position, name)
                if best is None or key < best:
                    best = key
                break
    return best if best is not None else (len(CATALOGUE), 0, 0, name)


def _pair_base(name: str) -> str:
    for suffix in PAIR_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _amount(value: float, unit: str) -> str:
    value = round(float(value), 2)
    number = str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{number}{unit}"


def phrases(measures: list[Measure]) -> list[tuple[int, str, str]]:
    """(family, name, amounts) per thing measured, ordered; a pair's amounts are joined."""
    joined: dict[str, list[Measure]] = {}
    for measure in measures:
        joined.setdefault(_pair_base(measure.name), []).append(measure)
    result = []
    for base, items in joined.items():
        items.sort(key=lambda m: (m.name != base, m.name))  # the count first, then its area
        amounts = "".join(_amount(m.value, m.unit) for m in items)
        result.append((rank(base), base, amounts))
    result.sort(key=lambda r: r[0])
    return [(key[0], name, amounts) for key, name, amounts in result]


def sentences(measures: list[Measure], opening: str = "共") -> str:
    """The figures as the bulletin writes them: one sentence per family, the first one
    opening with `opening`; consecutive figures sharing a verb say it once."""
    families: dict[int, list[tuple[str, str]]] = {}
    for family, name, amounts in phrases(measures):
        families.setdefault(family, []).append((name, amounts))
    out = []
    for index, items in enumerate(families.values()):
        clauses: list[str] = []
        previous_verb = None
        for name, amounts in items:
            verb = name[:VERB_LENGTH] if len(name) > VERB_LENGTH + 1 else None
            if verb is not None and verb == previous_verb:
                clauses[-1] += f"、{name[VERB_LENGTH:]}{amounts}"
            else:
                clauses.append(f"{name}{amounts}")
            previous_verb = verb
        out.append((opening if index == 0 else "") + "，".join(clauses) + "。")
    return "".join(out)
