"""How the bulletin words a township's figures: in the catalogue's order and groups, paired
measures joined (tracker/tickets/indicator_catalog.py), and a verb shared by consecutive
figures said once ("清理垃圾堆12堆、粪土堆5堆"), as the county's own bulletin writes them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.tickets.indicator_catalog import Figure, IndicatorCatalog, Phrase

VERB_LENGTH = 2  # 清理, 拆除, 修缮: said once for consecutive figures that share it
# Groups that open a new sentence: the clean-up (庭院, 三堆, 废弃物) reads as one sentence, the
# building work as the next, greening as a third, as in the seed bulletin.
SENTENCE_BREAKS = ("房屋与墙体", "绿化", "")


def _clauses(phrases: list[Phrase]) -> list[str]:
    clauses: list[str] = []
    previous_verb = None
    for phrase in phrases:
        text = phrase.text()
        verb = phrase.name[:VERB_LENGTH] if len(phrase.name) > VERB_LENGTH + 1 else None
        if verb is not None and verb == previous_verb:
            clauses[-1] += "、" + text[VERB_LENGTH:]
        else:
            clauses.append(text)
        previous_verb = verb
    return clauses


def sentences(figures: Iterable[Figure], catalog: IndicatorCatalog, opening: str = "共") -> str:
    """The figures as sentences, the first opening with `opening`; "" when there are none."""
    runs: list[list[Phrase]] = []
    previous_group: str | None = None
    for phrase in catalog.arrange(figures):
        if not runs or (phrase.group != previous_group and phrase.group in SENTENCE_BREAKS):
            runs.append([])
        runs[-1].append(phrase)
        previous_group = phrase.group
    return "".join(
        (opening if index == 0 else "") + "，".join(_clauses(run)) + "。"
        for index, run in enumerate(runs)
    )
