"""Township ranking out of 100 (百分制): a base, deductions (扣分) and bonuses (加分), each capped.

Every item is `points per unit × count`, held to its cap, then taken off (a deduction) or added
(a bonus); the total is the base plus the items. The counts come from
tracker/reports/ranking_counts.py; this module only does the arithmetic, so a test can check it
against a hand computation. Settings are the `[ranking]` section (config/default.toml).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.core.config import ConfigError
from tracker.org.models import Unit

# Deductions and bonuses in the order the page shows them, with the `[ranking]` key of their
# points per unit. Overdue-day bands (`overdue_days_N`) follow "overdue".
DEDUCTIONS = (
    ("overdue", "OVERDUE"),
    ("rejections", "REJECTIONS"),
    ("rebounds", "REBOUNDS"),
    ("returns_justified", "RETURNS_JUSTIFIED"),
    ("chases_unanswered", "CHASES_UNANSWERED"),
)
BONUSES = (
    ("closed_early", "ON_TIME_CLOSURE"),
    ("round_cleared", "ROUND_CLEARED"),
)
BAND_PREFIX = "overdue_days_"


@dataclass(frozen=True)
class Item:
    """One deduction or bonus: `sign` −1 or +1, points per counted thing, a cap (0: none)."""

    kind: str
    sign: int
    points: float
    cap: float
    days: int | None = None  # overdue bands: the days overdue from which a finding counts

    def score(self, count: int) -> float:
        raw = self.points * count
        if self.cap:
            raw = min(raw, self.cap)
        return round(self.sign * raw, 1) + 0.0  # + 0.0: never "-0.0"


@dataclass(frozen=True)
class RankingSettings:
    """The `[ranking]` section, read and checked once."""

    base: float
    items: tuple[Item, ...]
    on_time_against: str  # "original" or "extended": the deadline "early" is judged against
    early_days: int  # closed at least this many days before the deadline
    return_events: tuple[str, ...]  # transitions that mean a return was found justified
    chase_answer_days: int  # days a chase may wait for the unit's answer
    in_bulletin: bool = True  # the table is printed in the bulletin
    bulletin_top_bottom: int = 0  # 0: every township; N: the first N and the last N

    @classmethod
    def from_config(cls, config: Mapping) -> RankingSettings:
        section = {k.upper(): v for k, v in config.get("RANKING", {}).items()}

        def number(key: str, default: float = 0.0) -> float:
            value = section.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"[ranking] {key.lower()}: must be a number ≥ 0, not {value!r}")
            return float(value)

        items = []
        for kind, key in DEDUCTIONS:
            items.append(Item(kind, -1, number(key), number(f"{key}_CAP")))
            if kind == "overdue":
                items.extend(_bands(section, number("OVERDUE_BAND_CAP")))
        for kind, key in BONUSES:
            items.append(Item(kind, 1, number(key), number(f"{key}_CAP")))
        against = section.get("ON_TIME_AGAINST", "original")
        if against not in ("original", "extended"):
            raise ConfigError(
                f"[ranking] on_time_against: 'original' or 'extended', not {against!r}"
            )
        events = section.get("RETURN_JUSTIFIED_EVENTS", [])
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise ConfigError("[ranking] return_justified_events: a list of transition names")
        in_bulletin = section.get("IN_BULLETIN", True)
        if not isinstance(in_bulletin, bool):
            raise ConfigError(f"[ranking] in_bulletin: true or false, not {in_bulletin!r}")
        return cls(
            base=number("BASE", 100),
            items=tuple(items),
            on_time_against=against,
            early_days=int(number("EARLY_DAYS")),
            return_events=tuple(events),
            chase_answer_days=int(number("CHASE_ANSWER_DAYS")),
            in_bulletin=in_bulletin,
            bulletin_top_bottom=int(number("BULLETIN_TOP_BOTTOM")),
        )

    def item(self, kind: str) -> Item | None:
        return next((i for i in self.items if i.kind == kind), None)

    def formula(self) -> dict[str, Any]:
        """The formula as data (the API's `formula`; the page puts it in words)."""
        return {
            "base": self.base,
            "items": [
                {"kind": i.kind, "sign": i.sign, "points": i.points, "cap": i.cap or None}
                for i in self.items
            ],
            "on_time_against": self.on_time_against,
            "early_days": self.early_days,
            "chase_answer_days": self.chase_answer_days,
            "return_justified_events": list(self.return_events),
        }


def _bands(section: Mapping[str, Any], cap: float) -> list[Item]:
    days = section.get("OVERDUE_BAND_DAYS", [])
    points = section.get("OVERDUE_BAND_POINTS", [])
    if (
        not isinstance(days, list)
        or not isinstance(points, list)
        or len(days) != len(points)
        or not all(isinstance(d, int) and d > 0 for d in days)
        or not all(isinstance(p, int | float) and p >= 0 for p in points)
        or days != sorted(set(days))
    ):
        raise ConfigError(
            "[ranking] overdue_band_days and overdue_band_points: two lists of the same length, "
            "rising whole days > 0 and points ≥ 0"
        )
    return [
        Item(f"{BAND_PREFIX}{d}", -1, float(p), cap, d) for d, p in zip(days, points, strict=True)
    ]


@dataclass(frozen=True)
class Line:
    """One item of a township's score: how many, and the points they make (signed)."""

    kind: str
    count: int
    points: float


@dataclass
class Score:
    unit: Unit
    base: float
    lines: list[Line]
    rank: int = 0

    @property
    def total(self) -> float:
        return round(self.base + sum(line.points for line in self.lines), 1) + 0.0

    def as_dict(self) -> dict[str, Any]:
        """The API's and the bulletin's shape (DESIGN.md: `GET /api/v1/ranking`)."""
        return {
            "unit": self.unit.code,
            "name": self.unit.name,
            "base": self.base,
            "total": self.total,
            "rank": self.rank,
            "items": [
                {"kind": line.kind, "count": line.count, "points": line.points}
                for line in self.lines
            ],
        }


def score(unit: Unit, counts: Mapping[str, int], settings: RankingSettings) -> Score:
    """One township's score from its counts (a kind missing from `counts` counts 0)."""
    lines = [
        Line(item.kind, int(counts.get(item.kind, 0)), item.score(int(counts.get(item.kind, 0))))
        for item in settings.items
    ]
    return Score(unit, settings.base, lines)


def rank(
    counted: Iterable[tuple[Unit, Mapping[str, int]]], settings: RankingSettings
) -> list[Score]:
    """Scores best first; equal totals share a rank (1, 1, 3), then order by unit code."""
    scores = sorted(
        (score(unit, counts, settings) for unit, counts in counted),
        key=lambda s: (-s.total, s.unit.code),
    )
    previous: float | None = None
    for position, entry in enumerate(scores, start=1):
        if entry.total != previous:
            current, previous = position, entry.total
        entry.rank = current
    return scores
