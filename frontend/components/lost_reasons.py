"""Lost reasons: the dialog that closes a record as lost with a reason (a deal, a lead: one from the admins'
list, free text, or both), and the admins' list itself (add, rename, archive, restore) that /admin mounts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.kept_list import kept_entry, listing, rename_form, use_adder
from frontend.components.ui import (
    awaiting,
    empty,
    error_banner,
    field,
    form_values,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

OFFERED = "query LostReasons { lostReasons { id name } }"
REASONS = "query AdminLostReasons { lostReasons(includeArchived: true) { id name archived version } }"
CREATE = "mutation CreateLostReason($input: CreateLostReasonInput!) { createLostReason(input: $input) { id } }"
UPDATE = "mutation UpdateLostReason($input: UpdateLostReasonInput!) { updateLostReason(input: $input) { id } }"
ARCHIVE = "mutation ArchiveLostReason($input: ArchiveLostReasonInput!) { archiveLostReason(input: $input) { id } }"


# Saves the dialog's choice: (free text, listed reason id) → the error, if any (None once saved).
Save = Callable[[str | None, str | None], Awaitable[gql.GqlError | None]]


@component
def CloseDialog(title: str, summary: str, what: str, save: Save, cancel: Callable[[], None],
                lost: bool = True) -> VdomDict:
    """The dialog before a `what` ("deal", "lead") is closed: lost asks why (a reason from the admins' list,
    free text, or both; one of them is required); a won deal (`lost` False) is only confirmed."""
    form = use_form_errors()
    verb = "lost" if lost else "won"
    listed = use_query(OFFERED, skip=not lost)
    # The list may arrive after the dialog opened and put its picker above the text: keys keep what was typed.
    reasons = (listed.data or {}).get("lostReasons") or []

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        text = values.get("lostReason", "").strip() if lost else None
        picked = values.get("lostReasonId") or None if lost else None
        if lost and not text and not picked:
            # A sentence of its own: the API's "is required to …" reads as a fragment here.
            form.set_errors({"lostReasonId" if reasons else "lostReason": f"A reason is required to mark the {what} lost."})
            return
        error = await save(text, picked)
        if error is not None:
            form.show(error)

    reason_fields = [
        field("Reason", select("lostReasonId", [("", "Pick a reason…"), *((r["id"], r["name"]) for r in reasons)]),
              form.errors.get("lostReasonId"), hint="From the list your admins keep, so reports count alike",
              key="lostReasonId")
        if reasons else None,
        field("Details" if reasons else "Why was it lost?",
              html.textarea({"name": "lostReason", "rows": 3, "aria-label": "lostReason", "maxLength": 400}),
              form.errors.get("lostReason"),
              hint=f"Optional with a reason picked; it shows on the {what}" if reasons
              else f"Required: it shows on the {what} and in reports", key="lostReason"),
    ] if lost else []
    # Focus starts in the dialog, on its confirm button, so Escape reaches it from the keyboard;
    # the scrim is a sibling under the dialog, so only a click outside the dialog lands on it and cancels.
    return html.div(
        {"className": "modal-backdrop", "onKeyDown": lambda e: cancel() if e.get("key") == "Escape" else None},
        html.div({"className": "modal-scrim", "data-testid": "modal-scrim", "onClick": lambda e: cancel()}),
        html.div(
            {"className": "modal", "role": "dialog", "aria-modal": "true", "aria-label": f"Mark {title} as {verb}"},
            html.h2(f"Mark “{title}” as {verb}"),
            html.p({"className": "muted"}, summary),
            html.div({"className": "form-notices"}, error_banner(form.problem)),  # the form stays in place
            html.form(
                {"onSubmit": submit, "onInput": form.edited, "noValidate": True},
                *reason_fields,
                html.div({"className": "form-actions"},
                         html.button({"className": "btn btn-primary", "type": "submit", "autoFocus": True},
                                     f"Mark as {verb}"),
                         html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: cancel()},
                                     "Cancel")),
            ),
        ),
    )


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

    body = rename_form("Name", "name", reason["name"], rename, form.errors.get("name"),
                       lambda: set_renaming(False)) if renaming else None
    actions = [html.button({"className": "btn btn-link", "type": "button", "onClick": lambda e: set_renaming(True)},
                           "Rename"),
               html.button({"className": "btn btn-link", "type": "button", "onClick": awaiting(archive)},
                           "Restore" if reason["archived"] else "Archive")]
    return kept_entry(reason["name"], reason["archived"], {"data-reason": reason["name"]}, body, actions, form.problem)


@component
def LostReasons() -> VdomDict:
    result = use_query(REASONS)
    adder = use_adder(CREATE, "name", result)
    form = adder.form
    reasons = listing(result, "lostReasons",
                      empty("No lost reasons yet.", "Add the reasons your team loses deals for: reps pick them when a "
                            "deal is lost, and reports count them alike."),
                      lambda r, _: ReasonRow(r, result.reload, key=f"{r['id']}-{r['version']}"))
    return html.section(
        {"className": "panel", "aria-label": "Lost reasons"},
        html.h2("Lost reasons"),
        html.p({"className": "muted"}, "Offered when a deal is marked lost, beside free text. Archive a reason to stop "
               "offering it: deals lost for it keep it."),
        html.div({"className": "form-notices"}, error_banner(form.problem)),  # the form stays in place
        html.form(
            {"onSubmit": adder.submit, "className": "form-row", "key": f"add-{adder.generation}", "noValidate": True,
             "onInput": form.edited},
            field("New reason", text_input("name", placeholder="e.g. Lost to in-house build", maxLength=100, size=36),
                  form.errors.get("name")),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Add reason"),
        ),
        reasons,
    )
