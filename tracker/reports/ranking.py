"""Township ranking (打分评比): a score from configurable weights, with every part shown.

Parts are rates per 100 counted findings, so a big township is not punished for its size:

    on_time   = + on_time_closure × (closed on time ÷ counted × 100)
    overdue   = − overdue         × (overdue now     ÷ counted × 100)
    rebounds  = − rebounds        × (rebounds        ÷ counted × 100)
    rejections= − rejections      × (rejections      ÷ counted × 100)

"On time" is judged against the original deadline unless `[ranking] on_time_against` says
"extended". Weights come from the `[ranking]` section of the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.org.models import UnitKind
from tracker.reports.queries import UnitFigures

DEFAULT_WEIGHTS = {"ON_TIME_CLOSURE": 1.0, "OVERDUE": 1.0, "REBOUNDS": 2.0, "REJECTIONS": 0.5}
PARTS = ("on_time", "overdue", "rebounds", "rejections")


@dataclass(frozen=True)
class Weights:
    on_time_closure: float
    overdue: float
    rebounds: float
    rejections: float
    on_time_against: str = "original"

    @classmethod
    def from_config(cls, config: Mapping) -> Weights:
        configured = {k.upper(): v for k, v in config.get("RANKING", {}).items()}
        section = {**DEFAULT_WEIGHTS, **configured}
        against = str(section.get("ON_TIME_AGAINST", "original"))
        return cls(
            on_time_closure=float(section["ON_TIME_CLOSURE"]),
            overdue=float(section["OVERDUE"]),
            rebounds=float(section["REBOUNDS"]),
            rejections=float(section["REJECTIONS"]),
            on_time_against="extended" if against == "extended" else "original",
        )


@dataclass
class RankedUnit:
    rank: int
    figures: UnitFigures
    parts: dict[str, float]
    rates: dict[str, float]

    @property
    def score(self) -> float:
        return round(sum(self.parts.values()), 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "unit": self.figures.as_dict()["unit"],
            "score": self.score,
            "parts": self.parts,
            "rates": self.rates,
            "counted": self.figures.counted,
        }


def _per_hundred(value: int, counted: int) -> float:
    return 100.0 * value / counted if counted else 0.0


def score_parts(
    figures: UnitFigures, weights: Weights
) -> tuple[dict[str, float], dict[str, float]]:
    """The weighted parts of one township's score, and the rates they were made from."""
    c, counted = figures.counts, figures.counted
    on_time_key = f"closed_on_time_{weights.on_time_against}"
    rates = {
        "on_time": _per_hundred(c[on_time_key], counted),
        "overdue": _per_hundred(c["overdue"], counted),
        "rebounds": _per_hundred(c["rebounds"], counted),
        "rejections": _per_hundred(c["rejections"], counted),
    }
    parts = {
        "on_time": weights.on_time_closure * rates["on_time"],
        "overdue": -weights.overdue * rates["overdue"],
        "rebounds": -weights.rebounds * rates["rebounds"],
        "rejections": -weights.rejections * rates["rejections"],
    }
    return (
        {k: round(v, 1) + 0.0 for k, v in parts.items()},
        {k: round(v, 1) for k, v in rates.items()},
    )


def rank_townships(groups: list[UnitFigures], weights: Weights) -> list[RankedUnit]:
    """Townships with at least one counted finding, best score first (ties share a rank)."""
    scored = []
    for figures in groups:
        if figures.unit.kind != UnitKind.TOWNSHIP or figures.counted == 0:
            continue
        parts, rates = score_parts(figures, weights)
        scored.append(RankedUnit(0, figures, parts, rates))
    scored.sort(key=lambda r: (-r.score, r.figures.unit.code))
    previous, rank = None, 0
    for position, item in enumerate(scored, start=1):
        if item.score != previous:
            rank, previous = position, item.score
        item.rank = rank
    return scored
