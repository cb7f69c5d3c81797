"""A funnel of deals by stage, drawn as inline SVG: one centred band per stage in pipeline order, its width the
value of the deals that reached that stage, the stage's name and value written on it, and the share of the first
stage beside it."""

from __future__ import annotations

from reactpy import html
from reactpy.types import VdomDict

from frontend.components.chart import svg_text

WIDTH, BAND, GAP, TOP, LABELS = 480, 34, 6, 28, 150


def funnel_chart(stages: list[tuple[str, float, str]], title: str) -> VdomDict:
    """`stages`: (stage name, value reaching it, that value as shown), first stage first."""
    top = max((value for _, value, _ in stages), default=0) or 1
    first = stages[0][1] if stages and stages[0][1] > 0 else 0
    span = WIDTH - LABELS - 60
    centre = LABELS + span / 2
    bands = []
    for i, (name, value, shown) in enumerate(stages):
        y = TOP + i * (BAND + GAP)
        width = max(2.0, max(0.0, value) / top * span)
        share = f"{value / first:.0%}" if first and i else ""
        bands += [
            svg_text({"key": f"n{i}", "x": LABELS - 8, "y": y + BAND * 0.62, "text-anchor": "end",
                      "className": "bar-label"}, name if len(name) <= 18 else name[:17] + "…"),
            html.svg.rect({"key": f"b{i}", "x": f"{centre - width / 2:.1f}", "y": y, "width": f"{width:.1f}",
                           "height": BAND, "rx": 3, "className": "bar funnel-band"}),
            svg_text({"key": f"v{i}", "x": centre, "y": y + BAND * 0.62, "text-anchor": "middle",
                      "className": "funnel-value"}, shown),
            svg_text({"key": f"s{i}", "x": WIDTH - 4, "y": y + BAND * 0.62, "text-anchor": "end",
                      "className": "bar-value"}, share),
        ]
    height = TOP + len(stages) * (BAND + GAP) + 8
    return html.svg(
        {"className": "bar-chart funnel-chart", "viewBox": f"0 0 {WIDTH} {height}", "role": "img",
         "aria-label": f"{title} by stage"},
        svg_text({"x": 4, "y": 16, "className": "axis-title"}, f"{title} reaching each stage"),
        svg_text({"x": WIDTH - 4, "y": 16, "text-anchor": "end", "className": "axis-title"}, "of first"),
        *bands,
    )
