"""Admin → Support desk: the business hours SLA targets count in (days, times, time zone, holidays), the lead
told of breaches, and the targets per priority with their escalation on breach (a higher priority, a new
assignee; applied once per ticket). Saving either moves the due times of running tickets."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import gql
from frontend.components.admin.working_hours import hours_fields, picked_days
from frontend.components.ui import error_banner, field, form_values, pending, select, text_input, use_form_errors
from frontend.session import use_query, use_session

QUERY = f"""query SupportDesk {{
  supportCalendar {{ version weekdays start end timeZone holidays lead {{ id }} }}
  slaPolicies {{ priority firstResponseMinutes resolutionMinutes escalateTo escalateAssignee {{ id }} }}
  people: users(first: {MAX_FIRST}, filter: {{assignableFor: TICKET}}) {{ edges {{ node {{ id name }} }} }}
}}"""
SET_CALENDAR = "mutation SetSupportCalendar($input: SetSupportCalendarInput!) { setSupportCalendar(input: $input) { version } }"
SET_POLICY = "mutation SetSlaPolicy($input: SetSlaPolicyInput!) { setSlaPolicy(input: $input) { priority } }"


def _minutes(text: str | None) -> int:
    """A typed whole number of minutes; anything else as 0, which the API refuses naming the field."""
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _dates(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


PRIORITIES = ("LOW", "NORMAL", "HIGH", "URGENT")  # ascending: a policy escalates only to those after its own


@component
def SlaRow(policy: dict[str, Any], people: list[dict[str, Any]], saved: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            await gql.execute(session.actor, SET_POLICY, input={
                "priority": policy["priority"], "firstResponseMinutes": _minutes(values.get("first")),
                "resolutionMinutes": _minutes(values.get("resolution")),
                "escalateTo": values.get("escalateTo") or None,
                "escalateAssigneeId": values.get("escalateAssigneeId") or None})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        saved(f"{policy['priority'].capitalize()} targets saved.")

    name = policy["priority"].capitalize()
    higher = [(p, p.capitalize()) for p in PRIORITIES[PRIORITIES.index(policy["priority"]) + 1:]]
    return html.form(
        {"className": "form-grid sla-row", "onSubmit": submit, "onInput": form.edited, "noValidate": True,
         "aria-label": f"{name} targets"},
        html.strong({"className": "sla-priority"}, name),
        field("First response (business minutes)", text_input("first", str(policy["firstResponseMinutes"]), kind="number",
                                                              **{"aria-label": f"{name} first response"}),
              form.errors.get("firstResponseMinutes")),
        field("Resolution (business minutes)", text_input("resolution", str(policy["resolutionMinutes"]), kind="number",
                                                          **{"aria-label": f"{name} resolution"}),
              form.errors.get("resolutionMinutes")),
        field("On breach, raise to", select("escalateTo", [("", "Keep the priority"), *higher],
                                            policy.get("escalateTo") or "", **{"aria-label": f"{name} escalate to"}),
              form.errors.get("escalateTo")) if higher else None,
        field("On breach, hand to", select("escalateAssigneeId", [("", "Keep the assignee"),
                                                                  *((p["id"], p["name"]) for p in people)],
                                           (policy.get("escalateAssignee") or {}).get("id") or "",
                                           **{"aria-label": f"{name} escalate assignee"}),
              form.errors.get("escalateAssigneeId"), hint="Once per ticket, on its first breach"),
        html.div({"className": "form-actions"}, html.button({"className": "btn", "type": "submit"}, "Save")),
        error_banner(form.problem),
    )


@component
def SupportSection() -> VdomDict:
    session = use_session()
    result = use_query(QUERY)
    form = use_form_errors()
    saved, set_saved = use_state("")
    data = result.data
    if data is None:
        return pending(result, "Loading the support desk…")
    calendar = data["supportCalendar"]
    people = [e["node"] for e in data["people"]["edges"]]

    def done(text: str) -> None:
        set_saved(text)
        result.reload()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            await gql.execute(session.actor, SET_CALENDAR, input={
                "version": calendar["version"], "weekdays": picked_days(values), "start": values.get("start", ""),
                "end": values.get("end", ""), "timeZone": values.get("timeZone", ""),
                "holidays": _dates(values.get("holidays", "")), "leadId": values.get("leadId") or None})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        done("Support hours saved: open tickets' due times follow them.")

    return html.section(
        {"aria-label": "Support desk"},
        html.h2("Support hours"),
        html.p({"className": "subtle"}, "SLA targets count only these business hours; holidays count none."),
        html.div({"className": "notice notice-ok", "role": "status"}, saved) if saved else None,
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True,
             "aria-label": "Support hours", "key": f"calendar-{calendar['version']}"},
            *hours_fields(calendar, form.errors),
            field("Time zone", text_input("timeZone", calendar["timeZone"], **{"aria-label": "Time zone"}),
                  form.errors.get("timeZone")),
            field("Support lead", select("leadId", [("", "The admins"), *((p["id"], p["name"]) for p in people)],
                                         (calendar.get("lead") or {}).get("id") or "", **{"aria-label": "Support lead"}),
                  form.errors.get("leadId"), hint="Told of tickets near or past their SLA, with the assignee"),
            field("Holidays", html.textarea({"name": "holidays", "rows": 3, "aria-label": "Holidays",
                                             "defaultValue": "\n".join(calendar["holidays"])}),
                  form.errors.get("holidays"), hint="One date a line, as 2026-12-24", wide=True),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save support hours")),
        ),
        html.h2("SLA targets"),
        html.p({"className": "subtle"}, "Per priority, in business minutes (480 = one working day of 8 hours)."),
        *(SlaRow(policy, people, done, key=policy["priority"]) for policy in data["slaPolicies"]),
    )
