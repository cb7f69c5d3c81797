"""A line chart of one measure by month, drawn as inline SVG: a point per month with its value above it, the
months under the axis (every other one when they would crowd), both axes titled."""

from __future__ import annotations

from reactpy import html
from reactpy.types import VdomDict

from frontend.components.chart import svg_text

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 480, 250, 16, 16, 46, 46


def line_chart(points: list[tuple[str, float, str]], y_title: str, x_title: str) -> VdomDict:
    """`points`: (month label, value, value as shown), in month order."""
    top = max((value for _, value, _ in points), default=0) or 1
    span = max(1, len(points) - 1)
    step = 1 if len(points) <= 8 else 2 if len(points) <= 16 else 3

    def x(i: int) -> float:
        return LEFT + 24 + (WIDTH - LEFT - RIGHT - 48) * (i / span if len(points) > 1 else 0.5)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, value) / top)

    base = HEIGHT - BOTTOM
    marks = []
    for i, (label, value, shown) in enumerate(points):
        marks += [html.svg.circle({"key": f"p{i}", "cx": f"{x(i):.1f}", "cy": f"{y(value):.1f}", "r": 4,
                                   "className": "point"})]
        if i % step == 0 or i == len(points) - 1:
            marks += [
                svg_text({"key": f"v{i}", "x": f"{x(i):.1f}", "y": f"{y(value) - 9:.1f}", "text-anchor": "middle",
                          "className": "bar-value"}, shown),
                svg_text({"key": f"m{i}", "x": f"{x(i):.1f}", "y": base + 18, "text-anchor": "middle",
                          "className": "bar-label"}, label),
            ]
    return html.svg(
        {"className": "bar-chart line-chart", "viewBox": f"0 0 {WIDTH} {HEIGHT}", "role": "img",
         "aria-label": f"{y_title} by {x_title.lower()}"},
        svg_text({"x": 4, "y": 16, "className": "axis-title"}, y_title),
        html.svg.line({"className": "axis", "x1": LEFT, "x2": WIDTH - RIGHT, "y1": base, "y2": base}),
        html.svg.polyline({"className": "line", "fill": "none",
                           "points": " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v, _) in enumerate(points))}),
        *marks,
        svg_text({"x": WIDTH / 2, "y": HEIGHT - 6, "text-anchor": "middle", "className": "axis-title"}, x_title),
    )
