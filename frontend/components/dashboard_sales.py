"""The salespeople's dashboard sections: a rep's desk and a head's team, drawn from the `dashboard` query's rep
and team parts. Every figure links to the list behind it (the board filtered to the owner or the months, the
tasks, the deal); the head sets quotas here (QuotaForm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.bar_chart import bar_chart
from frontend.components.deal_form import NOT_AN_AMOUNT, minor_units
from frontend.components.ui import error_banner, field, form_values, select, text_input, use_form_errors
from frontend.session import use_session

MONEY = "{ amount currency }"
WEEKLY = "{ done target pace behind }"
TARGETS = f"activityTargets {{ calls {WEEKLY} meetings {WEEKLY} }}"
QUOTA = f"id period startsOn amount {MONEY} won {MONEY} attainment elapsed pace {MONEY} onPace user {{ id }} team {{ id }}"
REP_PART = f"""rep {{
  pipelineByStage {{ stage {{ id name }} count amount {MONEY} weighted {MONEY} }}
  forecast {{ period startsOn count open {MONEY} weighted {MONEY} won {MONEY} expected {MONEY} }}
  quotas {{ {QUOTA} }}
  tasksDueToday tasksOverdue quietCount {TARGETS}
  quietDeals(first: 5) {{ id title amount {MONEY} customer {{ name }} }}
  recentWins(first: 5) {{ id title amount {MONEY} closedAt customer {{ name }} }}
}}"""
TEAM_PART = f"""team {{
  team {{ id name }} won {MONEY} teamQuota {{ {QUOTA} }}
  pipelineByStage {{ stage {{ id name }} count amount {MONEY} }}
  forecastByMonth {{ month count amount {MONEY} weighted {MONEY} }}
  reps {{ user {{ id name }} won {MONEY} wonCount lostCount share winRate averageDeal {MONEY} cycleDays
          openCount openAmount {MONEY} quota {{ {QUOTA} }} activities {{ kind count }} {TARGETS} }}
  lostByReason {{ reason {{ id name }} count amount {MONEY} }}
  stalledCount stalledDeals(first: 5) {{ id title amount {MONEY} owner {{ name }} customer {{ name }} }}
}}"""
SET_QUOTA = "mutation SetQuota($input: SetQuotaInput!) { setQuota(input: $input) { id } }"


def stat(label: str, value: str, href: str | None = None, hint: str | None = None, test_id: str = "") -> VdomDict:
    """A figure in a card; with `href`, the figure is a link to the list behind it."""
    shown = html.a({"href": href, "className": "stat-value", "data-figure": test_id}, value) if href else html.div(
        {"className": "stat-value", "data-figure": test_id}, value)
    return html.div({"className": "stat", "key": test_id or label}, html.div({"className": "stat-label"}, label), shown,
                    html.div({"className": "muted stat-hint"}, hint) if hint else None)


def short_money(value: dict[str, Any] | None) -> str:
    """A total at a glance, for a chart's bar where the exact figure is in the table: EUR 1.2M, EUR 876k."""
    if not value:
        return "–"
    major = value["amount"] / 100
    if abs(major) >= 1_000_000:
        return f"{value['currency']} {major / 1_000_000:,.1f}M"
    if abs(major) >= 10_000:  # below that the whole figure is short enough
        return f"{value['currency']} {major / 1_000:,.0f}k"
    return fmt.money(value)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def quota_bar(quota: dict[str, Any] | None, test_id: str) -> VdomDict:
    """Won against quota as a bar, with a tick where the pace says they should be by today."""
    if not quota:
        return html.span({"className": "muted", "data-attainment": test_id}, "No quota")
    done = min(1.0, quota["attainment"] or 0)
    pace = quota["elapsed"]
    state = "ahead" if quota["onPace"] else "behind"
    return html.div(
        {"className": f"quota quota-{state}", "data-attainment": test_id},
        html.div({"className": "quota-track", "role": "img",
                  "aria-label": f"{percent(quota['attainment'])} of quota, pace {percent(pace)}"},
                 html.div({"className": "quota-fill", "style": {"width": f"{done * 100:.1f}%"}}),
                 html.div({"className": "quota-pace", "style": {"left": f"{pace * 100:.1f}%"}})),
        html.div({"className": "quota-text"},
                 html.strong(percent(quota["attainment"])), f" · {fmt.money(quota['won'])} of {fmt.money(quota['amount'])}",
                 html.span({"className": "muted"}, f" · pace {fmt.money(quota['pace'])} ({'on pace' if quota['onPace'] else 'behind'})")),
    )


def target_text(figure: dict[str, Any]) -> str:
    """Done against the week's target, "7 / 10", or the count alone when no target is set."""
    return str(figure["done"]) if figure["target"] is None else f"{figure['done']} / {figure['target']}"


def week_bar(label: str, figure: dict[str, Any], test_id: str) -> VdomDict:
    """A week's calls or meetings as a bar against the target, with a tick at today's pace, like a quota."""
    if figure["target"] is None:
        return html.div({"className": "dash-quota", "data-target": test_id},
                        html.div(html.strong(f"{label} {figure['done']}"), html.span({"className": "muted"}, " · no target")))
    done = min(1.0, figure["done"] / figure["target"]) if figure["target"] else 1.0
    pace = min(1.0, figure["pace"] / figure["target"]) if figure["target"] else 0.0
    state = "behind" if figure["behind"] else "ahead"
    return html.div(
        {"className": f"dash-quota quota quota-{state}", "data-target": test_id},
        html.div({"className": "quota-text"}, html.strong(f"{label} {target_text(figure)}"),
                 html.span({"className": "muted"}, f" · pace {figure['pace']} ({'behind' if figure['behind'] else 'on pace'})")),
        html.div({"className": "quota-track", "role": "img",
                  "aria-label": f"{label} {figure['done']} of {figure['target']}, pace {figure['pace']}"},
                 html.div({"className": "quota-fill", "style": {"width": f"{done * 100:.1f}%"}}),
                 html.div({"className": "quota-pace", "style": {"left": f"{pace * 100:.1f}%"}})),
    )


def week_cell(targets: dict[str, Any] | None, who: str) -> VdomDict:
    """The head's table cell: calls and meetings this week against target, flagged when behind pace."""
    if not targets:
        return html.span({"className": "muted"}, "–")
    lines = []
    for kind, noun in (("calls", "calls"), ("meetings", "meetings")):
        figure = targets[kind]
        behind = figure["behind"]
        lines.append(html.div(
            {"key": kind, "className": "week-target behind" if behind else "week-target", "data-target": f"{who}-{kind}",
             "title": f"Behind pace: {figure['pace']} by today" if behind else ""},
            f"{target_text(figure)} {noun}",
            html.span({"className": "week-flag", "aria-label": "behind pace"}, " ▼") if behind else None))
    return html.div(*lines)


def deal_list(deals: list[dict[str, Any]], empty_text: str, who: bool = False) -> VdomDict:
    if not deals:
        return html.p({"className": "muted"}, empty_text)
    return html.ul(
        {"className": "dash-list"},
        *(html.li({"key": d["id"]},
                  html.a({"href": f"/deals/{d['id']}"}, d["title"]),
                  html.span({"className": "muted"}, f" · {d['customer']['name']}" if d.get("customer") else "",
                            f" · {d['owner']['name']}" if who and d.get("owner") else ""),
                  html.span({"className": "dash-amount"}, fmt.money(d["amount"])))
          for d in deals),
    )


def card(title: str, *children: Any, link: tuple[str, str] | None = None, key: str = "") -> VdomDict:
    head = html.div({"className": "card-head"}, html.h2(title),
                    html.a({"href": link[0], "className": "muted"}, link[1]) if link else None)
    return html.section({"className": "card dash-card", "key": key or title, "aria-label": title}, head, *children)


def stage_chart(stages: list[dict[str, Any]], board: str) -> VdomDict:
    if not stages:
        return html.p({"className": "muted"}, "No open deals.")
    bars = [(s["stage"]["name"] if s["stage"] else "?", s["amount"]["amount"] / 100,
             f"{short_money(s['amount'])} ({s['count']})") for s in stages]
    return bar_chart(bars, "Open amount", "Stage", [board] * len(bars))


def forecast_hint(period: dict[str, Any]) -> str:
    """What a forecast is made of, so a headline that counts this month's wins reads as such: "EUR 120k won ·
    EUR 40k weighted open (3 deals, EUR 95k)"."""
    deals = "1 deal" if period["count"] == 1 else f"{period['count']} deals"
    return (f"{short_money(period['won'])} won · {short_money(period['weighted'])} weighted open "
            f"({deals}, {short_money(period['open'])})")


def RepSection(rep: dict[str, Any], title: str | None = None) -> VdomDict:
    month, quarter = rep["forecast"]
    mine = "/pipeline?mine=1"
    quota_rows = [html.div({"key": q["id"], "className": "dash-quota"},
                           html.div({"className": "muted"}, f"{fmt.label(q['period'])} from {fmt.day(q['startsOn'])}"
                                    + (" · the team's" if q["team"] else "")),
                           quota_bar(q, f"me-{q['period'].lower()}" + ("-team" if q["team"] else "")))
                  for q in rep["quotas"]] or [html.p({"className": "muted"}, "No quota set for this period.")]
    return html.div(
        {"className": "dash-section", "key": "rep"},
        html.h2({"className": "dash-title"}, title) if title else None,
        html.div({"className": "stats"},
                 stat("Forecast this month", fmt.money(month["expected"]), f"{mine}&from={month['startsOn']}",
                      forecast_hint(month), "forecast-month"),
                 stat("Forecast this quarter", fmt.money(quarter["expected"]), f"{mine}&from={quarter['startsOn']}",
                      forecast_hint(quarter), "forecast-quarter"),
                 stat("Tasks due today", str(rep["tasksDueToday"]), "/tasks", None, "tasks-today"),
                 stat("Overdue tasks", str(rep["tasksOverdue"]), "/tasks?view=overdue", None, "tasks-overdue"),
                 stat("Stalled deals", str(rep["quietCount"]), mine, "no activity lately", "quiet")),
        html.div({"className": "dash-grid"},
                 card("My quota", *quota_rows),
                 card("This week", week_bar("Calls", rep["activityTargets"]["calls"], "me-calls"),
                      week_bar("Meetings", rep["activityTargets"]["meetings"], "me-meetings"))
                 if rep["activityTargets"] else None,
                 card("My open pipeline", stage_chart(rep["pipelineByStage"], mine), link=(mine, "Board")),
                 card("Going cold", deal_list(rep["quietDeals"], "Every open deal had activity lately.")),
                 card("Recent wins", deal_list(rep["recentWins"], "No wins yet."))),
    )


def _month_label(month: str | None) -> str:
    return fmt.day(month)[3:] if month else "No date"


def _next_month(month: str) -> str:
    year, m = int(month[:4]), int(month[5:7])
    return f"{year + m // 12}-{m % 12 + 1:02d}-01"


def rep_rows(reps: list[dict[str, Any]], team_won: dict[str, Any], set_quota: Callable[[dict[str, Any]], None] | None) -> VdomDict:
    head = ("Salesperson", "Won", "Share", "Quota", "Win rate", "Avg deal", "Cycle (days)", "Open",
            "Calls / meetings this week")
    return html.div(
        {"className": "report-table-wrap"},
        html.table(
            {"className": "report-table dash-reps"},
            html.thead(html.tr(*(html.th({"key": h, "className": "num" if i and i != 3 else ""}, h)
                                 for i, h in enumerate(head)), html.th("") if set_quota else None)),
            html.tbody(*(
                html.tr(
                    {"key": r["user"]["id"], "data-rep": r["user"]["name"]},
                    html.td(html.a({"href": f"/pipeline?owner={r['user']['id']}"}, r["user"]["name"])),
                    html.td({"className": "num", "data-won": r["user"]["name"]}, fmt.money(r["won"])),
                    html.td({"className": "num"}, percent(r["share"])),
                    html.td({"className": "dash-quota-cell"}, quota_bar(r["quota"], r["user"]["name"])),
                    html.td({"className": "num"}, percent(r["winRate"])),
                    html.td({"className": "num"}, fmt.money(r["averageDeal"])),
                    html.td({"className": "num"}, "–" if r["cycleDays"] is None else f"{r['cycleDays']:.0f}"),
                    html.td({"className": "num"}, f"{fmt.money(r['openAmount'])} ({r['openCount']})"),
                    html.td({"className": "num"}, week_cell(r["activityTargets"], r["user"]["name"])),
                    html.td(html.button({"className": "btn btn-small", "type": "button",
                                         "onClick": lambda e, r=r: set_quota({"userId": r["user"]["id"], "name": r["user"]["name"],
                                                                               "quota": r["quota"]})},
                                        "Set quota")) if set_quota else None,
                ) for r in reps)),
            html.tfoot(html.tr(html.th("Team"), html.td({"className": "num"}, fmt.money(team_won)),
                               *(html.td({"key": str(i)}) for i in range(7 + bool(set_quota))))),
        ),
    )


@component
def TeamPanel(team: dict[str, Any], period: dict[str, Any], may_set: bool, reload: Callable[[], None]) -> VdomDict:
    editing, set_editing = use_state(cast(dict[str, Any] | None, None))
    reps = team["reps"]
    revenue = [(r["user"]["name"], r["won"]["amount"] / 100, f"{short_money(r['won'])} · {percent(r['share'])}") for r in reps]
    months = team["forecastByMonth"]
    forecast = [(_month_label(m["month"]), m["weighted"]["amount"] / 100, short_money(m["weighted"])) for m in months]
    month_links = [f"/pipeline?from={m['month']}&to={_next_month(m['month'])}" if m["month"] else "/pipeline" for m in months]
    lost = [((r["reason"] or {}).get("name") or "No reason given", r["count"], f"{r['count']} · {short_money(r['amount'])}")
            for r in team["lostByReason"]]
    team_info = team["team"]
    return html.div(
        {"className": "dash-section", "key": "team"},
        html.h2({"className": "dash-title"}, f"Team {team_info['name']}" if team_info else "Every salesperson"),
        html.div({"className": "stats"},
                 stat(f"Team won this {period['label']}", fmt.money(team["won"]), "/reports?by=OWNER", None, "team-won"),
                 stat("Team quota", percent((team["teamQuota"] or {}).get("attainment")) if team["teamQuota"] else "Not set",
                      None, f"of {fmt.money(team['teamQuota']['amount'])}" if team["teamQuota"] else None, "team-quota")
                 if team_info else None,
                 stat("Stalled deals", str(team["stalledCount"]), "/pipeline", "no activity lately", "stalled")),
        QuotaForm(editing, period, lambda: set_editing(None), reload) if editing else None,
        card(f"Salespeople this {period['label']}",
             rep_rows(reps, team["won"], set_editing if may_set else None),
             html.div({"className": "actions"},
                      html.button({"className": "btn btn-small", "type": "button",
                                   "onClick": lambda e: set_editing({"teamId": team_info["id"], "name": team_info["name"],
                                                                     "quota": team["teamQuota"]})},
                                  "Set team quota")) if may_set and team_info else None,
             key="revenue"),
        html.div({"className": "dash-grid"},
                 card(f"Revenue by salesperson this {period['label']}",
                      bar_chart(revenue, "Won", "Salesperson", [f"/pipeline?owner={r['user']['id']}" for r in reps])
                      if reps else html.p({"className": "muted"}, "No salespeople."), link=("/reports?by=OWNER", "Report")),
                 card("Team quota", quota_bar(team["teamQuota"], "team")) if team["teamQuota"] else None,
                 card("Forecast by month of close", bar_chart(forecast, "Weighted amount", "Month", month_links)
                      if forecast else html.p({"className": "muted"}, "No open deals."),
                      link=("/reports?by=CLOSE_MONTH&measure=WEIGHTED_SUM", "Report")),
                 card("Team pipeline", stage_chart(team["pipelineByStage"], "/pipeline"), link=("/pipeline", "Board")),
                 card(f"Lost this {period['label']} by reason",
                      bar_chart(lost, "Deals lost", "Reason", ["/reports?by=LOST_REASON"] * len(lost)) if lost
                      else html.p({"className": "muted"}, "Nothing lost."), link=("/reports?by=LOST_REASON", "Report")),
                 card("Stalled deals", deal_list(team["stalledDeals"], "Every open deal had activity lately.", who=True))),
    )


@component
def QuotaForm(target: dict[str, Any], period: dict[str, Any], close: Callable[[], None], saved: Callable[[], None]) -> VdomDict:
    """Set the quota of a salesperson or the team for the period on screen."""
    session = use_session()
    form = use_form_errors()
    current = (target.get("quota") or {}).get("amount")

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        amount = minor_units(values.get("amount", ""))
        if amount is None:
            form.set_errors({"amount": NOT_AN_AMOUNT})
            return
        holder = {"userId": target["userId"]} if target.get("userId") else {"teamId": target["teamId"]}
        targets = {k: int(values[k]) for k in ("callsPerWeek", "meetingsPerWeek") if values.get(k, "").strip().isdigit()}
        try:
            await gql.execute(session.actor, SET_QUOTA, input={**holder, "period": period["value"],
                                                               "startsOn": period["startsOn"], "amount": amount, **targets})
        except gql.GqlError as error:
            form.show(error)
            return
        close()
        saved()

    return html.form(
        {"className": "card quota-form", "onSubmit": submit, "onInput": form.edited, "noValidate": True,
         "aria-label": f"Quota of {target['name']}"},
        html.h2(f"Quota of {target['name']} for this {period['label']} (from {fmt.day(period['startsOn'])})"),
        error_banner(form.problem),
        html.div({"className": "form-grid"},
                 field(f"Amount ({current['currency'] if current else 'base currency'})",
                       text_input("amount", f"{current['amount'] / 100:.2f}" if current else "", inputMode="decimal"),
                       form.errors.get("amount"), required=True),
                 field("Calls a week", text_input("callsPerWeek", "", inputMode="numeric"), form.errors.get("callsPerWeek")),
                 field("Meetings a week", text_input("meetingsPerWeek", "", inputMode="numeric"),
                       form.errors.get("meetingsPerWeek"))),
        html.div({"className": "form-actions"},
                 html.button({"className": "btn btn-primary", "type": "submit"}, "Save quota"),
                 html.button({"className": "btn", "type": "button", "onClick": lambda e: close()}, "Cancel")),
    )


PERIODS = (("MONTH", "Month"), ("QUARTER", "Quarter"), ("YEAR", "Year"))


def period_picker(value: str, pick: Callable[[Any], None]) -> VdomDict:
    return html.label({"className": "inline"}, "Period", select("period", PERIODS, value, onChange=pick))
