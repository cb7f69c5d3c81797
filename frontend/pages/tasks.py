"""My tasks: open tasks assigned to me, overdue first; mark done or re-schedule."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import badge, cell, empty, error_banner, form_values, loading
from frontend.gql import GqlError
from frontend.session import use_query, use_session

TASKS_QUERY = """
query MyTasks {
  activities(first: 100, filter: {kind: [TASK], mine: true, open: true}) {
    totalCount
    edges { node { id title description dueAt priority taskStatus version customer { id name } } }
  }
}"""
COMPLETE = "mutation CompleteTask($input: CompleteTaskInput!) { completeTask(input: $input) { id } }"
RESCHEDULE = "mutation Reschedule($input: UpdateTaskInput!) { updateTask(input: $input) { id } }"


def ordered(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue first, then by due date; tasks without a due date last."""
    return sorted(tasks, key=lambda t: (not fmt.is_past(t["dueAt"]), t["dueAt"] is None, t["dueAt"] or ""))


@component
def TaskRow(task: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    rescheduling, set_rescheduling = use_state(False)
    problem, set_problem = use_state(cast(GqlError | str | None, None))

    async def complete(e: Any) -> None:
        try:
            await gql.execute(session.actor, COMPLETE, input={"id": task["id"], "version": task["version"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        changed()

    @event(prevent_default=True)
    async def reschedule(e: Any) -> None:
        due = form_values(e).get("dueAt", "")
        if not due:
            set_problem("Pick a new due date.")
            return
        try:
            await gql.execute(session.actor, RESCHEDULE,
                              input={"id": task["id"], "version": task["version"], "dueAt": fmt.from_local(due, session.zone)})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_rescheduling(False)
        changed()

    overdue = fmt.is_past(task["dueAt"])
    return html.tr(
        {"className": "task-row"},
        cell("Task", html.strong(task["title"]), html.div({"className": "muted"}, task["description"])
             if task["description"] else None, error_banner(problem)),
        cell("Customer", html.a({"href": f"/customers/{task['customer']['id']}"}, task["customer"]["name"])
             if task["customer"] else "–"),
        cell("Due", fmt.moment(task["dueAt"]) if task["dueAt"] else html.span({"className": "muted"}, "No due date"),
             " ", badge("Overdue", "overdue") if overdue else None, className="nowrap"),
        cell("Priority", badge(task["priority"]) if task["priority"] else "–"),
        cell("Status", badge(task["taskStatus"])),
        cell(
            "",
            html.form({"onSubmit": reschedule, "className": "actions"},
                      html.input({"type": "datetime-local", "name": "dueAt", "aria-label": "New due date"}),
                      html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Save"),
                      html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                   "onClick": lambda e: set_rescheduling(False)}, "Cancel"))
            if rescheduling else html.div(
                {"className": "actions"},
                html.button({"className": "btn btn-small btn-primary", "type": "button", "onClick": complete}, "Mark done"),
                html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_rescheduling(True)},
                            "Re-schedule"),
            ),
            className="nowrap cell-actions",
        ),
    )


@component
def TasksPage() -> VdomDict:
    result = use_query(TASKS_QUERY)
    page = (result.data or {}).get("activities")
    if page is None:
        body = error_banner(result.error) if result.error else loading("Loading your tasks…")
    elif not page["edges"]:
        body = empty("Nothing to do.", "Tasks assigned to you appear here. Create one from a customer with “Log activity → Task”.")
    else:
        tasks = ordered([e["node"] for e in page["edges"]])
        body = html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "My tasks"},
            html.thead(html.tr(html.th("Task"), html.th("Customer"), html.th("Due"), html.th("Priority"),
                               html.th("Status"), html.th(""))),
            html.tbody(*(TaskRow(t, result.reload, key=t["id"]) for t in tasks)),
        ))
    overdue = sum(1 for e in (page or {}).get("edges", []) if fmt.is_past(e["node"]["dueAt"]))
    return html.div(
        {"className": "page"},
        html.div({"className": "page-head"},
                 html.div(html.h1("My tasks"),
                          html.p({"className": "subtle"},
                                 f"{page['totalCount']} open · {overdue} overdue" if page else ""))),
        body,
    )
