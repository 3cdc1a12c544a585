"""Server-side SVG charts: no JavaScript, no CDN, no style attributes (the CSP forbids them).

Every bar carries its number as text, so a chart still reads on a black-and-white printout;
the two series of the weekly chart also differ by pattern (solid and hatched), not colour alone.
All text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

RED, AMBER, GREEN, GREY = "#dc3545", "#ffc107", "#198754", "#adb5bd"
OPENED, CLOSED = "#0d6efd", "#6c757d"
FONT = 'font-family="sans-serif"'


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_t(title)}" class="chart">'
        f"<title>{_t(title)}</title>{''.join(body)}</svg>"
    )


def weekly_bars(weeks: Sequence[dict], title: str, opened_label: str, closed_label: str) -> Markup:
    """Grouped bars: tickets opened and closed per week (`week_start`, `opened`, `closed`)."""
    width, height, left, bottom, top = 720, 260, 36, 40, 30
    plot_h = height - bottom - top
    peak = max([1, *(w["opened"] for w in weeks), *(w["closed"] for w in weeks)])
    slot = (width - left - 10) / max(1, len(weeks))
    bar = max(4.0, slot * 0.36)
    body = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{CLOSED}" stroke-width="4"/></pattern></defs>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 5}" y2="{top + plot_h}" '
        'stroke="#212529" stroke-width="1"/>',
        f'<rect x="{left}" y="6" width="12" height="12" fill="{OPENED}"/>'
        f'<text x="{left + 16}" y="16" font-size="12" {FONT} fill="#212529">'
        f"{_t(opened_label)}</text>",
        f'<rect x="{left + 120}" y="6" width="12" height="12" fill="url(#hatch)" '
        f'stroke="{CLOSED}"/><text x="{left + 136}" y="16" font-size="12" {FONT} '
        f'fill="#212529">{_t(closed_label)}</text>',
    ]
    for index, week in enumerate(weeks):
        x0 = left + index * slot + (slot - 2 * bar) / 2
        series = ((0, "opened", OPENED, opened_label), (bar, "closed", "url(#hatch)", closed_label))
        for offset, key, fill, name in series:
            value = int(week[key])
            h = plot_h * value / peak
            x, y = x0 + offset, top + plot_h - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}" '
                f'stroke="{CLOSED if key == "closed" else OPENED}"><title>{_t(name)} {value}'
                "</title></rect>"
            )
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle" '
                f'{FONT} fill="#212529">{value}</text>'
            )
        label = str(week["week_start"])[5:]
        body.append(
            f'<text x="{left + index * slot + slot / 2:.1f}" y="{height - bottom + 16}" '
            f'font-size="10" text-anchor="middle" {FONT} fill="#212529">{_t(label)}</text>'
        )
    return _svg(width, height, title, body)


def progress_bars(rows: Sequence[tuple[str, int, int]], title: str) -> Markup:
    """Horizontal progress bars: (label, done, total) per row, with "done/total (pct%)" text."""
    width, row_h, label_w = 720, 30, 240
    bar_w = width - label_w - 150
    height = max(1, len(rows)) * row_h + 10
    body = []
    for index, (label, done, total) in enumerate(rows):
        y = 5 + index * row_h
        share = done / total if total else 0.0
        text = label if len(label) <= 20 else label[:19] + "…"
        body += [
            f'<text x="0" y="{y + 17}" font-size="13" {FONT} fill="#212529">{_t(text)}'
            f"<title>{_t(label)}</title></text>",
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" fill="#ffffff" '
            'stroke="#6c757d"/>',
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * share:.1f}" height="18" '
            f'fill="{GREEN}"/>',
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" font-size="13" {FONT} '
            f'fill="#212529">{done}/{total} ({share * 100:.1f}%)</text>',
        ]
    return _svg(width, height, title, body)


def rag_stacked(counts: dict[str, int], labels: dict[str, str], title: str) -> Markup:
    """One stacked bar of red / amber / green counts, each segment labelled with its number."""
    width, height, bar_h = 720, 70, 28
    total = sum(counts.get(k, 0) for k in ("red", "amber", "green"))
    body = []
    x = 0.0
    for key, fill in (("red", RED), ("amber", AMBER), ("green", GREEN)):
        value = counts.get(key, 0)
        w = width * value / total if total else 0.0
        if w > 0:
            body.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{bar_h}" fill="{fill}" '
                f'stroke="#ffffff"><title>{_t(labels[key])} {value}</title></rect>'
            )
            if w >= 24:
                ink = "#212529" if key == "amber" else "#ffffff"
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="19" font-size="13" text-anchor="middle" '
                    f'{FONT} fill="{ink}" font-weight="bold">{value}</text>'
                )
        x += w
    if total == 0:
        body.append(f'<rect x="0" y="0" width="{width}" height="{bar_h}" fill="{GREY}"/>')
    legend_x = 0
    for key, fill in (("red", RED), ("amber", AMBER), ("green", GREEN)):
        body.append(
            f'<rect x="{legend_x}" y="44" width="12" height="12" fill="{fill}"/>'
            f'<text x="{legend_x + 16}" y="54" font-size="12" {FONT} fill="#212529">'
            f"{_t(labels[key])}: {counts.get(key, 0)}</text>"
        )
        legend_x += 200
    return _svg(width, height, title, body)
