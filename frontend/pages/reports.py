"""Reports: the visible deals grouped and measured, drawn as a bar, line (by month), stacked bar (two groupings)
or funnel (by stage) chart with the table of every measure beside it, narrowed by the pipeline board's filters
(kept in the address, like the board's); the report on screen downloads as XLSX or PDF and can be saved and
mailed weekly (components/saved_reports.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from reactpy import component, html
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from backend.report_files.table import DIMENSIONS, FIELD, MEASURES, REPORT_FIELDS, figure, group_label, rates_text
from frontend.components.bar_chart import bar_chart
from frontend.components.funnel_chart import funnel_chart
from frontend.components.line_chart import line_chart
from frontend.components.saved_reports import SavedReports
from frontend.components.stacked_chart import stacked_chart
from frontend.components.ui import changed_value, empty, pending, select
from frontend.customer_filters import view_query
from frontend.pages.pipeline import BoardFilters, deal_filter
from frontend.router import use_nav
from frontend.session import use_query, use_session

QUERY = f"""
query Report($input: DealReportInput!) {{
  {REPORT_FIELDS}
  owners: users(first: {MAX_FIRST}, filter: {{assignableFor: OWNER}}) {{ edges {{ node {{ id name }} }} }}
}}"""
KINDS = (("bar", "Bars"), ("line", "Line by month"), ("stacked", "Stacked bars"), ("funnel", "Funnel by stage"))
ADDITIVE = ("COUNT", "SUM", "WEIGHTED_SUM")  # what stacks and funnels: parts that add up to the whole
VIEW_KEYS = ("kind", "by", "split", "measure", "mine", "owner", "customer", "min", "max", "from", "to")


def _pick(params: dict[str, str], key: str, known: dict[str, Any], default: str) -> str:
    value = params.get(key, "")
    return value if value in known else default


def chart_kind(params: dict[str, str]) -> str:
    return _pick(params, "kind", dict(KINDS), "bar")


def report_view(params: dict[str, str], me: str) -> tuple[dict[str, Any], str, dict[str, str]]:
    """The screen's address as the API's DealReportInput, the measure charted, and a message per filter that is
    no value. The XLSX/PDF download reads its address with this too, so the file is the report on screen."""
    kind = chart_kind(params)
    by = _pick(params, "by", dict(DIMENSIONS), "STAGE")
    measure = _pick(params, "measure", FIELD, "SUM")
    if kind == "line":
        by = "CLOSE_MONTH"
    elif kind == "funnel":
        by = "STAGE"
    group = [by]
    if kind == "stacked":
        split = _pick(params, "split", dict(DIMENSIONS), "")
        group.append(split if split and split != by else ("OWNER" if by != "OWNER" else "STAGE"))
    if kind in ("stacked", "funnel") and measure not in ADDITIVE:
        measure = "COUNT"
    where, problems = deal_filter(params, me, None)
    return {"groupBy": group, "measures": list(FIELD), "filter": where}, measure, problems


def table(rows: list[dict[str, Any]], total: dict[str, Any], dimensions: list[str]) -> VdomDict:
    def cells(row: dict[str, Any]) -> list[VdomDict]:
        return [html.td({"key": m, "className": "num"}, figure(row, m)[1]) for m, _ in MEASURES]

    titles = [dict(DIMENSIONS)[d] for d in dimensions]
    return html.table(
        {"className": "report-table"},
        html.thead(html.tr(*(html.th({"key": t}, t) for t in titles),
                           *(html.th({"key": m, "className": "num"}, text) for m, text in MEASURES))),
        html.tbody(*(html.tr({"key": str(i)}, *(html.td({"key": d}, group_label(r, d)) for d in dimensions),
                             *cells(r)) for i, r in enumerate(rows))),
        html.tfoot(html.tr(html.th({"colSpan": len(dimensions)}, "All"), *cells(total))),
    )


def _summed(value: float, measure: str, currency: str) -> str:
    return f"{value:,.0f}" if measure == "COUNT" else f"{currency} {value:,.0f}"


def chart(kind: str, rows: list[dict[str, Any]], dimensions: list[str], measure: str, currency: str) -> VdomDict:
    """The report's rows drawn as the chosen kind of chart."""
    title, measured = dict(DIMENSIONS)[dimensions[0]], dict(MEASURES)[measure]
    if kind == "line":
        dated = [r for r in rows if r["month"]]
        points = [(group_label(r, "CLOSE_MONTH"), *figure(r, measure)) for r in dated]
        if not points:
            return html.p({"className": "muted"}, "No deal has a close date to draw by month.")
        return line_chart(points, measured, title)
    if kind == "funnel":
        # A band holds the deals that reached its stage: those in it and in every later one (lost deals left out:
        # the report does not know where they dropped out).
        stages = sorted((r for r in rows if r["stage"] and r["stage"]["kind"] != "LOST"),
                        key=lambda r: r["stage"]["position"])
        values = [figure(r, measure)[0] for r in stages]
        reached = [sum(values[i:]) for i in range(len(values))]
        return funnel_chart([(r["stage"]["name"], v, _summed(v, measure, currency)) for r, v in zip(stages, reached,
                                                                                                  strict=True)],
                            measured)
    if kind == "stacked":
        cells = [(group_label(r, dimensions[0]), group_label(r, dimensions[1]), figure(r, measure)[0]) for r in rows]
        sums: dict[str, float] = {}
        for bar, _, value in cells:
            sums[bar] = sums.get(bar, 0) + value
        return stacked_chart(cells, {bar: _summed(v, measure, currency) for bar, v in sums.items()}, measured, title,
                             dict(DIMENSIONS)[dimensions[1]])
    return bar_chart([(group_label(r, dimensions[0]), *figure(r, measure)) for r in rows], measured, title)


def export_links(params: dict[str, str]) -> VdomDict:
    """The report on screen as a file: the download reads the same address (frontend/export.py)."""
    view = {k: v for k, v in params.items() if k in VIEW_KEYS and v}
    suffix = f"?{urlencode(view)}" if view else ""
    return html.span(
        {"className": "export", "role": "group", "aria-label": "Export"},
        html.a({"className": "btn", "href": f"/ui/export/report.xlsx{suffix}", "download": True,
                "title": "Excel workbook: the table with a chart"}, "Export XLSX"),
        html.a({"className": "btn", "href": f"/ui/export/report.pdf{suffix}", "download": True,
                "title": "PDF: title, filters, rates, the table and a bar chart"}, "Export PDF"),
    )


@component
def ReportsPage() -> VdomDict:
    session = use_session()
    nav = use_nav()
    params = nav.route.query
    kind = chart_kind(params)
    input, measure, problems = report_view(params, session.me["id"])
    dimensions = input["groupBy"]
    allowed = session.can("readReports")
    result = use_query(QUERY, {"input": input}, skip=not allowed)

    def apply(**changes: str | None) -> None:
        text = view_query(params, **changes)
        nav.navigate("/reports" + (f"?{text}" if text else ""), replace=True)

    def pick(key: str) -> Callable[[Any], None]:
        return lambda e: apply(**{key: changed_value(e)})

    if not allowed:
        return html.div({"className": "page"}, html.h1("Reports"),
                        empty("Reports are for sales.", "Admins, sales heads and sales reps see reports of deals."))
    data = result.data
    if data is None:
        body = pending(result, "Counting deals…")
        owners: list[dict[str, Any]] = []
    else:
        report = data["report"]
        owners = [e["node"] for e in data["owners"]["edges"]]
        rows = report["rows"]
        body = empty("No deals to report.", "No deal you can see matches these filters.") if not rows else html.div(
            html.div({"className": "report-grid"},
                     html.div({"className": "card report-chart"},
                              chart(kind, rows, dimensions, measure, report["currency"])),
                     html.div({"className": "card report-table-wrap"}, table(rows, report["total"], dimensions))),
            html.p({"className": "muted"}, f"The {len(rows)} largest of {report['groupCount']} groups.")
            if report["groupCount"] > len(rows) else None,
            html.p({"className": "muted rates-note"}, rates_text(report)),
        )
    measures = [m for m in MEASURES if kind not in ("stacked", "funnel") or m[0] in ADDITIVE]
    grouping = [] if kind in ("line", "funnel") else [
        html.label({"key": "by", "className": "inline"}, "Group by",
                   select("by", DIMENSIONS, dimensions[0], onChange=pick("by")))]
    if kind == "stacked":
        grouping.append(html.label({"key": "split", "className": "inline"}, "Split by",
                                   select("split", [d for d in DIMENSIONS if d[0] != dimensions[0]], dimensions[1],
                                          onChange=pick("split"))))
    view = {k: v for k, v in params.items() if k in VIEW_KEYS and v}
    return html.div(
        {"className": "page reports"},
        html.div({"className": "page-head"}, html.h1("Reports"), html.div({"className": "actions"}, export_links(params))),
        html.div({"className": "filters report-picks"},
                 html.label({"className": "inline"}, "Chart", select("kind", KINDS, kind, onChange=pick("kind"))),
                 *grouping,
                 html.label({"className": "inline"}, "Measure",
                            select("measure", measures, measure, onChange=pick("measure")))),
        BoardFilters(params, owners, problems, apply),
        body,
        SavedReports(view, input, measure, lambda saved: nav.navigate("/reports" + (f"?{saved}" if saved else ""))),
    )
