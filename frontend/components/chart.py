"""A small line chart of engagement over time, drawn as inline SVG (no chart library, nothing fetched)."""

from __future__ import annotations

from typing import Any

from reactpy import Vdom, html
from reactpy.types import VdomDict

from frontend import format as fmt

SERIES = (("views", "#3056d3", "Views"), ("likes", "#c11574", "Likes"), ("enrolments", "#067647", "Enrolments"))
# ReactPy 2.0.0b13 lists SVG <text> as childless; a plain constructor lets it hold its label.
svg_text = Vdom("text")
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 200, 34, 22, 10


def _anchor(i: int, count: int) -> str:
    """The first date label hangs right of its point and the last one left, so neither is cut off."""
    return "start" if i == 0 else "end" if i == count - 1 else "middle"


def engagement_chart(points: list[dict[str, Any]]) -> VdomDict:
    if not points:
        return html.p({"className": "muted"}, "No engagement yet. Share the public page to start collecting views.")
    top = max(1, *(p[key] for p in points for key, _, _ in SERIES))
    span = max(1, len(points) - 1)

    def x(i: int) -> float:
        return PAD_LEFT + (WIDTH - PAD_LEFT - 8) * i / span

    def y(value: int) -> float:
        return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - value / top)

    lines = [
        html.svg.polyline({
            "key": key, "fill": "none", "stroke": colour, "stroke-width": 2, "stroke-linejoin": "round",
            "points": " ".join(f"{x(i):.1f},{y(p[key]):.1f}" for i, p in enumerate(points)),
        })
        for key, colour, _ in SERIES
    ]
    ticks = [
        svg_text({"key": f"t{i}", "x": x(i), "y": HEIGHT - 6, "text-anchor": _anchor(i, len(points))},
                 fmt.day(points[i]["start"])[:6])
        for i in sorted({0, len(points) // 2, len(points) - 1})
    ]
    return html.div(
        html.div({"className": "legend"}, *(html.span({"key": k, "style": {"color": c}}, label) for k, c, label in SERIES)),
        html.svg(
            {"className": "chart", "viewBox": f"0 0 {WIDTH} {HEIGHT}", "role": "img", "preserveAspectRatio": "none",
             "aria-label": "Engagement over time"},
            html.svg.line({"className": "axis", "x1": PAD_LEFT, "x2": WIDTH - 8, "y1": HEIGHT - PAD_BOTTOM, "y2": HEIGHT - PAD_BOTTOM}),
            html.svg.line({"className": "axis", "x1": PAD_LEFT, "x2": PAD_LEFT, "y1": PAD_TOP, "y2": HEIGHT - PAD_BOTTOM}),
            svg_text({"x": PAD_LEFT - 6, "y": PAD_TOP + 4, "text-anchor": "end"}, str(top)),
            svg_text({"x": PAD_LEFT - 6, "y": HEIGHT - PAD_BOTTOM, "text-anchor": "end"}, "0"),
            *lines,
            *ticks,
        ),
    )
