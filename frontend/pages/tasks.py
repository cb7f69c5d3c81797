"""Tasks: mine, my team's (heads), overdue and due this week; create, complete, reschedule or abort one,
or complete and reschedule several at once. Soonest due first, so overdue tasks lead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.listing import export_links
from frontend.components.ui import (
    badge,
    changed_value,
    empty,
    error_banner,
    field,
    form_values,
    loading,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.router import Route
from frontend.session import Session, use_live, use_query, use_session

TASK_FIELDS = """id title description dueAt remindAt priority taskStatus allowedTaskStatuses overdue version
  repeat { every unit label }
  customer { id name } assignee { id name } author { id }"""
TASKS_QUERY = f"""
query Tasks($filter: ActivityFilter, $after: String, $first: Int = 50) {{
  activities(first: $first, after: $after, filter: $filter, orderBy: {{field: DUE_AT, direction: ASC}}) {{
    totalCount
    edges {{ node {{ {TASK_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
ONE_TASK = f"query OneTask($id: ID!) {{ activity(id: $id) {{ kind {TASK_FIELDS} }} }}"
ASSIGNABLE = "query Assignable { users(first: 100, filter: {assignableFor: TASK}) { edges { node { id name } } } }"
CUSTOMERS = "query TaskCustomers($search: String) { customers(first: 8, search: $search) { edges { node { id name } } } }"
CREATE = "mutation CreateTask($input: LogActivityInput!) { logActivity(input: $input) { id } }"
COMPLETE = "mutation CompleteTask($input: CompleteTaskInput!) { completeTask(input: $input) { id } }"
UPDATE = "mutation UpdateTask($input: UpdateTaskInput!) { updateTask(input: $input) { id } }"
NOTIFIED = "subscription TasksNotified { notifications { id } }"
PRIORITIES = (("LOW", "Low"), ("NORMAL", "Normal"), ("HIGH", "High"))
REPEAT_UNITS = (("", "Does not repeat"), ("DAY", "Days"), ("WEEK", "Weeks"), ("MONTH", "Months"))


def repeat_controls(current: dict[str, Any] | None = None) -> VdomDict:
    """Every [n] [days|weeks|months], or does not repeat."""
    return html.span(
        {"className": "repeat-controls"},
        html.input({"type": "number", "name": "repeatEvery", "min": 1, "max": 365, "aria-label": "Repeat every",
                    "defaultValue": str((current or {}).get("every", 1)), "className": "repeat-every"}),
        select("repeatUnit", REPEAT_UNITS, (current or {}).get("unit", ""), **{"aria-label": "Repeat unit"}),
    )


def repeat_value(values: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """(the repeat input, or None for "does not repeat"; a problem with the number, if any)."""
    if not values.get("repeatUnit"):
        return None, None
    try:
        every = int(values.get("repeatEvery") or "1")
    except ValueError:
        return None, "must be a whole number"
    return {"every": every, "unit": values["repeatUnit"]}, None


@dataclass(frozen=True)
class View:
    key: str
    title: str
    hint: str  # what the view holds, under the heading
    empty: str


def views(session: Session) -> list[View]:
    """The views this user has: "My team" for sales heads; overdue and this week cover the team for them."""
    head = session.me["role"] == "SALES_HEAD"
    whose = "you and your team" if head else "you"
    found = [View("mine", "Mine", "Open tasks assigned to you", "No open tasks are assigned to you.")]
    if head:
        found.append(View("team", "My team", "Open tasks of everyone in your team", "Your team has no open tasks."))
    found += [
        View("overdue", "Overdue", f"Open tasks of {whose} past their due date", "Nothing is overdue."),
        View("week", "Due this week", f"Open tasks of {whose} due from now to Sunday", "Nothing else is due this week."),
    ]
    return found


def end_of_week(now: datetime) -> datetime:
    """Midnight at the end of this Sunday on the clock of `now` (aware, in the user's zone), when "due this
    week" ends. Counted on the user's calendar: a UTC week would end at 01:00 on Monday in Berlin, and on a
    Sunday evening in New York (Monday in UTC) it would take in the whole next week."""
    monday = now.date() + timedelta(days=7 - now.weekday())
    return datetime.combine(monday, time(0), tzinfo=now.tzinfo)


def task_filter(view: str, head: bool, zone: tzinfo, now: datetime | None = None) -> dict[str, Any]:
    """The view's filter; `zone` is the user's (the week is theirs), `now` the moment it is read at."""
    whose = {"myTeam": True} if head and view != "mine" else {"mine": True}
    base = {"kind": ["TASK"], "open": True, **whose}
    if view == "overdue":
        return {**base, "overdue": True}
    if view == "week":
        week_end = end_of_week((now or datetime.now(zone)).astimezone(zone))
        return {**base, "overdue": False, "dueBefore": week_end.isoformat()}
    return base


def may_change(session: Session, task: dict[str, Any], action: str) -> bool:
    """Whether to offer `action` on this task: the role may (allowedActions), and a rep only on their own
    tasks (assigned to or created by them), as the server decides (permissions.may)."""
    if not session.can(action):
        return False
    if session.me["role"] != "SALES_REP":
        return True
    mine = {(task.get("assignee") or {}).get("id"), (task.get("author") or {}).get("id")}
    return session.me["id"] in mine


@component
def NewTask(done: Callable[[], None], close: Callable[[], None]) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    people = assignable(use_query(ASSIGNABLE).data, session.me["id"])
    typed, set_typed = use_state("")
    found = use_query(CUSTOMERS, {"search": typed}, skip=len(typed.strip()) < 2)
    options = [e["node"] for e in ((found.data or {}).get("customers") or {}).get("edges", [])]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"kind": "TASK", "title": values.get("title", "").strip(),
                                   "priority": values.get("priority") or "NORMAL"}
        missing = {name: "is required" for name in ("title", "dueAt") if not values.get(name, "").strip()}
        if missing:
            form.set_errors(missing)
            form.set_problem(None)
            return
        payload["dueAt"] = fmt.from_local(values["dueAt"], session.zone)
        if values.get("remindAt"):
            payload["remindAt"] = fmt.from_local(values["remindAt"], session.zone)
        repeat, wrong = repeat_value(values)
        if wrong:
            form.set_errors({"repeat": wrong})
            return
        if repeat:
            payload["repeat"] = repeat
        if values.get("assigneeId"):
            payload["assigneeId"] = values["assigneeId"]
        if values.get("description", "").strip():
            payload["description"] = values["description"].strip()
        customer = values.get("customer", "").strip()
        if customer:
            match = next((c for c in options if c["name"].lower() == customer.lower()), None)
            if match is None:
                form.set_errors({"customer": "pick a customer from the list (or leave it empty)"})
                return
            payload["customerId"] = match["id"]
        try:
            await gql.execute(session.actor, CREATE, input=payload)
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        done()

    me = session.me["id"]
    return html.div(
        {"className": "panel", "aria-label": "New task"},
        html.h2("New task"),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Title", text_input("title", placeholder="e.g. Send the revised offer", autofocus=True),
                  form.errors.get("title"), required=True),
            field("Due", text_input("dueAt", kind="datetime-local"), form.errors.get("dueAt"), required=True),
            field("Remind me", text_input("remindAt", kind="datetime-local"), form.errors.get("remindAt"),
                  hint="Default: a day before it is due"),
            field("Repeats", repeat_controls(), form.errors.get("repeat"),
                  hint="Marking it done creates the next one"),
            field("Priority", select("priority", PRIORITIES, "NORMAL"), form.errors.get("priority")),
            field("Assignee", select("assigneeId", people, me), form.errors.get("assigneeId"),
                  hint="Your team" if session.me["role"] == "SALES_HEAD" else None)
            if len(people) > 1 else None,
            field("Customer", html.input({"name": "customer", "list": "task-customers", "aria-label": "customer",
                                          "placeholder": "Type two letters to search", "autocomplete": "off",
                                          "onChange": lambda e: set_typed(changed_value(e))}),
                  form.errors.get("customer") or form.errors.get("customerId"), hint="Optional"),
            html.datalist({"id": "task-customers"},
                          *(html.option({"key": c["id"], "value": c["name"]}) for c in options)),
            field("Details", html.textarea({"name": "description", "rows": 2, "aria-label": "description"}),
                  form.errors.get("description"), wide=True),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Create task"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: close()},
                                 "Cancel")),
        ),
    )


@component
def TaskRow(task: dict[str, Any], changed: Callable[[], None], selected: bool,
            toggle: Callable[[str], None], show_assignee: bool) -> VdomDict:
    session = use_session()
    rescheduling, set_rescheduling = use_state(False)
    repeating, set_repeating = use_state(False)
    problem, set_problem = use_state(cast(gql.GqlError | str | None, None))
    statuses = task["allowedTaskStatuses"]
    can_complete = may_change(session, task, "completeTask") and "DONE" in statuses
    can_update = may_change(session, task, "updateTask")

    async def run(document: str, **fields: Any) -> bool:
        try:
            await gql.execute(session.actor, document, input={"id": task["id"], "version": task["version"], **fields})
        except gql.GqlError as error:
            set_problem(error)
            return False
        changed()
        return True

    async def complete(_: Any) -> None:
        await run(COMPLETE)

    async def abort(_: Any) -> None:
        await run(UPDATE, taskStatus="ABORTED")

    @event(prevent_default=True)
    async def reschedule(e: Any) -> None:
        values = form_values(e)
        due, remind = values.get("dueAt", ""), values.get("remindAt", "")
        if not due:
            set_problem("Pick a new due date.")
            return
        reminder = {"remindAt": fmt.from_local(remind, session.zone)} if remind else {}
        if await run(UPDATE, dueAt=fmt.from_local(due, session.zone), **reminder):
            set_rescheduling(False)

    @event(prevent_default=True)
    async def change_repeat(e: Any) -> None:
        repeat, wrong = repeat_value(form_values(e))
        if wrong:
            set_problem(f"Repeat every: {wrong}")
            return
        if await run(UPDATE, repeat=repeat):
            set_repeating(False)

    actions = html.div(
        {"className": "actions"},
        html.button({"className": "btn btn-small btn-primary", "type": "button", "onClick": complete}, "Mark done")
        if can_complete else None,
        html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_rescheduling(True)},
                    "Reschedule") if can_update and statuses else None,
        html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_repeating(True)},
                    "Repeat") if can_update and statuses else None,
        html.button({"className": "btn btn-small btn-ghost btn-danger", "type": "button", "onClick": abort}, "Abort")
        if can_update and "ABORTED" in statuses else None,
    )
    return html.tr(
        {"className": "task-row" + (" selected" if selected else "")},
        html.td({"className": "pick"}, html.input({
            "type": "checkbox", "checked": selected, "aria-label": f"Select {task['title']}",
            "onChange": lambda e: toggle(task["id"])}) if can_complete or can_update else None),
        html.td({"className": "wrap", "data-label": "Task"}, html.strong(task["title"]),
                html.div({"className": "muted"}, task["description"]) if task["description"] else None,
                error_banner(problem)),
        html.td({"data-label": "Customer"},
                html.a({"href": f"/customers/{task['customer']['id']}"}, task["customer"]["name"])
                if task["customer"] else html.span({"className": "muted"}, "–")),
        html.td({"data-label": "Assignee"}, (task["assignee"] or {}).get("name", "–")) if show_assignee else None,
        html.td({"data-label": "Due"}, html.span({"className": "nowrap"}, fmt.moment(task["dueAt"])) if task["dueAt"]
                else html.span({"className": "muted"}, "No due date"),
                " ", badge("Overdue", "overdue") if task["overdue"] else None,
                html.div({"className": "muted"}, f"Reminder {fmt.moment(task['remindAt'])}") if task["remindAt"] else None,
                html.div({"className": "muted repeat-label"}, task["repeat"]["label"]) if task.get("repeat") else None),
        html.td({"data-label": "Priority"}, badge(task["priority"]) if task["priority"] else "–"),
        html.td({"data-label": "Status"}, badge(task["taskStatus"])),
        html.td(
            {"className": "nowrap row-actions"},
            html.form({"onSubmit": reschedule, "className": "actions"},
                      html.input({"type": "datetime-local", "name": "dueAt", "aria-label": "New due date"}),
                      html.input({"type": "datetime-local", "name": "remindAt", "aria-label": "Remind me at",
                                  "title": "Remind me at (default: a day before the new date)"}),
                      html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Save"),
                      html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                   "onClick": lambda e: set_rescheduling(False)}, "Cancel"))
            if rescheduling else
            html.form({"onSubmit": change_repeat, "className": "actions", "aria-label": "Repeat"},
                      repeat_controls(task.get("repeat")),
                      html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Save"),
                      html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                   "onClick": lambda e: set_repeating(False)}, "Cancel"))
            if repeating else actions,
        ),
    )


def assignable(data: dict[str, Any] | None, me: str) -> list[tuple[str, str]]:
    """Whom the user may give tasks to (users(filter: {assignableFor: TASK})), themselves first as "Me"."""
    users = [e["node"] for e in ((data or {}).get("users") or {}).get("edges", [])]
    return [(me, "Me")] + [(u["id"], u["name"]) for u in users if u["id"] != me]


@component
def BulkBar(tasks: list[dict[str, Any]], done: Callable[[], None]) -> VdomDict:
    """Complete, reschedule or hand over the selected tasks: one mutation each (the server checks each), and
    the ones refused are named with the reason, while the others are done."""
    session = use_session()
    problems, set_problems = use_state(cast(tuple[str, ...], ()))
    rescheduling, set_rescheduling = use_state(False)
    people = assignable(use_query(ASSIGNABLE).data, session.me["id"])

    async def each(document: str, **fields: Any) -> None:
        failed = []
        for task in tasks:
            try:
                await gql.execute(session.actor, document, input={"id": task["id"], "version": task["version"], **fields})
            except gql.GqlError as error:
                failed.append(f"{task['title']}: {error.message}")
        set_problems(tuple(failed))
        done()

    async def complete(_: Any) -> None:
        await each(COMPLETE)

    @event(prevent_default=True)
    async def reschedule(e: Any) -> None:
        due = form_values(e).get("dueAt", "")
        if not due:
            set_problems(("Pick the new due date first.",))
            return
        set_rescheduling(False)
        await each(UPDATE, dueAt=fmt.from_local(due, session.zone))

    @event(prevent_default=True)
    async def hand_over(e: Any) -> None:
        to = form_values(e).get("assigneeId", "")
        if not to:
            set_problems(("Pick whom to give them to first.",))
            return
        await each(UPDATE, assigneeId=to)

    return html.div(
        {"className": "bulk-bar", "role": "region", "aria-label": "Selected tasks"},
        html.strong(f"{len(tasks)} selected") if tasks else
        html.span({"className": "muted"}, "Tick tasks to complete, reschedule or hand over several at once."),
        html.button({"className": "btn btn-small btn-primary", "type": "button", "onClick": complete},
                    "Complete selected") if tasks else None,
        html.form({"onSubmit": reschedule, "className": "actions"},
                  html.input({"type": "datetime-local", "name": "dueAt", "aria-label": "New due date for the selected"}),
                  html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Reschedule selected"),
                  html.button({"className": "btn btn-small btn-ghost", "type": "button",
                               "onClick": lambda e: set_rescheduling(False)}, "Cancel"))
        if tasks and rescheduling else
        html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_rescheduling(True)},
                    "Reschedule selected") if tasks else None,
        html.form({"onSubmit": hand_over, "className": "actions"},
                  select("assigneeId", [("", "Give to…"), *people], ""),
                  html.button({"className": "btn btn-small", "type": "submit"}, "Assign"))
        if tasks and len(people) > 1 and not rescheduling else None,
        html.div({"className": "notice notice-error", "role": "alert"},
                 f"{len(problems)} could not be changed: ", "; ".join(problems)) if problems else None,
    )


def task_table(tasks: list[dict[str, Any]], reload: Callable[[], None], selected: frozenset[str],
               toggle: Callable[[str], None], toggle_all: Callable[[Any], None], show_assignee: bool) -> VdomDict:
    everything = bool(tasks) and all(t["id"] in selected for t in tasks)
    return html.div({"className": "table-wrap"}, html.table(
        {"className": "table task-table", "aria-label": "Tasks"},
        html.thead(html.tr(
            html.th({"className": "pick"}, html.input({"type": "checkbox", "checked": everything,
                                                      "aria-label": "Select all", "onChange": toggle_all})),
            html.th("Task"), html.th("Customer"), html.th("Assignee") if show_assignee else None, html.th("Due"),
            html.th("Priority"), html.th("Status"), html.th(""),
        )),
        html.tbody(*(TaskRow(t, reload, t["id"] in selected, toggle, show_assignee, key=t["id"]) for t in tasks)),
    ))


@component
def FocusedTask(task_id: str) -> VdomDict:
    """One task, as a notification points at it."""
    result = use_query(ONE_TASK, {"id": task_id})
    task = (result.data or {}).get("activity")
    leave = html.a({"href": "/tasks"}, "Show all my tasks")
    if result.error:
        return html.div(error_banner(result.error), leave)
    if task is None:
        return loading("Loading the task…")
    return html.div(
        html.p({"className": "notice notice-info"}, "The task the notification is about. ", leave),
        task_table([task], result.reload, frozenset(), lambda _: None, lambda _: None, True),
    )


@component
def TasksPage(route: Route) -> VdomDict:
    session = use_session()
    available = views(session)
    keys = [v.key for v in available]
    view = next((v for v in available if v.key == route.query.get("view")), available[0])
    head = session.me["role"] == "SALES_HEAD"
    pages, set_pages = use_state(cast(tuple[str | None, ...], (None,)))  # the cursor of each page visited (keyed by view: app.py)
    result = use_query(TASKS_QUERY, {"filter": task_filter(view.key, head, session.zone), "after": pages[-1]})
    # A task given to this user (by someone, or by an automation rule) arrives with a notification: show it.
    use_live(NOTIFIED, None, lambda _: result.reload())
    selected, set_selected = use_state(cast(frozenset[str], frozenset()))
    creating, set_creating = use_state(False)
    page = (result.data or {}).get("activities")
    tasks = [e["node"] for e in page["edges"]] if page else []

    def toggle(task_id: str) -> None:
        set_selected(lambda old: old - {task_id} if task_id in old else old | {task_id})

    def toggle_all(_: Any) -> None:
        ids = frozenset(t["id"] for t in tasks if may_change(session, t, "updateTask"))
        set_selected(frozenset() if ids and ids <= selected else ids)

    def changed() -> None:
        set_selected(frozenset())
        result.reload()

    def created() -> None:
        set_creating(False)
        changed()

    chosen = [t for t in tasks if t["id"] in selected]
    if route.query.get("task"):
        body: Any = FocusedTask(route.query["task"], key=route.query["task"])
    elif page is None:
        body = pending(result, "Loading tasks…")
    elif not tasks:
        body = empty(view.empty, "Create one with “New task”, or from a customer with “Log activity → Task”."
                     if session.can("logActivity") else "Tasks given to you appear here.")
    else:
        body = html.div(
            # Shown while nothing is selected too, so the list does not jump when the first row is picked.
            BulkBar(chosen, changed) if session.can("updateTask") or session.can("completeTask") else None,
            task_table(tasks, changed, selected, toggle, toggle_all, head and view.key != "mine"),
            html.div({"className": "pager"},
                     html.button({"className": "btn", "type": "button",
                                  "onClick": lambda e: set_pages(pages[:-1])}, "Previous")
                     if len(pages) > 1 else None,
                     html.button({"className": "btn", "type": "button",
                                  "onClick": lambda e: set_pages((*pages, page["pageInfo"]["endCursor"]))},
                                 "Next") if page["pageInfo"]["hasNextPage"] else None),
        )
    return html.div(
        {"className": "page"},
        html.div(
            {"className": "page-head"},
            html.div(html.h1("Tasks"), html.p({"className": "subtle"},
                                              f"{view.hint} · {page['totalCount']}" if page else view.hint)),
            html.div({"className": "actions"}, export_links("tasks", f"view={view.key}"),
                     html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                                 "New task") if session.can("logActivity") and not creating else None),
        ),
        NewTask(created, lambda: set_creating(False)) if creating else None,
        html.nav(
            {"className": "tabs view-tabs", "aria-label": "Task views"},
            *(html.a({"key": v.key, "href": f"/tasks?view={v.key}" if v.key != keys[0] else "/tasks",
                      "className": "tab" + (" active" if v.key == view.key and not route.query.get("task") else ""),
                      "aria-current": "page" if v.key == view.key else None}, v.title)
              for v in available),
        ),
        body,
    )
