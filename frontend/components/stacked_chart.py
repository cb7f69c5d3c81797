"""Stacked horizontal bars for a report grouped twice: a bar per group of the first grouping, split into coloured
parts by the second, with a legend; the bar's total at its end. Beyond seven parts the smallest are "Other"."""

from __future__ import annotations

from reactpy import html
from reactpy.types import VdomDict

from frontend.components.chart import svg_text

WIDTH, BAR, GAP, LABELS, TOP, VALUE_ROOM, LEGEND_ROW = 480, 24, 8, 130, 40, 70, 20
COLOURS = ("#3056d3", "#e8883a", "#2f9e6e", "#c11574", "#7a5af8", "#0ea5b7", "#a15c07", "#8a8f98")
MOST = 7


def stacked_chart(cells: list[tuple[str, str, float]], totals: dict[str, str], x_title: str, y_title: str,
                  split_title: str) -> VdomDict:
    """`cells`: (bar, part, value); `totals`: each bar's total as shown."""
    sums: dict[str, float] = {}
    for _, part, value in cells:
        sums[part] = sums.get(part, 0) + max(0.0, value)
    named = sorted(sums, key=lambda p: -sums[p])
    kept = named if len(named) <= MOST + 1 else named[:MOST]
    parts = kept + (["Other"] if len(kept) < len(named) else [])
    bars: dict[str, dict[str, float]] = {}
    for bar, part, value in cells:
        key = part if part in kept else "Other"
        row = bars.setdefault(bar, {})
        row[key] = row.get(key, 0) + max(0.0, value)
    top = max((sum(row.values()) for row in bars.values()), default=0) or 1
    span = WIDTH - LABELS - VALUE_ROOM
    legend_rows = (len(parts) + 2) // 3
    first = TOP + legend_rows * LEGEND_ROW + 6
    marks = []
    for i, part in enumerate(parts):
        x, y = 4 + (i % 3) * (WIDTH / 3), TOP + (i // 3) * LEGEND_ROW
        marks += [html.svg.rect({"key": f"k{i}", "x": x, "y": y - 11, "width": 12, "height": 12,
                                 "fill": COLOURS[i % len(COLOURS)]}),
                  svg_text({"key": f"t{i}", "x": x + 16, "y": y, "className": "legend"},
                           part if len(part) <= 20 else part[:19] + "…")]
    for i, (bar, row) in enumerate(bars.items()):
        y = first + i * (BAR + GAP)
        x = float(LABELS)
        marks.append(svg_text({"key": f"l{i}", "x": LABELS - 8, "y": y + BAR * 0.72, "text-anchor": "end",
                               "className": "bar-label"}, bar if len(bar) <= 16 else bar[:15] + "…"))
        for j, part in enumerate(parts):
            length = row.get(part, 0) / top * span
            if length <= 0:
                continue
            marks.append(html.svg.rect({"key": f"b{i}-{j}", "x": f"{x:.1f}", "y": y, "width": f"{length:.1f}",
                                        "height": BAR, "fill": COLOURS[j % len(COLOURS)]}))
            x += length
        marks.append(svg_text({"key": f"v{i}", "x": f"{x + 6:.1f}", "y": y + BAR * 0.72, "className": "bar-value"},
                              totals.get(bar, "")))
    height = first + len(bars) * (BAR + GAP) + 30
    return html.svg(
        {"className": "bar-chart stacked-chart", "viewBox": f"0 0 {WIDTH} {height}", "role": "img",
         "aria-label": f"{x_title} by {y_title.lower()} and {split_title.lower()}"},
        svg_text({"x": 4, "y": 14, "className": "axis-title"}, f"{y_title}, split by {split_title.lower()}"),
        *marks,
        html.svg.line({"className": "axis", "x1": LABELS, "x2": LABELS, "y1": first - 4, "y2": height - 26}),
        svg_text({"x": LABELS + span / 2, "y": height - 6, "text-anchor": "middle", "className": "axis-title"},
                 x_title),
    )
