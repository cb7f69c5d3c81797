"""Admin → Status workflows: which status of a customer, contact, lead or task may follow which, as a
matrix of from → to checkboxes per entity. Each tick saves at once (setStatusTransition, audited) and every
connected user's forms follow (statusWorkflowChanged). Unticking never moves a record: those in the status
stay there and only lose that step; a status left with no step out is final."""

from __future__ import annotations

from typing import Any

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import error_banner, pending, use_form_errors
from frontend.session import use_live, use_query, use_session

WORKFLOWS = """query AdminWorkflows { statusWorkflows {
  entity statuses fromStatuses toStatuses selfSteps steps { from to } records { status count } } }"""
SET = """mutation SetStatusTransition($input: SetStatusTransitionInput!) {
  setStatusTransition(input: $input) { entity } }"""
CHANGED = "subscription AdminWorkflowChanged { statusWorkflowChanged { entity } }"
NOUNS = {"CUSTOMER": ("Customers", "customer"), "CONTACT": ("Contacts", "contact"), "LEAD": ("Leads", "lead"),
         "TASK": ("Tasks", "task")}
FIXED = {
    "CUSTOMER": "Blocking (from any status, with a reason) and unblocking (back to the status before) are fixed.",
    "CONTACT": "A tick under Converted lets contacts in that status be converted; converted is final.",
    "LEAD": "Converting (from new, contacted or qualified) is fixed; converted is final.",
    "TASK": "Done and aborted are final. A new due date schedules a new task and reschedules a scheduled one.",
}


def notice(entity: str, old: str, new: str, allowed: bool, counts: dict[str, int]) -> str:
    """What the change means for records now in `old`."""
    plural, one = NOUNS[entity]
    held = counts.get(old, 0)
    who = f"{held} {one if held == 1 else plural.lower()}" if held else f"No {one}"
    is_are = "is" if held == 1 or not held else "are"
    step = f"{fmt.label(old)} → {fmt.label(new)}"
    if allowed:
        return f"{step} allowed. {who} {is_are} {fmt.label(old).lower()} now."
    return (f"{step} no longer allowed. {who} {is_are} {fmt.label(old).lower()} now: they keep their status "
            "and can no longer take this step.")


@component
def Matrix(workflow: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    said, set_said = use_state("")
    entity = workflow["entity"]
    plural, _ = NOUNS[entity]
    steps = {(s["from"], s["to"]) for s in workflow["steps"]}
    counts = {r["status"]: r["count"] for r in workflow["records"]}

    def toggle(old: str, new: str, allowed: bool) -> Any:
        async def send(e: Any) -> None:
            try:
                await gql.execute(session.actor, SET, input={"entity": entity, "from": old, "to": new,
                                                             "allowed": allowed})
            except gql.GqlError as error:
                form.show(error)
                return
            form.clear()
            set_said(notice(entity, old, new, allowed, counts))
            changed()
        return send

    def cell(old: str, new: str) -> VdomDict:
        label = f"{plural}: {fmt.label(old)} to {fmt.label(new)}"
        if old == new and old not in workflow["selfSteps"]:
            return html.td({"className": "step-none", "data-label": fmt.label(new)}, "—")
        on = (old, new) in steps
        return html.td(
            {"data-label": fmt.label(new)},
            html.input({"type": "checkbox", "checked": on, "aria-label": label, "key": f"{old}-{new}-{on}",
                        "onChange": toggle(old, new, not on)}))

    rows = [
        html.tr({"key": old},
                html.th({"scope": "row"}, fmt.label(old),
                        html.span({"className": "muted step-count"}, f" {counts[old]:,}") if old in counts else None),
                *(cell(old, new) for new in workflow["toStatuses"]))
        for old in workflow["fromStatuses"]
    ]
    return html.section(
        {"className": "panel workflow", "aria-label": f"{plural} workflow", "data-entity": entity},
        html.h2(plural),
        html.p({"className": "muted"}, "Rows: the status a record is in (with how many are in it now); columns: "
               "the status it may take next. ", FIXED[entity]),
        html.div({"className": "form-notices"}, error_banner(form.problem),
                 html.div({"className": "notice", "role": "status"}, said) if said else None),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table workflow-matrix", "aria-label": f"{plural} status steps"},
            html.thead(html.tr(html.th({"scope": "col"}, "From ↓ / to →"),
                               *(html.th({"scope": "col", "key": new}, fmt.label(new)) for new in workflow["toStatuses"]))),
            html.tbody(*rows),
        )),
    )


@component
def WorkflowsSection() -> VdomDict:
    result = use_query(WORKFLOWS)
    use_live(CHANGED, None, lambda e: result.reload())  # another admin's change shows at once
    data = result.data
    if data is None:
        return pending(result, "Loading workflows…")
    return html.div({"className": "workflows"},
                    *(Matrix(w, result.reload, key=w["entity"]) for w in data["statusWorkflows"]))
