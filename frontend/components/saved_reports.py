"""Saved reports on /reports: save the report on screen under a name (optionally mailed weekly on a weekday),
reopen one, switch its weekly mail on or off, delete it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import changed_value, error_banner, field, form_values, select, text_input
from frontend.session import use_query, use_session

LIST = "query SavedReports { savedReports { id name weekday version view } }"
SAVE = "mutation Save($input: SaveReportInput!) { saveReport(input: $input) { id } }"
SCHEDULE = "mutation Schedule($input: ScheduleSavedReportInput!) { scheduleSavedReport(input: $input) { id } }"
DELETE = "mutation Delete($input: DeleteSavedReportInput!) { deleteSavedReport(input: $input) }"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS = (("", "No mail"), *((str(i), f"Every {day}") for i, day in enumerate(DAYS)))


@component
def SavedReports(view: dict[str, str], report: dict[str, Any], chart: str,
                 open_view: Callable[[str], None]) -> VdomDict:
    session = use_session()
    listed = use_query(LIST)
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    busy, set_busy = use_state(False)

    async def run(document: str, **input: Any) -> bool:
        set_busy(True)
        try:
            await gql.execute(session.actor, document, input=input)
        except gql.GqlError as error:
            set_problem(error)
            return False
        finally:
            set_busy(False)
        set_problem(None)
        listed.reload()
        return True

    @event(prevent_default=True)
    async def save(submitted: Any) -> None:
        values = form_values(submitted)
        day = values.get("weekday", "")
        await run(SAVE, name=values.get("name", ""), report=report, chart=chart, view=view,
                  weekday=int(day) if day else None)

    def schedule(saved: dict[str, Any]) -> Callable[[Any], Any]:
        async def changed(change: Any) -> None:
            day = changed_value(change)
            await run(SCHEDULE, id=saved["id"], version=saved["version"], weekday=int(day) if day else None)
        return changed

    def delete(saved: dict[str, Any]) -> Callable[[Any], Any]:
        async def clicked(_: Any) -> None:
            await run(DELETE, id=saved["id"])
        return clicked

    saved_list = (listed.data or {}).get("savedReports") or []
    rows = [
        html.li({"key": s["id"], "className": "saved-report"},
                html.button({"className": "btn btn-link", "type": "button",
                             "onClick": lambda e, s=s: open_view(urlencode(s["view"] or {}))}, s["name"]),
                select("weekday", WEEKDAYS, "" if s["weekday"] is None else str(s["weekday"]),
                       onChange=schedule(s), **{"aria-label": f"Weekly mail of {s['name']}"}),
                html.button({"className": "btn btn-small", "type": "button", "onClick": delete(s),
                             "aria-label": f"Delete {s['name']}"}, "Delete"))
        for s in saved_list
    ]
    return html.section(
        {"className": "card saved-reports"},
        html.h2("Saved reports"),
        error_banner(problem),
        html.form(
            {"className": "saved-report-form", "onSubmit": save},
            field("Name", text_input("name", "", placeholder="e.g. Pipeline by owner", maxLength=100)),
            field("Weekly mail", select("weekday", WEEKDAYS, ""),
                  hint="The table by email with the XLSX attached, from 07:00 your time"),
            html.button({"className": "btn btn-primary", "type": "submit", "disabled": busy}, "Save this report"),
        ),
        html.ul({"className": "saved-report-list"}, *rows) if rows else
        html.p({"className": "muted"}, "No saved reports yet."),
    )
