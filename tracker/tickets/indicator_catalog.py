"""The standard indicators (标准整改指标) as one ordered catalogue.

Figures reported on tickets are free (name, unit, value) triples; the catalogue gives them the
bulletin's order and grouping, and joins paired measures into one phrase, as offices write them:
"拆除废弃房屋14间420平方米", not "拆除废弃房屋14间，拆除废弃房屋420平方米". Figures the
catalogue does not know come after the known ones, by name then unit, in a group of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session

from tracker.tickets.categories import list_indicators
from tracker.tickets.models import StandardIndicator


@dataclass(frozen=True)
class Figure:
    """One summed figure: 清理垃圾堆, 堆, 12."""

    name: str
    unit: str
    value: float


@dataclass(frozen=True)
class Phrase:
    """Figures written together: one name with one or more (value, unit) parts."""

    group: str
    name: str
    parts: tuple[tuple[float, str], ...]

    def text(self) -> str:
        return self.name + "".join(f"{format_number(value)}{unit}" for value, unit in self.parts)


def format_number(value: float) -> str:
    """14.0 → "14", 2.50 → "2.5": figures as a bulletin prints them."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


@dataclass(frozen=True)
class _Entry:
    group: str
    position: int
    is_paired: bool


@dataclass
class IndicatorCatalog:
    """The standard indicators keyed by (name, unit), in catalogue order."""

    entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    active: list[StandardIndicator] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session) -> IndicatorCatalog:
        """Every standard indicator, disabled ones included (old figures keep their place)."""
        rows = list_indicators(session)
        return cls(
            entries={(r.name, r.unit): _Entry(r.group_name, r.position, r.is_paired) for r in rows},
            active=[r for r in rows if r.is_active],
        )

    def sort_key(self, name: str, unit: str) -> tuple[int, int, str, str]:
        """Known figures first in catalogue order, then unknown ones by name and unit."""
        entry = self.entries.get((name, unit))
        if entry is None:
            first = min(
                (e.position for (n, _u), e in self.entries.items() if n == name), default=None
            )
            return (1, 0, name, unit) if first is None else (0, first, name, unit)
        return (0, entry.position, name, unit)

    def group_of(self, name: str, unit: str) -> str:
        entry = self.entries.get((name, unit))
        return entry.group if entry else ""

    def arrange(self, figures: Iterable[Figure]) -> list[Phrase]:
        """Order figures by the catalogue and join each paired measure to the one before it."""
        ordered = sorted(figures, key=lambda f: self.sort_key(f.name, f.unit))
        phrases: list[Phrase] = []
        for figure in ordered:
            entry = self.entries.get((figure.name, figure.unit))
            previous = phrases[-1] if phrases else None
            if entry and entry.is_paired and previous and previous.name == figure.name:
                phrases[-1] = Phrase(
                    previous.group, previous.name, (*previous.parts, (figure.value, figure.unit))
                )
            else:
                phrases.append(
                    Phrase(
                        self.group_of(figure.name, figure.unit),
                        figure.name,
                        ((figure.value, figure.unit),),
                    )
                )
        return phrases
