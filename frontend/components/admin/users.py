"""Admin → Users: everyone who signs in, with role, team and active flag changed in place (updateUser)."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import badge, changed_value, empty, error_banner, pending, select
from frontend.session import use_query, use_session

USERS_QUERY = """
query AdminUsers($filter: UserFilter) {
  users(first: 100, filter: $filter, orderBy: {field: NAME}) {
    totalCount
    edges { node { id name email role active version lastLoginAt team { id name } } }
  }
  teams { id name }
}"""
UPDATE_USER = "mutation UpdateUser($input: UpdateUserInput!) { updateUser(input: $input) { id version } }"
ROLES = ("ADMIN", "SALES_HEAD", "SALES_REP", "SUPPORT", "MARKETING")
ROLE_OPTIONS = [("", "No role (no access)"), *((r, fmt.label(r)) for r in ROLES)]


@component
def UserRow(user: dict[str, Any], teams: list[dict[str, Any]], reload: Any) -> VdomDict:
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    saved, set_saved = use_state("")
    confirming, set_confirming = use_state(False)
    itself = user["id"] == session.me["id"]

    async def change(what: str, values: dict[str, Any]) -> None:
        set_confirming(False)
        try:
            await gql.execute(session.actor, UPDATE_USER, input={"id": user["id"], "version": user["version"], **values})
        except gql.GqlError as error:
            set_problem(error)
            set_saved("")
            if error.code == "CONFLICT":
                reload()
            return
        set_problem(None)
        set_saved(what)
        reload()

    async def role(e: Any) -> None:
        await change("Role saved", {"role": changed_value(e) or None})

    async def team(e: Any) -> None:
        await change("Team saved", {"teamId": changed_value(e) or None})

    async def toggle(e: Any) -> None:
        await change("Reactivated" if not user["active"] else "Deactivated", {"active": not user["active"]})

    # Keyed by version: after a change, or a refused one, the selects show what the server holds.
    version = f"{user['id']}-{user['version']}-{bool(problem)}"
    if itself:
        active_control = html.span({"className": "muted"}, "You")
    elif confirming:
        active_control = html.div(
            {"className": "actions"},
            html.button({"className": "btn btn-small btn-danger", "type": "button", "onClick": toggle}, "Confirm"),
            html.button({"className": "btn btn-small btn-ghost", "type": "button",
                         "onClick": lambda e: set_confirming(False)}, "Cancel"),
        )
    elif user["active"]:
        active_control = html.button({"className": "btn btn-small", "type": "button",
                                      "onClick": lambda e: set_confirming(True)}, "Deactivate")
    else:
        active_control = html.button({"className": "btn btn-small", "type": "button", "onClick": toggle}, "Reactivate")
    return html.tr(
        {"data-user": user["email"], "className": "" if user["active"] else "inactive"},
        cell("User", html.strong(user["name"]), html.div({"className": "muted"}, user["email"])),
        cell("Role",
                select("role", ROLE_OPTIONS, user["role"] or "", key=f"role-{version}", onChange=role,
                       disabled=itself, title="You cannot change your own role; ask another admin" if itself else None,
                       **{"aria-label": f"Role of {user['name']}"})),
        cell("Team",
                select("team", [("", "No team"), *((t["id"], t["name"]) for t in teams)],
                       (user["team"] or {}).get("id", ""), key=f"team-{version}", onChange=team,
                       **{"aria-label": f"Team of {user['name']}"})),
        cell("Status", badge("Active" if user["active"] else "Deactivated",
                                                "active" if user["active"] else "inactive")),
        cell("Last sign-in", fmt.moment(user["lastLoginAt"]) if user["lastLoginAt"] else html.span({"className": "muted"}, "Never"),
             nowrap=True),
        cell("", active_control,
                html.span({"className": "saved", "role": "status"}, saved) if saved and not problem else None,
                error_banner(problem)),
    )


@component
def UsersSection() -> VdomDict:
    search, set_search = use_state("")
    result = use_query(USERS_QUERY, {"filter": {"search": search} if search.strip() else None})
    data = result.data
    if data is None:
        body = pending(result, "Loading users…")
    elif not data["users"]["edges"]:
        body = empty("No user matches.", "Users appear here after their first sign-in. Try another name or email.")
    else:
        shown, total = len(data["users"]["edges"]), data["users"]["totalCount"]
        body = html.div(html.p({"className": "notice notice-info"}, f"Showing {shown} of {total} users: search to "
                               "find the others.") if total > shown else None,
                        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Users"},
            html.thead(html.tr(html.th("User"), html.th("Role"), html.th("Team"), html.th("Status"),
                               html.th("Last sign-in"), html.th(""))),
            html.tbody(*(UserRow(e["node"], data["teams"], result.reload, key=e["node"]["id"])
                         for e in data["users"]["edges"])),
        )))
    return html.section(
        {"aria-label": "Users"},
        html.div({"className": "toolbar"},
                 html.input({"type": "search", "className": "search", "placeholder": "Search name or email",
                             "aria-label": "Search users", "value": search,
                             "onChange": lambda e: set_search(changed_value(e))}),
                 html.span({"className": "muted"}, f"{data['users']['totalCount']} users" if data else "")),
        html.p({"className": "subtle"}, "Role and team changes apply at once; the user's open pages reload with "
               "the new rights. Deactivated users cannot sign in, and their sessions and API tokens stop working."),
        body,
    )
