"""What a person's gathered message says: its items sorted into sections, one line per ticket.

Pure: rows and ticket views in, sections out. A ticket that reached two escalation levels since
the last message is listed once, at the higher; a ticket appears at most once per section.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.reminders.messages import TicketView
from tracker.reminders.models import Rule

# Sections in the order a message shows them, with their headings.
SECTIONS = {
    "escalations": _l("Escalated to you"),
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "stale": _l("No progress"),
    "new": _l("New findings for your unit"),
    "updates": _l("Updates"),
    "weekly": _l("Overdue findings in your charge this week"),
}
LEVEL_RANK = {"yellow": 1, "red": 2}


@dataclass
class Line:
    """One ticket in a section; `level` for escalations, `note` for an update."""

    ticket: TicketView
    level: str | None = None
    note: dict[str, Any] = field(default_factory=dict)


@dataclass
class Digest:
    sections: dict[str, list[Line]] = field(default_factory=dict)
    # (section, ticket id) -> the line's index: adding 200 tickets is not 200 × 200 comparisons
    _index: dict[tuple[str, int], int] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, items: Iterable[tuple[str, dict[str, Any], list[TicketView]]]) -> Digest:
        """The message gathering these items: (rule, payload, the tickets it still speaks of)."""
        digest = cls()
        for rule, payload, tickets in items:
            for ticket in tickets:
                digest.add(*section_of(rule, payload, ticket))
        return digest

    def add(self, section: str, line: Line) -> None:
        lines = self.sections.setdefault(section, [])
        at = self._index.get((section, line.ticket.id))
        if at is None:
            self._index[section, line.ticket.id] = len(lines)
            lines.append(line)
        elif LEVEL_RANK.get(line.level or "", 0) > LEVEL_RANK.get(lines[at].level or "", 0):
            lines[at] = line  # the higher escalation level replaces the lower

    @property
    def count(self) -> int:
        return len({line.ticket.id for lines in self.sections.values() for line in lines})

    def ordered(self) -> list[tuple[str, str, list[Line]]]:
        """(key, heading, lines) of the non-empty sections, in display order."""
        return [(k, str(h), self.sections[k]) for k, h in SECTIONS.items() if self.sections.get(k)]


def section_of(rule: str, payload: dict[str, Any], view: TicketView) -> tuple[str, Line]:
    """Where one item's ticket goes in a gathered message."""
    if rule == Rule.ESCALATE:
        return "escalations", Line(view, level="yellow")
    if rule == Rule.RED:
        return "escalations", Line(view, level="red")
    if rule == Rule.STALE:
        return "stale", Line(view, note={"idle_days": payload.get("idle_days", 0)})
    if rule == Rule.LEADER_DIGEST:
        return "weekly", Line(view)
    if rule == Rule.NOTICE:
        section = "new" if payload.get("event") == "created" else "updates"
        return section, Line(view, note=payload)
    # before, due, overdue and the cadre digest's tickets: by the days left now
    return ("overdue" if (view.days_left or 0) < 0 else "due_soon"), Line(view)
