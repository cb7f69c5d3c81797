"""A horizontal bar chart drawn as inline SVG: one labelled bar per group, value at its end, both axes titled.
Horizontal bars keep long group names (owners, campaigns) readable, on a phone too."""

from __future__ import annotations

from collections.abc import Sequence

from reactpy import html
from reactpy.types import VdomDict

from frontend.components.chart import svg_text

WIDTH, BAR, GAP, LABELS, TOP, BOTTOM, VALUE_ROOM, MAX_VALUE_ROOM = 420, 24, 8, 150, 28, 36, 80, 160


def _short(text: str, size: int = 15) -> str:
    # 15 characters of the labels' 15 px font stay inside the label column, wide letters included (16 ran
    # past the chart's left edge: "ummer service …" on the marketing dashboard).
    return text if len(text) <= size else text[: size - 1] + "…"


def bar_chart(bars: list[tuple[str, float, str]], x_title: str, y_title: str,
              links: Sequence[str | None] | None = None) -> VdomDict:
    """`bars`: (group label, value, value as shown). Negative values are drawn as zero-length bars. `links`: an
    address per bar (or None), so a bar opens the list behind it."""
    top = max((value for _, value, _ in bars), default=0) or 1
    height = TOP + len(bars) * (BAR + GAP) + BOTTOM
    # Room after the longest bar for the longest value (about 9 units a character at this font size).
    room = min(MAX_VALUE_ROOM, max(VALUE_ROOM, 9 * max((len(shown) for _, _, shown in bars), default=0) + 8))
    span = WIDTH - LABELS - room
    rows = []
    for i, (label, value, shown) in enumerate(bars):
        y = TOP + i * (BAR + GAP)
        length = max(0.0, value) / top * span
        parts = [
            svg_text({"key": f"l{i}", "x": LABELS - 8, "y": y + BAR * 0.72, "text-anchor": "end",
                      "className": "bar-label"}, _short(label)),
            html.svg.rect({"key": f"b{i}", "x": LABELS, "y": y, "width": f"{length:.1f}", "height": BAR,
                           "rx": 3, "className": "bar"}),
            svg_text({"key": f"v{i}", "x": LABELS + length + 6, "y": y + BAR * 0.72, "className": "bar-value"}, shown),
        ]
        link = links[i] if links and i < len(links) else None
        rows += [html.svg.a({"key": f"a{i}", "href": link, "className": "bar-link",
                             "aria-label": f"{label}: {shown}"}, *parts)] if link else parts
    axis_y = height - BOTTOM + 4
    return html.svg(
        {"className": "bar-chart", "viewBox": f"0 0 {WIDTH} {height}", "role": "img",
         "aria-label": f"{x_title} by {y_title.lower()}"},
        svg_text({"x": 4, "y": 16, "className": "axis-title"}, y_title),
        html.svg.line({"className": "axis", "x1": LABELS, "x2": LABELS, "y1": TOP - 4, "y2": axis_y}),
        html.svg.line({"className": "axis", "x1": LABELS, "x2": LABELS + span, "y1": axis_y, "y2": axis_y}),
        *rows,
        svg_text({"x": LABELS + span / 2, "y": height - 6, "text-anchor": "middle", "className": "axis-title"},
                 x_title),
    )
