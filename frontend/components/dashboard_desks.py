"""The dashboard sections of support (tickets, the contact pipeline, calls and meetings ahead, conversions), marketing
(campaigns side by side, enrolments by month) and admins (users, tokens, jobs, mail, the database)."""

from __future__ import annotations

from typing import Any

from reactpy import html
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.components.bar_chart import bar_chart
from frontend.components.dashboard_sales import card, stat

SUPPORT_PART = """support { contactsByStatus { kind count } scheduled { kind count } conversions
  tickets { open unassigned breachingSoon breaches averageFirstResponseMinutes averageResolutionMinutes
            averageSatisfaction rated } }"""
MARKETING_PART = """marketing { campaigns { campaign { id title status } views likes enrolments enrolmentRate }
  enrolmentsByMonth { month count } }"""
ADMIN_PART = """admin { health { usersActive usersSignedIn tokensActive tokensUsed jobs { kind count } mailWaiting mailSent
  mailSuppressed databaseBytes } }"""


def duration(minutes: float | None) -> str:
    """A mean time at a glance: 45 min, 3.5 h, 2.1 d (– when nothing was measured)."""
    if minutes is None:
        return "–"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def ticket_stats(t: dict[str, Any]) -> VdomDict:
    """The queue in figures (ticketSummary), each a link to the queue filtered to the tickets behind it."""
    score = "–" if t["averageSatisfaction"] is None else f"{t['averageSatisfaction']:.1f} / 5"
    return html.div(
        {"className": "stats", "aria-label": "Tickets"},
        stat("Open tickets", str(t["open"]), "/tickets?view=open", f"{t['unassigned']} unassigned", "tickets-open"),
        stat("Breaching soon", str(t["breachingSoon"]), "/tickets?view=soon", "SLA due within the hour or past",
             "tickets-soon"),
        stat("SLA breaches", str(t["breaches"]), "/tickets?view=all", "last 30 days", "tickets-breaches"),
        stat("First response", duration(t["averageFirstResponseMinutes"]), "/tickets?view=all",
             "mean, last 30 days", "tickets-response"),
        stat("Resolution", duration(t["averageResolutionMinutes"]), "/tickets?view=all&status=RESOLVED",
             "mean, last 30 days", "tickets-resolution"),
        stat("Satisfaction", score, "/tickets?view=all&status=CLOSED", fmt.plural(t["rated"], "answer"),
             "tickets-satisfaction"),
    )


def SupportSection(support: dict[str, Any], period: dict[str, Any]) -> VdomDict:
    statuses = support["contactsByStatus"]
    planned = {s["kind"]: s["count"] for s in support["scheduled"]}
    bars = [(fmt.label(s["kind"]), s["count"], str(s["count"])) for s in statuses]
    return html.div(
        {"className": "dash-section", "key": "support"},
        html.h2({"className": "dash-title"}, "Tickets"),
        ticket_stats(support["tickets"]),
        html.h2({"className": "dash-title"}, "Contacts"),
        html.div({"className": "stats"},
                 stat(f"Conversions this {period['label']}", str(support["conversions"]), "/contacts?status=converted",
                      None, "conversions"),
                 stat("Calls ahead", str(planned.get("call", 0)), "/tasks", f"until the {period['label']} ends", "calls"),
                 stat("Meetings ahead", str(planned.get("meeting", 0)), "/tasks", f"until the {period['label']} ends",
                      "meetings")),
        card("Contacts by status", bar_chart(bars, "Contacts", "Status", [f"/contacts?status={s['kind']}" for s in statuses]),
             link=("/contacts", "Contacts")),
    )


def MarketingSection(marketing: dict[str, Any]) -> VdomDict:
    campaigns = marketing["campaigns"]
    months = marketing["enrolmentsByMonth"]
    enrolled = [(c["campaign"]["title"], c["enrolments"], f"{c['enrolments']} of {c['views']} views") for c in campaigns]
    table = html.table(
        {"className": "report-table"},
        html.thead(html.tr(html.th("Campaign"), *(html.th({"key": h, "className": "num"}, h)
                                                   for h in ("Views", "Likes", "Enrolments", "Rate")))),
        html.tbody(*(html.tr({"key": c["campaign"]["id"]},
                             html.td(html.a({"href": f"/campaigns/{c['campaign']['id']}"}, c["campaign"]["title"])),
                             html.td({"className": "num"}, str(c["views"])), html.td({"className": "num"}, str(c["likes"])),
                             html.td({"className": "num"}, str(c["enrolments"])),
                             html.td({"className": "num"}, "–" if c["enrolmentRate"] is None else f"{c['enrolmentRate']:.0%}"))
                     for c in campaigns)),
    )
    return html.div(
        {"className": "dash-section", "key": "marketing"},
        html.div({"className": "dash-grid"},
                 card("Campaigns side by side",
                      bar_chart(enrolled, "Enrolments", "Campaign", [f"/campaigns/{c['campaign']['id']}" for c in campaigns])
                      if campaigns else html.p({"className": "muted"}, "No campaigns yet."),
                      html.div({"className": "report-table-wrap"}, table) if campaigns else None,
                      link=("/campaigns", "Campaigns")),
                 card("Enrolments by month", bar_chart([(fmt.day(m["month"])[3:], m["count"], str(m["count"])) for m in months],
                                                       "Enrolments", "Month"))),
    )


def _size(count: int | None) -> str:
    if count is None:
        return "–"
    size = float(count)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def AdminSection(admin: dict[str, Any]) -> VdomDict:
    h = admin["health"]
    jobs = {j["kind"]: j["count"] for j in h["jobs"]}
    return html.div(
        {"className": "dash-section", "key": "admin"},
        html.div({"className": "stats"},
                 stat("Active users", str(h["usersActive"]), "/admin/users", f"{h['usersSignedIn']} signed in this month",
                      "users"),
                 stat("API tokens", str(h["tokensActive"]), "/admin/tokens", f"{h['tokensUsed']} used this month", "tokens"),
                 stat("Failed jobs", str(jobs.get("failed", 0)), "/admin/jobs",
                      f"{jobs.get('pending', 0)} waiting · {jobs.get('running', 0)} running", "jobs"),
                 stat("Mail waiting", str(h["mailWaiting"]), "/admin/jobs",
                      f"{h['mailSent']} sent · {h['mailSuppressed']} held back this month", "mail"),
                 stat("Database", _size(h["databaseBytes"]), None, None, "database")),
    )
