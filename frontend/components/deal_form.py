"""The deal form, for a new deal (from the board, a customer's Deals tab) and for editing one (the deal page).

Inputs are named as the API's fields, so an error the API names (`extensions.field`) shows under its input.
Amounts are typed in major units (12,500.50) and sent as the API's minor units.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import (
    changed_value,
    error_banner,
    field,
    form_values,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

OPTIONS_QUERY = """
query DealFormOptions($customer: ID!, $withCustomer: Boolean!) {
  exchangeRates { currency }
  pipelines { id name isDefault stages { id name kind probability } }
  owners: users(first: 100, filter: {assignableFor: OWNER}) { edges { node { id name } } }
  customer(id: $customer) @include(if: $withCustomer) { id name contacts { id name } }
}"""
CUSTOMER_SEARCH = """
query DealCustomers($search: String) {
  customers(first: 20, search: $search, orderBy: {field: NAME, direction: ASC}) { edges { node { id name } } }
}"""
CREATE_DEAL = "mutation CreateDeal($input: CreateDealInput!) { createDeal(input: $input) { id } }"
UPDATE_DEAL = "mutation UpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { id version } }"
CURRENT_VERSION = "query DealVersion($id: ID!) { deal(id: $id) { id version } }"
SAVED_MEANWHILE = ("Someone else saved this deal while you were editing; the page above shows what they saved. "
                   "Your entries are kept: save again to replace theirs with what the form shows.")
NOT_AN_AMOUNT = "must be an amount such as 12500 or 12500.50"


def minor_units(typed: str) -> int | None:
    """"12,500.50" → 1250050; None for something that is no amount (the form says so at the field)."""
    cleaned = typed.replace(",", "").replace(" ", "").strip()
    try:
        value = Decimal(cleaned or "0")
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def major_units(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}".removesuffix(".00")


@component
def CustomerPicker(chosen: dict[str, Any] | None, choose: Callable[[dict[str, Any] | None], None],
                   label: str = "Customer", error: str | None = None) -> VdomDict:
    """Type part of a name, pick the customer from the matches (customer search, row rules applied)."""
    session = use_session()
    typed, set_typed = use_state("")
    found, set_found = use_state(cast(list[dict[str, Any]], []))

    @use_async_effect(dependencies=[typed])
    async def search() -> None:
        if not typed.strip():
            set_found([])
            return
        await asyncio.sleep(0.25)  # a pause in typing, not every keystroke
        try:
            data = await gql.execute(session.actor, CUSTOMER_SEARCH, search=typed.strip())
        except gql.GqlError:
            set_found([])
            return
        set_found([e["node"] for e in data["customers"]["edges"]])

    def pick(e: Any) -> None:
        value = changed_value(e)
        choose(next((c for c in found if c["id"] == value), None))

    options = [("", "Pick a match…" if found else "Matches show here"), *((c["id"], c["name"]) for c in found)]
    if chosen and all(c["id"] != chosen["id"] for c in found):
        options.insert(1, (chosen["id"], chosen["name"]))
    return html.div(
        {"className": "customer-picker"},
        field(label, html.input({"type": "search", "aria-label": f"Search {label.lower()}", "value": typed,
                                 "placeholder": "Type a customer name",
                                 "onChange": lambda e: set_typed(changed_value(e))}), error),
        field("Matches", select("customerId", options, chosen["id"] if chosen else "", onChange=pick,
                                       **{"aria-label": label})),
    )


@component
def DealForm(done: Callable[[str | None], None], customer: dict[str, Any] | None = None,
             deal: dict[str, Any] | None = None) -> VdomDict:
    """Create a deal (`deal` None; with `customer` fixed, or picked here) or edit `deal` (as the deal page read
    it, with its version). `done(id)` after saving, `done(None)` on cancel."""
    session = use_session()
    form = use_form_errors()
    picked, set_picked = use_state(customer or (deal or {}).get("customer"))
    pipeline_id, set_pipeline_id = use_state("")
    # The version the form's values were read at: a save refused as stale tells the user, and a second save,
    # made knowingly, goes through.
    version, set_version = use_state((deal or {}).get("version", 0))
    conflicted, set_conflicted = use_state(False)
    first_read, _ = use_state(deal or {})
    options = use_query(OPTIONS_QUERY, {"customer": (picked or {}).get("id") or "0", "withCustomer": bool(picked)})
    data = options.data or {}
    editing = deal is not None
    pipelines = data.get("pipelines") or []
    pipeline = next((p for p in pipelines if p["id"] == pipeline_id), None) or next(
        (p for p in pipelines if p["isDefault"]), pipelines[0] if pipelines else None)
    stages = [s for s in (pipeline or {}).get("stages", []) if s["kind"] == "OPEN"]
    contacts = ((data.get("customer") or {}).get("contacts")) or []
    currencies = [r["currency"] for r in data.get("exchangeRates") or []]
    owners = [e["node"] for e in (data.get("owners") or {}).get("edges", [])]
    # A rep always owns what they create (the API decides); heads and admins pick an owner when creating.
    # Changing the owner of an existing deal is "Reassign" on the deal page.
    pick_owner = not editing and session.me["role"] != "SALES_REP" and len(owners) > 1

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        amount = minor_units(values.get("amount", ""))
        if amount is None:
            form.set_errors({"amount": NOT_AN_AMOUNT})
            return
        payload: dict[str, Any] = {
            "title": values.get("title", "").strip(), "amount": amount, "currency": values.get("currency") or None,
            "expectedCloseDate": values.get("expectedCloseDate") or None,
            "contactId": values.get("contactId") or None,
        }
        if values.get("probability", "").strip():
            try:
                payload["probability"] = int(values["probability"])
            except ValueError:
                form.set_errors({"probability": "must be a whole number from 0 to 100"})
                return
        if editing:
            assert deal is not None
            payload.update(id=deal["id"], version=version)
            document = UPDATE_DEAL
        else:
            if not picked:
                form.set_errors({"customerId": "Pick the customer the deal is with."})
                return
            payload.update(customerId=picked["id"], stageId=values.get("stageId") or None,
                           pipelineId=pipeline["id"] if pipeline else None)
            if pick_owner and values.get("ownerId"):
                payload["ownerId"] = values["ownerId"]
            document = CREATE_DEAL
        try:
            saved = await gql.execute(session.actor, document, input=payload)
        except gql.GqlError as error:
            if editing and error.code == "CONFLICT":
                await meanwhile()
            else:
                form.show(error)
            return
        # No state change here: done() unmounts the form (see pipeline.use_columns on ReactPy 2.0.0b13).
        done(saved["updateDeal" if editing else "createDeal"]["id"])

    async def meanwhile() -> None:
        assert deal is not None
        try:
            current = (await gql.execute(session.actor, CURRENT_VERSION, id=deal["id"]))["deal"]
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_version(current["version"])
        set_conflicted(True)

    if options.data is None:
        return html.div({"className": "panel"}, error_banner(options.error) if options.error else "Loading…")
    start = first_read  # not the live `deal`: a re-render with others' values would overwrite what is typed
    amount = start.get("amount") or {}
    errors = form.errors
    return html.div(
        {"className": "panel", "aria-label": "Edit deal" if editing else "New deal"},
        html.h2("Edit deal" if editing else "New deal"),
        html.div(  # always there: notices coming and going never move (and so remount) the form
            {"className": "form-notices"},
            html.div({"className": "notice notice-warn", "role": "status"}, SAVED_MEANWHILE)
            if conflicted and not form.problem else None,
            error_banner(form.problem),
        ),
        CustomerPicker(picked, set_picked, error=errors.get("customerId")) if not editing and not customer else None,
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Title", text_input("title", start.get("title", ""), placeholder="e.g. 40 licences for the rail team"),
                  errors.get("title"), required=True),
            field("Customer", html.span({"className": "field-static"}, picked["name"]))
            if customer or editing else None,
            field("Contact", select("contactId", [("", "—"), *((c["id"], c["name"]) for c in contacts)],
                                    (start.get("contact") or {}).get("id", "")), errors.get("contactId")),
            field("Amount", text_input("amount", major_units(amount["amount"]) if amount else "", inputMode="decimal",
                                       placeholder="0"), errors.get("amount")),
            field("Currency", select("currency", [(c, c) for c in currencies],
                                     amount.get("currency") or (currencies[0] if currencies else "")),
                  errors.get("currency")),
            field("Probability (%)", text_input("probability", str(start["probability"]) if editing else "",
                                                kind="number", min="0", max="100",
                                                placeholder="the stage's"), errors.get("probability"),
                  hint=None if editing else "Empty: the stage's default"),
            field("Expected close", text_input("expectedCloseDate", start.get("expectedCloseDate") or "", kind="date"),
                  errors.get("expectedCloseDate")),
            field("Pipeline", select("pipelineId", [(p["id"], p["name"]) for p in pipelines], pipeline["id"],
                                     onChange=lambda e: set_pipeline_id(changed_value(e))))
            if not editing and pipeline and len(pipelines) > 1 else None,
            field("Stage", select("stageId", [(s["id"], f"{s['name']} ({s['probability']} %)") for s in stages],
                                  key=f"stages-{(pipeline or {}).get('id')}"), errors.get("stageId"))
            if not editing else None,
            field("Owner", select("ownerId", [(o["id"], o["name"]) for o in owners], session.me["id"]),
                  errors.get("ownerId")) if pick_owner else None,
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"},
                                 "Save changes" if editing else "Create deal"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done(None)},
                                 "Cancel")),
        ),
    )
