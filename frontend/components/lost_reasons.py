"""The admins' list of lost reasons: add, rename, archive and restore. A component, so /admin can mount it
among its sections; until then it stands alone at /admin/lost-reasons."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import (
    awaiting,
    badge,
    empty,
    error_banner,
    field,
    form_values,
    loading,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

REASONS = "query AdminLostReasons { lostReasons(includeArchived: true) { id name archived version } }"
CREATE = "mutation CreateLostReason($input: CreateLostReasonInput!) { createLostReason(input: $input) { id } }"
UPDATE = "mutation UpdateLostReason($input: UpdateLostReasonInput!) { updateLostReason(input: $input) { id } }"
ARCHIVE = "mutation ArchiveLostReason($input: ArchiveLostReasonInput!) { archiveLostReason(input: $input) { id } }"


@component
def ReasonRow(reason: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    renaming, set_renaming = use_state(False)

    @event(prevent_default=True)
    async def rename(e: Any) -> None:
        try:
            await gql.execute(session.actor, UPDATE, input={"id": reason["id"], "version": reason["version"],
                                                             "name": form_values(e).get("name", "")})
        except gql.GqlError as error:
            form.show(error)
            return
        set_renaming(False)
        changed()

    async def archive() -> None:
        try:
            await gql.execute(session.actor, ARCHIVE, input={"id": reason["id"], "version": reason["version"],
                                                              "archived": not reason["archived"]})
        except gql.GqlError as error:
            form.show(error)
        changed()

    if renaming:
        body = html.form(
            {"onSubmit": rename, "className": "form-row", "noValidate": True},
            field("Name", text_input("name", reason["name"], autoFocus=True, maxLength=100), form.errors.get("name")),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Save"),
            html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: set_renaming(False)},
                        "Cancel"),
        )
    else:
        body = html.div(
            {"className": "reason-line"},
            html.span({"className": "reason-name"}, reason["name"]),
            badge("Archived", "archived") if reason["archived"] else None,
            html.span({"className": "actions"},
                      html.button({"className": "btn btn-link", "type": "button",
                                   "onClick": lambda e: set_renaming(True)}, "Rename"),
                      html.button({"className": "btn btn-link", "type": "button", "onClick": awaiting(archive)},
                                  "Restore" if reason["archived"] else "Archive")),
        )
    return html.li({"className": "reason" + (" archived" if reason["archived"] else ""), "data-reason": reason["name"]},
                   body, error_banner(form.problem))


@component
def LostReasons() -> VdomDict:
    session = use_session()
    form = use_form_errors()
    generation, set_generation = use_state(0)
    result = use_query(REASONS)

    @event(prevent_default=True)
    async def add(e: Any) -> None:
        try:
            await gql.execute(session.actor, CREATE, input={"name": form_values(e).get("name", "")})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_generation(generation + 1)
        result.reload()

    reasons = (result.data or {}).get("lostReasons")
    if reasons is None:
        listing = error_banner(result.error) if result.error else loading()
    elif not reasons:
        listing = empty("No lost reasons yet.", "Add the reasons your team loses deals for: reps pick them when a "
                        "deal is lost, and reports count them alike.")
    else:
        listing = html.ul({"className": "reasons"},
                          *(ReasonRow(r, result.reload, key=f"{r['id']}-{r['version']}") for r in reasons))
    return html.section(
        {"className": "panel", "aria-label": "Lost reasons"},
        html.h2("Lost reasons"),
        html.p({"className": "muted"}, "Offered when a deal is marked lost, beside free text. Archive a reason to stop "
               "offering it: deals lost for it keep it."),
        html.div({"className": "form-notices"}, error_banner(form.problem)),  # the form stays in place
        html.form(
            {"onSubmit": add, "className": "form-row", "key": f"add-{generation}", "noValidate": True,
             "onInput": form.edited},
            field("New reason", text_input("name", placeholder="e.g. Lost to in-house build", maxLength=100, size=36),
                  form.errors.get("name")),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Add reason"),
        ),
        listing,
    )
