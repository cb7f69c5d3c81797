"""Admin → Teams: create and rename teams, and see who is in each (members move with Admin → Users)."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import (
    badge,
    empty,
    error_banner,
    field,
    form_values,
    pending,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

TEAMS_QUERY = """
query AdminTeams {
  teams { id name head { id name } members { id name email role active } }
  users(first: 100, filter: {active: true}, orderBy: {field: NAME}) { edges { node { id name role team { id } } } }
}"""
CREATE_TEAM = "mutation CreateTeam($input: CreateTeamInput!) { createTeam(input: $input) { id } }"
UPDATE_TEAM = "mutation UpdateTeam($input: UpdateTeamInput!) { updateTeam(input: $input) { id } }"


def members(people: list[dict[str, Any]]) -> VdomDict:
    if not people:
        return html.p({"className": "muted"}, "No members yet: give users this team under Users.")
    return html.ul({"className": "members"}, *(
        html.li({"key": p["id"]}, html.span(p["name"]), " ", html.span({"className": "muted"}, fmt.label(p["role"])),
                " ", badge("Deactivated", "inactive") if not p["active"] else None)
        for p in people))


@component
def TeamCard(team: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    renaming, set_renaming = use_state(False)

    @event(prevent_default=True)
    async def rename(e: Any) -> None:
        try:
            await gql.execute(session.actor, UPDATE_TEAM,
                              input={"id": team["id"], "name": form_values(e).get("name", "").strip()})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_renaming(False)
        changed()

    def cancel(e: Any) -> None:
        form.clear()
        set_renaming(False)

    head = team["head"]
    return html.article(
        {"className": "card team", "aria-label": f"Team {team['name']}"},
        html.form(
            {"onSubmit": rename, "onInput": form.edited, "className": "inline", "noValidate": True},
            field("Team name", text_input("name", team["name"]), form.errors.get("name")),
            html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Save"),
            html.button({"className": "btn btn-small btn-ghost", "type": "button",
                         "onClick": cancel}, "Cancel"),
        ) if renaming else html.div(
            {"className": "panel-head"},
            html.h2(team["name"]),
            html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_renaming(True)},
                        "Rename"),
        ),
        error_banner(form.problem),
        html.p({"className": "subtle"}, f"Head: {head['name']}" if head else "No sales head yet",
               f" · {len(team['members'])} member{'s' if len(team['members']) != 1 else ''}"),
        members(team["members"]),
    )


@component
def NewTeam(changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    generation, set_generation = use_state(0)

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        try:
            await gql.execute(session.actor, CREATE_TEAM, input={"name": form_values(e).get("name", "").strip()})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_generation(lambda g: g + 1)
        changed()

    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "inline", "noValidate": True,
         "aria-label": "New team", "key": f"new-team-{generation}"},
        field("New team", text_input("name", placeholder="e.g. West"), form.errors.get("name")),
        html.button({"className": "btn btn-primary", "type": "submit"}, "Create team"),
        error_banner(form.problem),
    )


@component
def TeamsSection() -> VdomDict:
    result = use_query(TEAMS_QUERY)
    data = result.data
    if data is None:
        return pending(result, "Loading teams…")
    loose = [e["node"] for e in data["users"]["edges"]
             if not e["node"]["team"] and e["node"]["role"] in ("SALES_HEAD", "SALES_REP")]
    return html.section(
        {"aria-label": "Teams"},
        html.p({"className": "subtle"}, "Salespeople see the customers of their team. A team's head is its member "
               "with the Sales head role; move people between teams under Users."),
        NewTeam(result.reload),
        html.div({"className": "team-grid"}, *(TeamCard(t, result.reload, key=t["id"]) for t in data["teams"]))
        if data["teams"] else empty("No teams yet.", "Create one above, then give salespeople this team under Users."),
        html.div({"className": "notice notice-warn"},
                 "Salespeople in no team see only their own records: ", ", ".join(u["name"] for u in loose), ".")
        if loose else None,
    )
