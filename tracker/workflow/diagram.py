"""Draw a workflow definition as a standalone, printable SVG (no script, no external fonts)."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from tracker.workflow.definition import Transition, WorkflowDefinition

FONT = "sans-serif"
TEXT = "#212529"  # dark text on light fills: readable on screen and on paper
EDGE = "#495057"
REOPEN = "#b02a37"
BOX_W_MIN, HEAD_H, LINE_H, PAD = 120, 30, 16, 10
ROW_GAP, ARC_STEP, MARGIN = 40, 26, 20
ROLE_NAMES = {"admin": "管理员", "inspector": "督查人员", "cadre": "干部", "leader": "领导"}
RELATION_NAMES = {
    "responsible_unit": "责任单位",
    "involved_unit": "相关单位",
    "reporter": "交办人",
    "leader_in_charge": "分管",
}
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def _width(text: str, size: float) -> float:
    """Rough text width: CJK glyphs are square, Latin ones about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour if _HEX.match(colour) else "#6c757d"
    digits = colour[1:] if len(colour) == 7 else "".join(c * 2 for c in colour[1:])
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _tint(rgb: tuple[int, int, int], keep: float) -> str:
    """Mix a colour with white, keeping `keep` of it (light fills for dark text)."""
    return "#" + "".join(f"{round(255 - (255 - c) * keep):02x}" for c in rgb)


def _who(transition: Transition, locale: str) -> str:
    parts = []
    for role, relation in transition.who.items():
        if locale.startswith("en"):
            name = role if relation == "anyone" else f"{role} ({relation.replace('_', ' ')})"
        else:
            name = ROLE_NAMES.get(role, role)
            if relation != "anyone":
                name = f"{name}（{RELATION_NAMES.get(relation, relation)}）"
        parts.append(name)
    return ", ".join(parts)


def _text(
    x: float, y: float, text: str, size: int = 12, anchor: str = "middle", bold: bool = False
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{TEXT}"{weight}>{escape(text)}</text>'
    )


@dataclass
class _Box:
    key: str
    x: float = 0.0
    y: float = 0.0
    w: float = BOX_W_MIN
    h: float = HEAD_H
    loops: tuple[tuple[str, str], ...] = ()  # (label, who) of transitions that keep the state


def _depths(definition: WorkflowDefinition) -> dict[str, int]:
    """BFS depth from the initial state; terminal (and unreachable) states go in the last column."""
    depth = {definition.initial: 0}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for t in definition.transitions:
            if state in t.sources and t.target_from(state) not in depth:
                depth[t.target_from(state)] = depth[state] + 1
                queue.append(t.target_from(state))
    ends = {k for k, s in definition.states.items() if s.terminal and k != definition.initial}
    last = max([0] + [d for k, d in depth.items() if k not in ends]) + 1
    return {k: last if k in ends or k not in depth else depth[k] for k in definition.states}


def _cubic(x1: float, y1: float, x2: float, y2: float, apex: float) -> str:
    """A cubic curve between two points whose middle reaches height `apex`."""
    cy = (apex - (y1 + y2) / 8) / 0.75
    return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{cy:.1f} {x2:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"


Edge = tuple[str, str]


class _Layout:
    """Where every box and arrow of one diagram goes, computed in named steps."""

    def __init__(self, definition: WorkflowDefinition, locale: str) -> None:
        self.definition, self.locale = definition, locale
        self.depth = _depths(definition)
        self.boxes = {key: _Box(key) for key in definition.states}
        self.edges: dict[Edge, list[Transition]] = {}
        self._collect_edges()
        self._size_boxes()
        self.straight = [e for e in self.edges if self._span(e) == 1]
        self.over = sorted((e for e in self.edges if self._span(e) > 1), key=self._span_key)
        self.under = sorted((e for e in self.edges if self._span(e) <= 0), key=self._span_key)
        self.top = (
            MARGIN
            + sum(self.stack(e) + ARC_STEP for e in self.over)
            + max([ARC_STEP] + [self.stack(e) for e in self.straight])
        )
        self.width, self.height = self._place_columns()
        self.anchor = self._anchors()

    def _span(self, e: Edge) -> int:
        return self.depth[e[1]] - self.depth[e[0]]

    def _span_key(self, e: Edge) -> tuple[int, Edge]:
        return abs(self._span(e)), e

    def stack(self, e: Edge) -> float:
        """Height of the labels of one arrow."""
        return 2 * LINE_H * len(self.edges[e])

    def _collect_edges(self) -> None:
        """Group transitions by (source, target); those that keep the state become box lines."""
        for t in self.definition.transitions:
            for source in t.sources:
                target = t.target_from(source)
                if target == source:
                    who = _who(t, self.locale)
                    self.boxes[source].loops += ((f"↻ {t.label(self.locale)}", who),)
                else:
                    self.edges.setdefault((source, target), []).append(t)

    def _size_boxes(self) -> None:
        for key, box in self.boxes.items():
            texts = [(self.definition.states[key].label(self.locale), 13)]
            texts += [(s, 11) for pair in box.loops for s in pair]
            box.w = max(BOX_W_MIN, *(_width(s, size) + 2 * PAD + 12 for s, size in texts))
            box.h = HEAD_H + (2 * LINE_H * len(box.loops) + PAD if box.loops else 0)

    def _place_columns(self) -> tuple[float, float]:
        """States left to right by depth; a column's gap fits its straight arrows' labels."""
        columns: dict[int, list[str]] = {}
        for key in self.definition.states:
            columns.setdefault(self.depth[key], []).append(key)
        gaps = {d: 100.0 for d in columns}
        for a, b in self.straight:
            texts = [
                s for t in self.edges[(a, b)] for s in (t.label(self.locale), _who(t, self.locale))
            ]
            gaps[self.depth[a]] = max(gaps[self.depth[a]], *(_width(s, 11) + 30 for s in texts))
        x, height = float(MARGIN), self.top
        for d in sorted(columns):
            col_w = max(self.boxes[k].w for k in columns[d])
            y = self.top
            for key in columns[d]:
                box = self.boxes[key]
                box.x, box.y, box.w = x, y, col_w
                y += box.h + ROW_GAP
            height = max(height, y - ROW_GAP)
            x += col_w + gaps[d]
        return x - gaps[max(columns)] + MARGIN, height

    def _anchors(self) -> dict[tuple[Edge, str], float]:
        """Where curved arrows meet a box: spread along its top (over) or bottom (under) edge,
        nested so that an outer arc never crosses an inner one."""
        ends: dict[tuple[str, str], list[tuple[Edge, str]]] = {}
        for side, group in (("top", self.over), ("bottom", self.under)):
            for e in group:
                for own, other in ((e[0], e[1]), (e[1], e[0])):
                    ends.setdefault((own, side), []).append((e, other))
        anchor: dict[tuple[Edge, str], float] = {}
        for (own, _side), items in ends.items():
            box = self.boxes[own]
            mid = box.x + box.w / 2
            items.sort(key=lambda it: (self.boxes[it[1]].x > mid, -self.boxes[it[1]].x))
            for i, (e, _other) in enumerate(items):
                anchor[(e, own)] = box.x + box.w * (i + 1) / (len(items) + 1)
        return anchor


def _boxes_svg(layout: _Layout) -> list[str]:
    parts: list[str] = []
    locale = layout.locale
    for key, box in layout.boxes.items():
        state = layout.definition.states[key]
        rgb = _rgb(state.colour)
        ending = " (terminal)" if locale.startswith("en") else "（终态）"
        title = state.label(locale) + (ending if state.terminal else "")
        parts.append(f"<g><title>{escape(title)}</title>")
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            f'rx="8" fill="{_tint(rgb, 0.18)}" stroke="{_tint(rgb, 1.0)}" stroke-width="2"/>'
        )
        if state.terminal:
            parts.append(
                f'<rect x="{box.x + 4:.1f}" y="{box.y + 4:.1f}" width="{box.w - 8:.1f}" '
                f'height="{box.h - 8:.1f}" rx="5" fill="none" stroke="{_tint(rgb, 1.0)}" '
                'stroke-width="1.5"/>'
            )
        parts.append(_text(box.x + box.w / 2, box.y + 20, state.label(locale), 13, bold=True))
        ly = box.y + HEAD_H + 12
        for label, who in box.loops:
            parts.append(_text(box.x + PAD, ly, label, 11, "start"))
            parts.append(_text(box.x + PAD + 12, ly + LINE_H - 2, who, 10, "start"))
            ly += 2 * LINE_H
        parts.append("</g>")
    return parts


def _arrow_svg(layout: _Layout, e: Edge, path: str, lx: float, ly: float) -> str:
    """One arrow for all transitions between two states; labels stacked upwards from `ly`."""
    locale, states = layout.locale, layout.definition.states
    ts = layout.edges[e]
    reopen = any(t.reopen for t in ts)
    names = " / ".join(t.label(locale) for t in ts)
    src, dst = states[e[0]].label(locale), states[e[1]].label(locale)
    look = f'stroke="{REOPEN}" stroke-dasharray="6 4"' if reopen else f'stroke="{EDGE}"'
    marker = "arrow-reopen" if reopen else "arrow"
    parts = [
        f"<g><title>{escape(f'{names}: {src} → {dst}')}</title>",
        f'<path d="{path}" fill="none" {look} stroke-width="1.5" marker-end="url(#{marker})"/>',
    ]
    for i, t in enumerate(ts):
        y = ly - (len(ts) - 1 - i) * 2 * LINE_H
        parts.append(_text(lx, y - LINE_H + 4, t.label(locale), 11))
        parts.append(_text(lx, y, _who(t, locale), 10))
    parts.append("</g>")
    return "".join(parts)


def _arrows_svg(layout: _Layout) -> tuple[list[str], float]:
    """Straight arrows between neighbouring columns, arcs over the boxes for forward jumps and
    under them for backward ones; returns the parts and the diagram's final height."""
    boxes, parts = layout.boxes, []
    for e in layout.straight:
        s, d = boxes[e[0]], boxes[e[1]]
        x1, y1, x2, y2 = s.x + s.w, s.y + HEAD_H / 2, d.x - 2, d.y + HEAD_H / 2
        path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
        parts.append(_arrow_svg(layout, e, path, (x1 + x2) / 2, (y1 + y2) / 2 - 6))
    apex = layout.top - ARC_STEP
    for e in layout.over:
        x1, x2 = layout.anchor[(e, e[0])], layout.anchor[(e, e[1])]
        path = _cubic(x1, boxes[e[0]].y, x2, boxes[e[1]].y - 2, apex)
        parts.append(_arrow_svg(layout, e, path, (x1 + x2) / 2, apex - 4))
        apex -= layout.stack(e) + ARC_STEP
    apex = layout.height + ARC_STEP
    for e in layout.under:
        x1, x2 = layout.anchor[(e, e[0])], layout.anchor[(e, e[1])]
        y1, y2 = boxes[e[0]].y + boxes[e[0]].h, boxes[e[1]].y + boxes[e[1]].h + 2
        path = _cubic(x1, y1, x2, y2, apex)
        parts.append(_arrow_svg(layout, e, path, (x1 + x2) / 2, apex + layout.stack(e) + 2))
        apex += layout.stack(e) + ARC_STEP
    return parts, apex + MARGIN


def render_svg(definition: WorkflowDefinition, locale: str = "zh") -> str:
    """The state machine as SVG: states left to right by BFS depth from `initial`."""
    layout = _Layout(definition, locale)
    parts = _boxes_svg(layout)
    arrows, height = _arrows_svg(layout)
    width = layout.width
    title = " → ".join(s.label(locale) for s in definition.states.values())
    markers = "".join(
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for name, colour in (("arrow", EDGE), ("arrow-reopen", REOPEN))
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)} role="img">'
        f"<title>{escape(title)}</title><defs>{markers}</defs>"
        '<rect width="100%" height="100%" fill="#ffffff"/>'
    )
    return head + "".join(parts) + "".join(arrows) + "</svg>\n"
